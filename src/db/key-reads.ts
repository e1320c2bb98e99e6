// The lookups by key that every authenticated request makes, kept off Kysely's slow paths: the
// handle's own reads on the driver outside transactions, and a mark that has PostgreSQL prepare the
// query once inside them. sqlite.ts and postgres.ts give each handle its reads.
import type { Tracer } from "@opentelemetry/api";
import type { Db } from "./database.js";
import { inQuerySpan, type DatabaseSystem } from "./query-spans.js";

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

export const keyReadsByDb = new WeakMap<Db, KeyReads>();

/** The key reads of a handle's root Kysely instance; undefined for a transaction or :memory:. */
export function keyReadsOf(db: Db): KeyReads | undefined {
  return keyReadsByDb.get(db);
}

/** The key reads with a span for each read, like every other query's. */
export function withKeyReadSpans<T extends KeyReads>(
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

/**
 * Marks a query to prepare once per connection. Kysely sends every query unnamed, which
 * PostgreSQL parses and plans on each execution; for the lookups every authenticated request
 * makes, that was a third of the database's work (bench: `me`). Only marked queries are named:
 * a prepared statement may switch to a generic plan, which suits a lookup by key but not a
 * search whose best plan depends on the pattern. On SQLite, and behind a transaction-mode
 * pooler, the comment is just a comment.
 */
export const PREPARE_ONCE = "/* prepare once */ ";
