// Opens the one Kysely instance for SQLite (better-sqlite3) or PostgreSQL (pg), from DATABASE_URL.
// What each database needs to run fast and safely is in sqlite.ts and postgres.ts.
import { resolve } from "node:path";
import { sql, type Kysely } from "kysely";
import type { Tracer } from "@opentelemetry/api";
import type { Config } from "../config/config.js";
import { openPostgres } from "./postgres.js";
import { openSqlite } from "./sqlite.js";
import type { Database } from "./tables.js";

export type Db = Kysely<Database>;

export type DatabaseKind = "sqlite" | "postgres";

export interface DatabaseHandle {
  db: Kysely<Database>;
  kind: DatabaseKind;
  /** PostgreSQL: the pool's connections now (SQLite has one connection, nothing to show). */
  poolUsage?: () => PoolUsage;
  close(): Promise<void>;
}

export interface PoolUsage {
  /** Connections open, idle and busy. */
  total: number;
  idle: number;
  /** Queries waiting for a connection. */
  waiting: number;
  max: number;
}

function sqlitePathFromUrl(url: string): string {
  const path = url.replace(/^sqlite:(\/\/)?/i, "");
  return path === ":memory:" ? path : resolve(path);
}

/** Where the database is; the PostgreSQL pool settings default as in config/build-config.ts. */
export type DatabaseSettings = Pick<Config["database"], "url" | "kind"> &
  Partial<
    Pick<
      Config["database"],
      "pooler" | "poolSize" | "connectTimeoutSeconds" | "statementTimeoutSeconds"
    >
  >;

export interface DatabaseOptions {
  /** Told about a broken idle connection (a restarted server or pooler); the pool drops it. */
  onIdleConnectionError?: (error: Error) => void;
  /** Traces every query (query-spans.ts); none when tracing is off. */
  tracer?: Tracer | undefined;
}

export function openDatabase(
  settings: DatabaseSettings,
  options: DatabaseOptions = {},
): DatabaseHandle {
  if (settings.kind === "postgres") return openPostgres(settings, options);
  return openSqlite(sqlitePathFromUrl(settings.url), options.tracer);
}

export async function pingDatabase(db: Kysely<Database>): Promise<void> {
  await sql`select 1`.execute(db);
}
