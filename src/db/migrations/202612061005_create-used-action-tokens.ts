// Digests of action tokens that carry no state binding (minted by a Django deployment, accepted in
// COMPAT_MODE) once they have been used: such a token cannot tell by itself that it was spent, so
// each is recorded until it would have expired anyway (issue 12, item 8). Frozen in time.
import { PostgresAdapter, sql, type Kysely } from "kysely";

export async function up(db: Kysely<any>): Promise<void> {
  const isPostgres = db.getExecutor().adapter instanceof PostgresAdapter;
  const timestamp = isPostgres ? sql`timestamptz` : sql`text`;
  await db.schema
    .createTable("used_action_tokens")
    .addColumn("token_digest", "varchar(64)", (c) => c.primaryKey())
    .addColumn("expires_at", timestamp, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("used_action_tokens_expires_at")
    .on("used_action_tokens")
    .column("expires_at")
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("used_action_tokens").execute();
}
