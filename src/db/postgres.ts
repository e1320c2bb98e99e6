// PostgreSQL through pg: the pool's type parsers, and lookups by key prepared once per connection,
// unless a transaction-mode pooler allows nothing to outlive a transaction.
import { createHash } from "node:crypto";
import { Kysely, PostgresDialect, type PostgresPool, type PostgresPoolClient } from "kysely";
import pg from "pg";
import type { DatabaseHandle, DatabaseOptions, DatabaseSettings, PoolUsage } from "./database.js";
import { keyReadsByDb, PREPARE_ONCE, withKeyReadSpans, type KeyReads } from "./key-reads.js";
import { PoolerSafePostgresDialect } from "./migration-lock-store.js";
import { traced } from "./query-spans.js";
import type { Database } from "./tables.js";

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

export function openPostgres(settings: DatabaseSettings, options: DatabaseOptions): DatabaseHandle {
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
