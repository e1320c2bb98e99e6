// More indexes for the admin's user list on a million users: sorting by staff status, and the
// filters whose matches are rare (superusers, inactive users, archived users), which would
// otherwise read the whole table to find a handful of rows. Frozen in time: typed against
// Kysely<any>.
import { sql, type Kysely } from "kysely";

// Partial indexes hold only the rare rows a filter asks for, so they stay tiny. The predicates
// are written the same way on both databases (SQLite stores booleans as 0/1, which it reads as
// truth values).
const RARE_ROW_INDEXES: [string, string, string, string][] = [
  ["users_superusers", "users", "id", "is_superuser"],
  ["users_inactive", "users", "id", "not is_active"],
  ["user_status_archived", "user_status", "user_id", "archived"],
];

export async function up(db: Kysely<any>): Promise<void> {
  // The list orders by the column and then by id; staff are also rare, so their filter uses it.
  await db.schema
    .createIndex("users_is_staff_id")
    .on("users")
    .columns(["is_staff", "id"])
    .execute();
  for (const [name, table, column, predicate] of RARE_ROW_INDEXES) {
    await db.schema
      .createIndex(name)
      .on(table)
      .column(column)
      .where(sql.raw<boolean>(predicate))
      .execute();
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const [name] of RARE_ROW_INDEXES) await db.schema.dropIndex(name).execute();
  await db.schema.dropIndex("users_is_staff_id").execute();
}
