// SQL for the users an import writes: who already holds a key (username, address, a declared
// unique value), bulk inserts of users and their status rows, memberships and direct
// permissions, and the updates of a later run. Declared columns are not in db/tables.ts.
import { PostgresAdapter, sql, type RawBuilder } from "kysely";
import type { Db } from "../../db/database.js";

/** users' columns as an import writes them (built-in and declared), by column name. */
export type UserColumns = Record<string, unknown>;

export interface StatusColumns {
  verified: boolean;
  archived: boolean;
  secondary_email: string | null;
  secondary_email_key: string | null;
}

export interface KeyHolders {
  username: Map<string, number>;
  email: Map<string, number>;
  secondaryEmail: Map<string, number>;
  /** Declared unique column → value (as stored) → user id. */
  declared: Map<string, Map<unknown, number>>;
}

// PostgreSQL takes 65,535 parameters a statement, SQLite 32,766: rows a statement stays under both.
const MAX_PARAMETERS = 30_000;

function chunks<T>(rows: readonly T[], columnsPerRow: number): T[][] {
  const size = Math.max(1, Math.floor(MAX_PARAMETERS / Math.max(1, columnsPerRow)));
  const result: T[][] = [];
  for (let start = 0; start < rows.length; start += size)
    result.push(rows.slice(start, start + size));
  return result;
}

export async function findKeyHolders(
  db: Db,
  keys: {
    usernameKeys: readonly string[];
    emailKeys: readonly string[];
    secondaryKeys: readonly string[];
    declared: ReadonlyMap<string, readonly unknown[]>;
  },
): Promise<KeyHolders> {
  const holders: KeyHolders = {
    username: new Map(),
    email: new Map(),
    secondaryEmail: new Map(),
    declared: new Map(),
  };
  for (const [key, id] of await findByKeys(db, "users", "username_key", keys.usernameKeys))
    holders.username.set(key, id);
  for (const [key, id] of await findByKeys(db, "users", "email_key", keys.emailKeys))
    holders.email.set(key, id);
  const secondary = keys.secondaryKeys;
  for (const [key, id] of await findByKeys(db, "user_status", "secondary_email_key", secondary))
    holders.secondaryEmail.set(key, id);
  // A secondary address may not be anyone's primary one either (isEmailTaken).
  for (const [key, id] of await findByKeys(db, "users", "email_key", secondary))
    holders.secondaryEmail.set(key, id);
  for (const [column, values] of keys.declared) {
    const found = new Map<unknown, number>();
    for (const chunk of chunks(values, 1)) {
      const { rows } = await sql<{ id: number; value: unknown }>`
        select id, ${sql.ref(column)} as value from users
        where ${sql.ref(column)} in (${sql.join(chunk)})`.execute(db);
      for (const row of rows) found.set(keyOf(row.value), row.id);
    }
    holders.declared.set(column, found);
  }
  return holders;
}

/**
 * The user ids holding each of `keys` in a unique text column. On PostgreSQL the keys are joined
 * from an array: as `in (…)` the planner picks the trigram GIN index (pg_trgm answers `=` too),
 * and 2,000 keys took 13 s on 120,000 users instead of milliseconds through the unique index.
 * The join alone did not keep it away on 300,000 users: the import's session also runs without
 * bitmap scans, the only way to a GIN index (withImportLock).
 */
async function findByKeys(
  db: Db,
  table: "users" | "user_status",
  column: "username_key" | "email_key" | "secondary_email_key",
  keys: readonly string[],
): Promise<Map<string, number>> {
  const found = new Map<string, number>();
  const id = table === "users" ? "id" : "user_id";
  for (const chunk of chunks(keys, 1)) {
    const list =
      db.getExecutor().adapter instanceof PostgresAdapter
        ? sql`select t.${sql.ref(id)} as id, t.${sql.ref(column)} as key
            from unnest(${[...chunk]}::text[]) as k(key)
            join ${sql.table(table)} as t on t.${sql.ref(column)} = k.key`
        : sql`select ${sql.ref(id)} as id, ${sql.ref(column)} as key from ${sql.table(table)}
            where ${sql.ref(column)} in (${sql.join(chunk)})`;
    const { rows } = await (list as RawBuilder<{ id: number; key: string }>).execute(db);
    for (const row of rows) found.set(row.key, row.id);
  }
  return found;
}

/** Values of declared columns compared as the database returns them (dates, numbers as text). */
export function keyOf(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (typeof value === "number" || typeof value === "bigint") return String(value);
  return value;
}

/** Inserts users; returns their ids by username_key (unique). */
export async function insertUsers(
  db: Db,
  rows: readonly UserColumns[],
): Promise<Map<string, number>> {
  const ids = new Map<string, number>();
  const width = Object.keys(rows[0] ?? {}).length;
  for (const chunk of chunks(rows, width)) {
    const inserted = await db
      .insertInto("users")
      .values(chunk as never[])
      .returning(["id", "username_key"])
      .execute();
    for (const row of inserted) ids.set(row.username_key, row.id);
  }
  return ids;
}

export async function insertStatuses(
  db: Db,
  rows: readonly (StatusColumns & { user_id: number })[],
): Promise<void> {
  for (const chunk of chunks(rows, 5)) await db.insertInto("user_status").values(chunk).execute();
}

export async function insertMemberships(
  db: Db,
  table: "user_groups" | "user_permissions",
  links: readonly { userId: number; otherId: number }[],
): Promise<void> {
  const column = table === "user_groups" ? "group_id" : "permission_id";
  for (const chunk of chunks(links, 2)) {
    const values = chunk.map((link) => ({ user_id: link.userId, [column]: link.otherId }));
    await db
      .insertInto(table)
      .values(values)
      .onConflict((conflict) => conflict.doNothing())
      .execute();
  }
}

export async function deleteMemberships(
  db: Db,
  table: "user_groups" | "user_permissions",
  userId: number,
): Promise<void> {
  await db.deleteFrom(table).where("user_id", "=", userId).execute();
}

/**
 * Updates an imported user. A new username or password ends the user's access tokens (as a
 * rename or a password change here does); a password also revokes the live refresh tokens.
 */
export async function updateImportedUser(
  db: Db,
  userId: number,
  columns: UserColumns,
  options: { endSessions: boolean; now: Date },
): Promise<void> {
  const values: Record<string, unknown> = { ...columns };
  if (options.endSessions || "username" in columns) {
    values.token_version = sql`token_version + 1`;
  }
  if (options.endSessions) {
    await db
      .updateTable("refresh_tokens")
      .set({ revoked: options.now })
      .where("user_id", "=", userId)
      .where("revoked", "is", null)
      .execute();
  }
  if (Object.keys(values).length === 0) return;
  await db
    .updateTable("users")
    .set(values as never)
    .where("id", "=", userId)
    .execute();
}

export async function updateImportedStatus(
  db: Db,
  userId: number,
  columns: Partial<StatusColumns>,
): Promise<void> {
  if (Object.keys(columns).length === 0) return;
  await db.updateTable("user_status").set(columns).where("user_id", "=", userId).execute();
}
