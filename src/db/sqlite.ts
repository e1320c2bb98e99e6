// SQLite through better-sqlite3: statements prepared once, write transactions that wait their
// turn for the write lock instead of failing, and a read-only connection for the key reads.
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import SQLite from "better-sqlite3";
import {
  CompiledQuery,
  Kysely,
  SqliteDialect,
  SqliteDriver,
  type DatabaseConnection,
  type Driver,
  type SqliteDialectConfig,
  type SqliteDatabase,
} from "kysely";
import type { Tracer } from "@opentelemetry/api";
import { LRUCache } from "lru-cache";
import type { DatabaseHandle } from "./database.js";
import { keyReadsByDb, withKeyReadSpans, type KeyReads } from "./key-reads.js";
import { traced } from "./query-spans.js";
import { SqliteValuesPlugin } from "./sqlite-values-plugin.js";
import type { Database } from "./tables.js";

/**
 * SQLite: a read-only connection of its own. Kysely's one connection is shared by every request
 * and held by a transaction from BEGIN to COMMIT, so a read on it either waits (Kysely's mutex, at
 * the cost key-reads.ts gives) or, bypassing the mutex, would see another request's uncommitted
 * writes. A second connection reads the last committed state (WAL: readers never wait for the
 * writer).
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

export function openSqlite(path: string, tracer: Tracer | undefined): DatabaseHandle {
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
