// Indexes that keep the admin's user list fast on a million users: sorting by name or join date,
// filtering by group, and (PostgreSQL only) trigram indexes that let the substring search
// (`like '%word%'`) skip the table scan. Frozen in time: typed against Kysely<any>.
import { PostgresAdapter, sql, type Kysely } from "kysely";

// The list orders by these columns and then by id (see admin-users-store.ts).
const SORT_INDEXES: [string, string][] = [
  ["users_first_name_id", "first_name"],
  ["users_last_name_id", "last_name"],
  ["users_date_joined_id", "date_joined"],
];

// The expressions must match the search's own, or PostgreSQL cannot use the index.
const TRIGRAM_INDEXES: [string, string][] = [
  ["users_username_key_trgm", "username_key"],
  ["users_email_key_trgm", "email_key"],
  ["users_first_name_trgm", "lower(first_name)"],
  ["users_last_name_trgm", "lower(last_name)"],
];

/**
 * The schema holding pg_trgm, installing it when missing. Extensions are per database, not per
 * schema, so a new one goes to `public` where every schema (other deployments, test runs) can
 * reach it and none drops it with its own schema. Undefined when it cannot be installed (no
 * privilege, not shipped): the search still works, only without the index.
 */
async function trigramSchema(db: Kysely<any>): Promise<string | undefined> {
  const find = async () => {
    const { rows } = await sql<{ schema: string }>`
      select n.nspname as schema from pg_extension e join pg_namespace n on n.oid = e.extnamespace
      where e.extname = 'pg_trgm'`.execute(db);
    return rows[0]?.schema;
  };
  const existing = await find();
  if (existing !== undefined) return existing;
  // The migration runs in a transaction: a savepoint lets a refused CREATE EXTENSION (or one that
  // lost a race with a concurrent migration) fail without aborting it.
  await sql`savepoint install_pg_trgm`.execute(db);
  try {
    const { rows } = await sql<{
      present: boolean;
    }>`select exists (select 1 from pg_namespace where nspname = 'public') as present`.execute(db);
    await (
      rows[0]?.present === true
        ? sql`create extension if not exists pg_trgm with schema public`
        : sql`create extension if not exists pg_trgm`
    ).execute(db);
    await sql`release savepoint install_pg_trgm`.execute(db);
  } catch {
    await sql`rollback to savepoint install_pg_trgm`.execute(db);
  }
  return find();
}

export async function up(db: Kysely<any>): Promise<void> {
  for (const [name, column] of SORT_INDEXES) {
    await db.schema.createIndex(name).on("users").columns([column, "id"]).execute();
  }
  // Listing a group's members (the list's group filter) walks the other side of the primary key.
  await db.schema
    .createIndex("user_groups_group_id_user_id")
    .on("user_groups")
    .columns(["group_id", "user_id"])
    .execute();
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
  const schema = await trigramSchema(db);
  if (schema === undefined) return;
  for (const [name, expression] of TRIGRAM_INDEXES) {
    await sql`create index ${sql.id(name)} on users using gin (${sql.raw(expression)} ${sql.id(schema)}.gin_trgm_ops)`.execute(
      db,
    );
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  // The extension stays: other schemas' indexes may use it.
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    for (const [name] of TRIGRAM_INDEXES)
      await sql`drop index if exists ${sql.id(name)}`.execute(db);
  }
  await db.schema.dropIndex("user_groups_group_id_user_id").execute();
  for (const [name] of SORT_INDEXES) await db.schema.dropIndex(name).execute();
}
