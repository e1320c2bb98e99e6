// Admin site: server-side sessions (so "log out everywhere" can end them) and the log of
// admin changes ("recent actions", each object's history).
import { PostgresAdapter, sql, type Kysely } from "kysely";

export async function up(db: Kysely<any>): Promise<void> {
  const isPostgres = db.getExecutor().adapter instanceof PostgresAdapter;
  const timestamp = isPostgres ? sql`timestamptz` : sql`text`;
  const bigId = isPostgres ? sql`bigserial` : sql`integer`;
  await db.schema
    .createTable("admin_sessions")
    .addColumn("id", bigId, (c) => (isPostgres ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn("user_id", "integer", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("session_digest", "char(64)", (c) => c.notNull().unique())
    .addColumn("created_at", timestamp, (c) => c.notNull())
    .addColumn("expires_at", timestamp, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("admin_sessions_user_id")
    .on("admin_sessions")
    .column("user_id")
    .execute();

  await db.schema
    .createTable("admin_log")
    .addColumn("id", bigId, (c) => (isPostgres ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn("action_time", timestamp, (c) => c.notNull())
    .addColumn("user_id", "integer", (c) => c.references("users.id").onDelete("set null"))
    .addColumn("content_type", "varchar(100)", (c) => c.notNull())
    .addColumn("object_id", "varchar(64)", (c) => c.notNull())
    .addColumn("object_repr", "varchar(200)", (c) => c.notNull())
    .addColumn("action_flag", "smallint", (c) => c.notNull())
    .addColumn("change_message", "text", (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("admin_log_action_time")
    .on("admin_log")
    .column("action_time")
    .execute();
  await db.schema
    .createIndex("admin_log_object")
    .on("admin_log")
    .columns(["content_type", "object_id"])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("admin_log").execute();
  await db.schema.dropTable("admin_sessions").execute();
}
