// Applies the migrations in src/db/migrations, listed here so the built server needs no
// directory scan.
import { Migrator, type Kysely, type Migration, type MigrationResultSet } from "kysely";
import * as createAccounts from "./migrations/202611260100_create-accounts.js";

const MIGRATIONS: Record<string, Migration> = {
  "202611260100_create-accounts": createAccounts,
};

export class MigrationFailedError extends Error {
  constructor(
    readonly migrationName: string | undefined,
    options: { cause: unknown },
  ) {
    super(`Migration ${migrationName ?? "(unknown)"} failed`, options);
    this.name = "MigrationFailedError";
  }
}

function migrator(db: Kysely<any>): Migrator {
  return new Migrator({ db, provider: { getMigrations: () => Promise.resolve(MIGRATIONS) } });
}

function checked(result: MigrationResultSet): string[] {
  if (result.error !== undefined) {
    const failed = result.results?.find((item) => item.status === "Error");
    throw new MigrationFailedError(failed?.migrationName, { cause: result.error });
  }
  return (result.results ?? []).map((item) => item.migrationName);
}

/** Applies every pending migration; returns the names applied. */
export async function migrateToLatest(db: Kysely<any>): Promise<string[]> {
  return checked(await migrator(db).migrateToLatest());
}

export async function migrateDown(db: Kysely<any>): Promise<string[]> {
  return checked(await migrator(db).migrateDown());
}

export async function pendingMigrations(db: Kysely<any>): Promise<string[]> {
  const all = await migrator(db).getMigrations();
  return all.filter((item) => item.executedAt === undefined).map((item) => item.name);
}
