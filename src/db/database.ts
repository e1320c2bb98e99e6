// Opens the one Kysely instance for SQLite (better-sqlite3) or PostgreSQL (pg), from DATABASE_URL.
import { createHash } from "node:crypto";
import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import SQLite from "better-sqlite3";
import {
  CompiledQuery,
  Kysely,
  PostgresAdapter,
  PostgresDialect,
  SqliteDialect,
  SqliteDriver,
  sql,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type SqliteDialectConfig,
  type PostgresPool,
  type PostgresPoolClient,
  type SqliteDatabase,
} from "kysely";
import type { Tracer } from "@opentelemetry/api";
import { LRUCache } from "lru-cache";
import pg from "pg";
import type { Config } from "../config/config.js";
import { inQuerySpan, withQuerySpans, type DatabaseSystem } from "./query-spans.js";
import { SqliteValuesPlugin } from "./sqlite-values-plugin.js";
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

/** The key reads with a span for each read, like every other query's. */
function withKeyReadSpans<T extends KeyReads>(
  reads: T,
  tracer: Tracer | undefined,
  system: DatabaseSystem,
): T {
  if (tracer === undefined) return reads;
  const first = reads.first.bind(reads);
  return {
    ...reads,
    first: <Row>(text: string, parameters: readonly unknown[]) =>
      inQuerySpan(tracer, system, text, () => first<Row>(text, parameters)),
  };
}

function traced(dialect: Dialect, tracer: Tracer | undefined, system: DatabaseSystem): Dialect {
  return tracer === undefined ? dialect : withQuerySpans(dialect, tracer, system);
}

/**
 * Reads of one row by key, outside any transaction, that every authenticated request makes (the
 * user of an access token). They go to the driver without Kysely, whose connection handling cost
 * as much as the query itself (bench, session lookup: SQLite 33 µs through Kysely against 17 µs
 * on the driver; PostgreSQL about 30 µs of CPU more). Only the root Kysely instance of a handle has
 * them: a query inside a transaction (a `trx`) finds none and stays on the transaction.
 */
export interface KeyReads {
  /** The first row `sql` returns, its placeholders those of the database's Kysely compiler. */
  first<Row>(sql: string, parameters: readonly unknown[]): Promise<Row | undefined>;
}

const keyReadsByDb = new WeakMap<Db, KeyReads>();

/** The key reads of a handle's root Kysely instance; undefined for a transaction or :memory:. */
export function keyReadsOf(db: Db): KeyReads | undefined {
  return keyReadsByDb.get(db);
}

/**
 * SQLite: a read-only connection of its own. Kysely's one connection is shared by every request
 * and held by a transaction from BEGIN to COMMIT, so a read on it either waits (Kysely's mutex, at
 * the cost above) or, bypassing the mutex, would see another request's uncommitted writes. A
 * second connection reads the last committed state (WAL: readers never wait for the writer).
 * The statements are the few fixed texts of the call sites, prepared once each.
 */
function sqliteKeyReads(path: string): KeyReads & { close(): void } {
  const reader = new SQLite(path, { readonly: true, fileMustExist: true });
  reader.pragma("busy_timeout = 5000");
  const statements = new Map<string, SQLite.Statement>();
  return {
    // async, so that a failing statement rejects rather than throws, as the driver's would.
    // eslint-disable-next-line @typescript-eslint/require-await
    async first<Row>(text: string, parameters: readonly unknown[]): Promise<Row | undefined> {
      let statement = statements.get(text);
      if (statement === undefined) {
        statement = reader.prepare(text);
        statements.set(text, statement);
      }
      return statement.get(...parameters) as Row | undefined;
    },
    close: () => {
      reader.close();
    },
  };
}

/** PostgreSQL: the pool's own query, named (prepared once per connection) unless behind a pooler. */
function postgresKeyReads(pool: pg.Pool, isBehindPooler: boolean): KeyReads {
  return {
    async first<Row>(text: string, parameters: readonly unknown[]): Promise<Row | undefined> {
      const values = [...parameters];
      const result = isBehindPooler
        ? await pool.query(text, values)
        : await pool.query({ name: statementName(text), text, values });
      return result.rows[0] as Row | undefined;
    },
  };
}

const statementNames = new Map<string, string>();

/** A PostgreSQL statement's name: the same text gets the same name on every connection. */
function statementName(text: string): string {
  let name = statementNames.get(text);
  if (name === undefined) {
    name = `gatehouse_${createHash("sha256").update(text).digest("hex").slice(0, 24)}`;
    statementNames.set(text, name);
  }
  return name;
}

const STATEMENT_CACHE_SIZE = 500;

/**
 * Kysely prepares every query anew; preparing was the largest single cost of a `me` request
 * (bench profile). The same SQL text gets the same statement back. Statements run synchronously,
 * so one is never in use twice (Kysely's streaming, which would hold one open, is not used).
 */
function withStatementCache(sqlite: SQLite.Database): SqliteDatabase {
  const statements = new LRUCache<string, SQLite.Statement>({ max: STATEMENT_CACHE_SIZE });
  return {
    close: () => sqlite.close(),
    prepare(text) {
      let statement = statements.get(text);
      if (statement === undefined) {
        statement = sqlite.prepare(text);
        statements.set(text, statement);
      }
      return statement;
    },
  };
}

/** How long a write transaction waits for another process's write lock before it fails. */
const SQLITE_LOCK_WAIT_MS = 5_000;
const SQLITE_LOCK_RETRY_MS = [1, 2, 5, 10, 20, 50];

function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && code.startsWith("SQLITE_BUSY");
}

/**
 * Kysely opens SQLite transactions with a deferred BEGIN: the first write then has to upgrade a
 * read snapshot, which fails at once with SQLITE_BUSY when another process wrote since (the busy
 * timeout does not apply to that upgrade), and a request answered "database is locked". Taking
 * the write lock up front (BEGIN IMMEDIATE) makes a second writer wait its turn instead. The wait
 * is a retry on the event loop, not SQLite's busy timeout, which would block every request of
 * this process while another process holds the lock.
 */
class ImmediateTransactionDriver extends SqliteDriver {
  readonly #sqlite: SQLite.Database;

  constructor(config: SqliteDialectConfig, sqlite: SQLite.Database) {
    super(config);
    this.#sqlite = sqlite;
  }

  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    const deadline = Date.now() + SQLITE_LOCK_WAIT_MS;
    const busyTimeout = this.#sqlite.pragma("busy_timeout", { simple: true }) as number;
    this.#sqlite.pragma("busy_timeout = 0");
    try {
      for (let attempt = 0; ; attempt++) {
        try {
          await connection.executeQuery(CompiledQuery.raw("begin immediate"));
          return;
        } catch (error) {
          if (!isBusy(error) || Date.now() >= deadline) throw error;
        }
        const pause = SQLITE_LOCK_RETRY_MS[Math.min(attempt, SQLITE_LOCK_RETRY_MS.length - 1)];
        await new Promise((resolve) => setTimeout(resolve, pause));
      }
    } finally {
      this.#sqlite.pragma(`busy_timeout = ${String(busyTimeout)}`);
    }
  }
}

class ImmediateTransactionDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;
  readonly #sqlite: SQLite.Database;

  constructor(config: SqliteDialectConfig, sqlite: SQLite.Database) {
    super(config);
    this.#config = config;
    this.#sqlite = sqlite;
  }

  override createDriver(): Driver {
    return new ImmediateTransactionDriver(this.#config, this.#sqlite);
  }
}

function openSqlite(path: string, tracer: Tracer | undefined): DatabaseHandle {
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  const sqlite = new SQLite(path);
  // WAL lets readers in other processes (CLI, a second server) work while one writes; the busy
  // timeout makes concurrent writers wait instead of failing with SQLITE_BUSY.
  sqlite.pragma("journal_mode = WAL");
  sqlite.pragma("busy_timeout = 5000");
  sqlite.pragma("foreign_keys = ON");
  sqlite.pragma("synchronous = NORMAL");
  // LIKE compares case-sensitively, as on PostgreSQL; case-insensitive lookups use folded columns.
  sqlite.pragma("case_sensitive_like = ON");
  const db = new Kysely<Database>({
    dialect: traced(
      new ImmediateTransactionDialect({ database: withStatementCache(sqlite) }, sqlite),
      tracer,
      "sqlite",
    ),
    plugins: [new SqliteValuesPlugin()],
  });
  // An in-memory database is private to its connection: a second one would see another database.
  if (path === ":memory:") return { db, kind: "sqlite", close: () => db.destroy() };
  const keyReads = sqliteKeyReads(path);
  keyReadsByDb.set(db, withKeyReadSpans(keyReads, tracer, "sqlite"));
  return {
    db,
    kind: "sqlite",
    close: async () => {
      keyReads.close();
      await db.destroy();
    },
  };
}

// Long enough for the slowest migration (a backfill over every user); a crashed holder blocks
// others at most this long.
const MIGRATION_LEASE_SECONDS = 600;
const MIGRATION_LOCK_WAIT_MS = 10 * 60_000;

/**
 * Kysely's migration lock is a session advisory lock, taken and released in two statements;
 * behind a transaction-mode pooler they run on different server connections, so the release
 * misses and the lock stays on a pooled connection, where every later migrating start waits
 * for it (an hour, Kysely's timeout). This lock is a leased row instead: each statement stands
 * alone, and a process that dies holding it gives it up when the lease ends.
 */
class LeaseLockPostgresAdapter extends PostgresAdapter {
  override async acquireMigrationLock(db: Kysely<unknown>): Promise<void> {
    await sql`create table if not exists gatehouse_migration_lock (
      id integer primary key, locked_until timestamptz not null)`.execute(db);
    const deadline = Date.now() + MIGRATION_LOCK_WAIT_MS;
    for (;;) {
      const { rows } = await sql`insert into gatehouse_migration_lock (id, locked_until)
        values (1, now() + make_interval(secs => ${MIGRATION_LEASE_SECONDS}))
        on conflict (id) do update set locked_until = excluded.locked_until
        where gatehouse_migration_lock.locked_until < now()
        returning id`.execute(db);
      if (rows.length > 0) return;
      if (Date.now() > deadline) throw new Error("timed out waiting for the migration lock");
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  override async releaseMigrationLock(db: Kysely<unknown>): Promise<void> {
    await sql`update gatehouse_migration_lock set locked_until = now() - interval '1 second'
      where id = 1`.execute(db);
  }
}

class PoolerSafePostgresDialect extends PostgresDialect {
  override createAdapter(): PostgresAdapter {
    return new LeaseLockPostgresAdapter();
  }
}

/**
 * Marks a query to prepare once per connection. Kysely sends every query unnamed, which
 * PostgreSQL parses and plans on each execution; for the lookups every authenticated request
 * makes, that was a third of the database's work (bench: `me`). Only marked queries are named:
 * a prepared statement may switch to a generic plan, which suits a lookup by key but not a
 * search whose best plan depends on the pattern. On SQLite, and behind a transaction-mode
 * pooler, the comment is just a comment.
 */
export const PREPARE_ONCE = "/* prepare once */ ";

function withNamedStatements(pool: pg.Pool): PostgresPool {
  return {
    async connect() {
      const client = await pool.connect();
      const query = (statement: unknown, values?: readonly unknown[]): unknown =>
        typeof statement === "string" && statement.startsWith(PREPARE_ONCE)
          ? client.query({
              name: statementName(statement),
              text: statement,
              values: [...(values ?? [])],
            })
          : client.query(statement as string, values as unknown[]);
      return {
        query: query as PostgresPoolClient["query"],
        release: (destroy?: boolean) => {
          client.release(destroy);
        },
      };
    },
    end: () => pool.end(),
  };
}

/**
 * The type parsers every PostgreSQL pool here uses: int8 (COUNT, bigserial) as numbers, since our
 * ids and counts stay far below 2^53; date as its YYYY-MM-DD text, since pg's own parser makes a
 * Date at local midnight, a day off whenever the server's time zone is west of UTC.
 */
export function postgresTypeParsers(): { getTypeParser: typeof pg.types.getTypeParser } {
  const INT8_OID = 20;
  const DATE_OID = 1082;
  const builtinParser = pg.types.getTypeParser.bind(pg.types) as (
    oid: number,
    format: string,
  ) => unknown;
  return {
    getTypeParser: ((oid: number, format?: string): unknown =>
      oid === INT8_OID
        ? Number
        : oid === DATE_OID
          ? (text: string) => text
          : builtinParser(oid, format ?? "text")) as typeof pg.types.getTypeParser,
  };
}

function openPostgres(settings: DatabaseSettings, options: DatabaseOptions): DatabaseHandle {
  const types = postgresTypeParsers();
  const statementTimeoutSeconds = settings.statementTimeoutSeconds ?? 0;
  const pool = new pg.Pool({
    connectionString: settings.url,
    max: settings.poolSize ?? 10,
    types,
    connectionTimeoutMillis: (settings.connectTimeoutSeconds ?? 5) * 1000,
    // Server-side, so PostgreSQL cancels the statement; pg's client-side query_timeout would leave
    // the connection mid-answer.
    ...(statementTimeoutSeconds > 0 ? { statement_timeout: statementTimeoutSeconds * 1000 } : {}),
  });
  // An idle connection that breaks (PostgreSQL or the pooler restarted) is dropped by the pool;
  // without a listener its 'error' event would end the process.
  pool.on("error", (error) => {
    options.onIdleConnectionError?.(error);
  });
  // Behind a transaction-mode pooler (PgBouncer, pgcat, Supavisor, RDS Proxy) each transaction
  // may run on another server connection, where a statement prepared earlier is missing or
  // already there ("prepared statement … does not exist / already exists"): nothing may outlive
  // a transaction, so every query goes unnamed, as Kysely sends it.
  const isBehindPooler = settings.pooler === "transaction";
  const db = new Kysely<Database>({
    dialect: traced(
      isBehindPooler
        ? new PoolerSafePostgresDialect({ pool })
        : new PostgresDialect({ pool: withNamedStatements(pool) }),
      options.tracer,
      "postgresql",
    ),
  });
  keyReadsByDb.set(
    db,
    withKeyReadSpans(postgresKeyReads(pool, isBehindPooler), options.tracer, "postgresql"),
  );
  const poolUsage = (): PoolUsage => ({
    total: pool.totalCount,
    idle: pool.idleCount,
    waiting: pool.waitingCount,
    max: pool.options.max,
  });
  return { db, kind: "postgres", poolUsage, close: () => db.destroy() };
}

export async function pingDatabase(db: Kysely<Database>): Promise<void> {
  await sql`select 1`.execute(db);
}
