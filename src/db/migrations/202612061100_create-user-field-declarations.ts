// The USER_FIELDS declaration the users table was last brought to, one row per declared field,
// so a start with another declaration knows what differs (db/user-columns.ts). Frozen in time.
import { PostgresAdapter, sql, type Kysely } from "kysely";

export async function up(db: Kysely<any>): Promise<void> {
  const isPostgres = db.getExecutor().adapter instanceof PostgresAdapter;
  await db.schema
    .createTable("user_field_declarations")
    .addColumn("name", "varchar(63)", (c) => c.primaryKey())
    .addColumn("declaration", "text", (c) => c.notNull())
    .addColumn("applied_at", isPostgres ? sql`timestamptz` : sql`text`, (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("user_field_declarations").execute();
}
