// A fresh database per variant, and the URLs each side reaches it by. SQLite: a file in a
// temporary folder. PostgreSQL, direct: a schema of its own on BENCH_PG_URL's database, chosen by
// `options=-c search_path=…`. PostgreSQL through PgBouncer: PgBouncer does not forward `options`,
// so a database of its own, behind a private PgBouncer in transaction mode
// (tests/support/pgbouncer.ts). Gatehouse and the baseline connect under application names of
// their own, by which pg-connections.ts tells their server connections apart.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { startPgBouncer } from "../../tests/support/pgbouncer.js";
import type { Options } from "./options.js";
import type { DbKind } from "./shared.js";
import { VARIANTS, type VariantName } from "./variants.js";

/** application_name of the baseline's PostgreSQL connections (of this bench process). */
export const BASELINE_APPLICATION_NAME = `gatehouse-bench-baseline-${process.pid}`;

/** application_name of the connections of the Gatehouse running `variant`. */
export function gatehouseApplicationName(variant: VariantName): string {
  return `gatehouse-bench-${process.pid}-${variant}`;
}

export interface DbSetup {
  kind: DbKind;
  /** DATABASE_URL of a Gatehouse running `variant` (on PostgreSQL, under its application name). */
  gatehouseUrl(variant: VariantName): string;
  /** The baseline's BASELINE_DB (always a direct connection). */
  baselineDb: string;
  /** Where the users are seeded: the SQLite file or a direct PostgreSQL URL. */
  seedTarget: string;
  cleanup(): Promise<void>;
}

function withParam(url: string, name: string, value: string): string {
  return `${url}${url.includes("?") ? "&" : "?"}${name}=${encodeURIComponent(value)}`;
}

async function adminQuery(url: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

function sqliteFile(): DbSetup {
  const dir = mkdtempSync(join(tmpdir(), "gatehouse-bench-"));
  const file = join(dir, "bench.sqlite");
  return {
    kind: "sqlite",
    gatehouseUrl: () => `sqlite:${file}`,
    baselineDb: file,
    seedTarget: file,
    cleanup: () => {
      rmSync(dir, { recursive: true, force: true });
      return Promise.resolve();
    },
  };
}

async function postgresSchema(pgBase: string): Promise<DbSetup> {
  const schema = `bench_${process.pid}_${Date.now()}`;
  await adminQuery(pgBase, `create schema ${schema}`);
  const url = withParam(pgBase, "options", `-c search_path=${schema}`);
  return {
    kind: "postgres",
    gatehouseUrl: (variant) => {
      if (VARIANTS[variant].throughPgBouncer) throw new Error(`${variant}: no PgBouncer here`);
      return withParam(url, "application_name", gatehouseApplicationName(variant));
    },
    baselineDb: withParam(url, "application_name", BASELINE_APPLICATION_NAME),
    seedTarget: url,
    cleanup: () => adminQuery(pgBase, `drop schema if exists ${schema} cascade`),
  };
}

/** `poolSize`: PgBouncer's server connections for the database (its default_pool_size). */
async function postgresBehindPgBouncer(pgBase: string, poolSize: number): Promise<DbSetup> {
  const name = `bench_${process.pid}_${Date.now()}`;
  await adminQuery(pgBase, `create database ${name}`);
  const drop = () => adminQuery(pgBase, `drop database if exists ${name} with (force)`);
  const direct = new URL(pgBase);
  direct.pathname = `/${name}`;
  direct.search = "";
  const pgbouncer = await startPgBouncer({
    upstreamUrl: pgBase,
    databases: [name],
    poolSize,
  }).catch(async (error: unknown) => {
    await drop();
    throw error;
  });
  return {
    kind: "postgres",
    gatehouseUrl: (variant) =>
      withParam(
        VARIANTS[variant].throughPgBouncer ? pgbouncer.url(name) : direct.toString(),
        "application_name",
        gatehouseApplicationName(variant),
      ),
    baselineDb: withParam(direct.toString(), "application_name", BASELINE_APPLICATION_NAME),
    seedTarget: direct.toString(),
    cleanup: async () => {
      try {
        await pgbouncer.stop();
      } finally {
        await drop();
      }
    },
  };
}

/**
 * A fresh database for `variant`. A PgBouncer variant's database is also reachable directly, so
 * Gatehouses of every PostgreSQL variant can share it (--paired).
 */
export function setupDatabase(
  variant: VariantName,
  options: Pick<Options, "pgBase" | "pgbouncerPoolSize">,
): Promise<DbSetup> {
  const { kind, throughPgBouncer } = VARIANTS[variant];
  if (kind === "sqlite") return Promise.resolve(sqliteFile());
  return throughPgBouncer
    ? postgresBehindPgBouncer(options.pgBase, options.pgbouncerPoolSize)
    : postgresSchema(options.pgBase);
}
