// `gatehouse import-django` (issue 14): which Django row became which of ours, with a digest of
// what it held when imported (so a later run imports only what changed), and the checkpoint of
// the run under way (so an interrupted import continues where it stopped). Frozen in time.
import { PostgresAdapter, sql, type Kysely } from "kysely";

export async function up(db: Kysely<any>): Promise<void> {
  const isPostgres = db.getExecutor().adapter instanceof PostgresAdapter;
  const timestamp = isPostgres ? sql`timestamptz` : sql`text`;
  await db.schema
    .createTable("django_import_map")
    .addColumn("kind", "varchar(16)", (c) => c.notNull())
    .addColumn("django_id", "bigint", (c) => c.notNull())
    .addColumn("our_id", "bigint", (c) => c.notNull())
    .addColumn("layout", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("digests", "text", (c) => c.notNull().defaultTo(""))
    .addPrimaryKeyConstraint("django_import_map_pkey", ["kind", "django_id"])
    .execute();
  await db.schema
    .createTable("django_import_state")
    .addColumn("id", "integer", (c) => c.primaryKey())
    .addColumn("source", "varchar(255)", (c) => c.notNull())
    .addColumn("user_model", "varchar(201)", (c) => c.notNull())
    .addColumn("phase", "varchar(32)", (c) => c.notNull())
    .addColumn("after_id", "bigint", (c) => c.notNull())
    .addColumn("started_at", timestamp, (c) => c.notNull())
    .addColumn("finished_at", timestamp)
    .addColumn("layouts", "text", (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("django_import_state").execute();
  await db.schema.dropTable("django_import_map").execute();
}
