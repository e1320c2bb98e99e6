// Rate-limit counters shared by every server process when no Redis is configured (SPEC §11.4):
// one row per counter and fixed window, incremented by an upsert, deleted once the window is
// over. Frozen in time: typed against Kysely<any>.
import { PostgresAdapter, sql, type Kysely } from "kysely";

export async function up(db: Kysely<any>): Promise<void> {
  const isPostgres = db.getExecutor().adapter instanceof PostgresAdapter;
  const timestamp = isPostgres ? sql`timestamptz` : sql`text`;
  await db.schema
    .createTable("rate_limit_counters")
    // "<rule>:<window start>:<digest of the subject>": the window is part of the key, so a new
    // window starts a new row and no reset is ever needed.
    .addColumn("bucket", "varchar(200)", (c) => c.primaryKey())
    .addColumn("hits", "integer", (c) => c.notNull())
    .addColumn("expires_at", timestamp, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("rate_limit_counters_expires_at")
    .on("rate_limit_counters")
    .column("expires_at")
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("rate_limit_counters").execute();
}
