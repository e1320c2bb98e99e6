// Sessions a user can see and end (issue 16): one row per sign-in, which its refresh-token family
// and the access tokens minted from it name. Frozen in time: typed against Kysely<any>.
import { PostgresAdapter, sql, type Kysely } from "kysely";

export async function up(db: Kysely<any>): Promise<void> {
  const isPostgres = db.getExecutor().adapter instanceof PostgresAdapter;
  const timestamp = isPostgres ? sql`timestamptz` : sql`text`;
  await db.schema
    .createTable("sessions")
    .addColumn("id", "varchar(32)", (c) => c.primaryKey())
    .addColumn("user_id", "integer", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("created_at", timestamp, (c) => c.notNull())
    .addColumn("last_used_at", timestamp, (c) => c.notNull())
    .addColumn("expires_at", timestamp, (c) => c.notNull())
    .addColumn("user_agent", "varchar(512)", (c) => c.notNull().defaultTo(""))
    .addColumn("ip", "varchar(64)", (c) => c.notNull().defaultTo(""))
    .addColumn("revoked_at", timestamp)
    .execute();
  await db.schema.createIndex("sessions_user_id").on("sessions").column("user_id").execute();
  // Refresh tokens issued before sessions existed (or imported) have none.
  await db.schema.alterTable("refresh_tokens").addColumn("session_id", "varchar(32)").execute();
  await db.schema
    .createIndex("refresh_tokens_session_id")
    .on("refresh_tokens")
    .column("session_id")
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex("refresh_tokens_session_id").execute();
  await db.schema.alterTable("refresh_tokens").dropColumn("session_id").execute();
  await db.schema.dropTable("sessions").execute();
}
