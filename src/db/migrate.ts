// Applies the migrations in src/db/migrations, listed here so the built server needs no
// directory scan.
import {
  Migrator,
  PostgresAdapter,
  sql,
  type Kysely,
  type Migration,
  type MigrationResultSet,
} from "kysely";
import * as createAccounts from "./migrations/202611260100_create-accounts.js";
import * as createMissingUserStatus from "./migrations/202611260110_create-missing-user-status.js";
import * as createAdmin from "./migrations/202611260120_create-admin.js";
import * as addUserSearchIndexes from "./migrations/202611260130_add-user-search-indexes.js";
import * as addUserFilterIndexes from "./migrations/202611260140_add-user-filter-indexes.js";
import * as createRateLimitCounters from "./migrations/202611260200_create-rate-limit-counters.js";
import * as addUserTokenVersion from "./migrations/202612061000_add-user-token-version.js";
import * as createUsedActionTokens from "./migrations/202612061005_create-used-action-tokens.js";
import * as addUsernameSkeleton from "./migrations/202612061010_add-username-skeleton.js";
import * as createUserFieldDeclarations from "./migrations/202612061100_create-user-field-declarations.js";
import * as createSessions from "./migrations/202612070000_create-sessions.js";
import * as createSecondFactor from "./migrations/202612070100_create-second-factor.js";
import * as createDjangoImport from "./migrations/202612080000_create-django-import.js";
import * as raiseSearchKeyStatistics from "./migrations/202612090100_raise-search-key-statistics.js";
import * as createSignInLinks from "./migrations/202612100000_create-sign-in-links.js";
import * as createPasskeys from "./migrations/202612100100_create-passkeys.js";
import * as createJwtSigningKeys from "./migrations/202612110000_create-jwt-signing-keys.js";
import * as createWebhooks from "./migrations/202612120000_create-webhooks.js";

const MIGRATIONS: Record<string, Migration> = {
  "202611260100_create-accounts": createAccounts,
  "202611260110_create-missing-user-status": createMissingUserStatus,
  "202611260120_create-admin": createAdmin,
  "202611260130_add-user-search-indexes": addUserSearchIndexes,
  "202611260140_add-user-filter-indexes": addUserFilterIndexes,
  "202611260200_create-rate-limit-counters": createRateLimitCounters,
  "202612061000_add-user-token-version": addUserTokenVersion,
  "202612061005_create-used-action-tokens": createUsedActionTokens,
  "202612061010_add-username-skeleton": addUsernameSkeleton,
  "202612061100_create-user-field-declarations": createUserFieldDeclarations,
  "202612070000_create-sessions": createSessions,
  "202612070100_create-second-factor": createSecondFactor,
  "202612080000_create-django-import": createDjangoImport,
  "202612090100_raise-search-key-statistics": raiseSearchKeyStatistics,
  "202612100000_create-sign-in-links": createSignInLinks,
  "202612100100_create-passkeys": createPasskeys,
  "202612110000_create-jwt-signing-keys": createJwtSigningKeys,
  "202612120000_create-webhooks": createWebhooks,
};

class MigrationFailedError extends Error {
  constructor(
    readonly migrationName: string | undefined,
    options: { cause: unknown },
  ) {
    super(`Migration ${migrationName ?? "(unknown)"} failed`, options);
    this.name = "MigrationFailedError";
  }
}

async function migrator(db: Kysely<any>): Promise<Migrator> {
  const provider = { getMigrations: () => Promise.resolve(MIGRATIONS) };
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return new Migrator({ db, provider });
  // Kysely looks for its bookkeeping tables in every schema; name ours so that another schema's
  // copy (another deployment or test run in the same database) is never mistaken for it.
  const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(db);
  return new Migrator({ db, provider, migrationTableSchema: rows[0]?.schema ?? "public" });
}

function checked(result: MigrationResultSet): string[] {
  if (result.error !== undefined) {
    const failed = result.results?.find((item) => item.status === "Error");
    throw new MigrationFailedError(failed?.migrationName, { cause: result.error });
  }
  return (result.results ?? []).map((item) => item.migrationName);
}

/** PostgreSQL's invalid_schema_name. */
const SCHEMA_GONE = "3F000";
const SCHEMA_RACE_ATTEMPTS = 3;

function isSchemaGone(error: unknown): boolean {
  for (let each = error; typeof each === "object" && each !== null;) {
    if ((each as { code?: unknown }).code === SCHEMA_GONE) return true;
    each = (each as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * Kysely's introspection reads the tables of every schema and asks has_schema_privilege of each
 * by name: a schema another deployment (or a parallel test run) drops in between fails the read
 * with invalid_schema_name though nothing of ours is wrong. Read again; PostgreSQL runs the
 * migrations in one transaction, so a failed attempt left nothing behind.
 */
async function despiteSchemasDropped<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await work();
    } catch (error) {
      if (attempt >= SCHEMA_RACE_ATTEMPTS || !isSchemaGone(error)) throw error;
    }
  }
}

/** Applies every pending migration; returns the names applied. */
export async function migrateToLatest(db: Kysely<any>): Promise<string[]> {
  return despiteSchemasDropped(async () => checked(await (await migrator(db)).migrateToLatest()));
}

/** The migrations this code knows that the database has not applied (readiness: /readyz). */
export async function pendingMigrations(db: Kysely<any>): Promise<string[]> {
  const migrations = await despiteSchemasDropped(async () => (await migrator(db)).getMigrations());
  return migrations
    .filter((migration) => migration.executedAt === undefined)
    .map((migration) => migration.name);
}

/**
 * Runs `work` under the migrations' lock (on one connection, as Kysely takes it), so schema
 * changes made outside the migration files (USER_FIELDS columns) never race another process's.
 */
export async function withMigrationLock<T>(
  db: Kysely<any>,
  work: (db: Kysely<any>) => Promise<T>,
): Promise<T> {
  const adapter = db.getExecutor().adapter;
  return db.connection().execute(async (connection) => {
    const options = { lockTable: "kysely_migration_lock", lockRowId: "migration_lock" };
    await adapter.acquireMigrationLock(connection, options);
    try {
      return await work(connection);
    } finally {
      await adapter.releaseMigrationLock(connection, options);
    }
  });
}
