// SQL behind the admin's user form and deletions: group and permission memberships, who owns a
// username or an address, row locks, and what a deletion takes with it.
import { PostgresAdapter } from "kysely";
import { emailKeys, foldCase } from "../validation.js";
import type { Db } from "../../db/database.js";

// The user form offers every group and permission, as groups-store lists them.
export type {
  GroupSummary as GroupChoice,
  PermissionRecord as PermissionChoice,
} from "./groups-store.js";

export async function findUserGroupIds(db: Db, userId: number): Promise<number[]> {
  const rows = await db
    .selectFrom("user_groups")
    .select("group_id")
    .where("user_id", "=", userId)
    .orderBy("group_id")
    .execute();
  return rows.map((row) => row.group_id);
}

export async function findDirectPermissionIds(db: Db, userId: number): Promise<number[]> {
  const rows = await db
    .selectFrom("user_permissions")
    .select("permission_id")
    .where("user_id", "=", userId)
    .orderBy("permission_id")
    .execute();
  return rows.map((row) => row.permission_id);
}

/**
 * Locks the users' rows until the transaction ends, in id order so two transactions locking
 * overlapping sets cannot deadlock (PostgreSQL); SQLite runs one write transaction at a time.
 */
export async function lockUsers(db: Db, ids: readonly number[]): Promise<void> {
  if (ids.length === 0 || !(db.getExecutor().adapter instanceof PostgresAdapter)) return;
  await db
    .selectFrom("users")
    .select("id")
    .where("id", "in", ids)
    .orderBy("id")
    .forUpdate()
    .execute();
}

export async function replaceUserGroups(
  db: Db,
  userId: number,
  groupIds: readonly number[],
): Promise<void> {
  await db.deleteFrom("user_groups").where("user_id", "=", userId).execute();
  if (groupIds.length === 0) return;
  await db
    .insertInto("user_groups")
    .values(groupIds.map((groupId) => ({ user_id: userId, group_id: groupId })))
    .execute();
}

export async function replaceDirectPermissions(
  db: Db,
  userId: number,
  permissionIds: readonly number[],
): Promise<void> {
  await db.deleteFrom("user_permissions").where("user_id", "=", userId).execute();
  if (permissionIds.length === 0) return;
  await db
    .insertInto("user_permissions")
    .values(permissionIds.map((permissionId) => ({ user_id: userId, permission_id: permissionId })))
    .execute();
}

/** Ids of the users whose primary or secondary address this is, ignoring case. */
export async function findEmailOwnerIds(db: Db, email: string): Promise<number[]> {
  // Every stored spelling of the address: canonical, and the Unicode domains of older rows.
  const keys = emailKeys(email);
  const primary = db.selectFrom("users").select("id").where("email_key", "in", keys);
  const secondary = db
    .selectFrom("user_status")
    .select("user_id as id")
    .where("secondary_email_key", "in", keys);
  const rows = await primary.union(secondary).execute();
  return rows.map((row) => row.id);
}

/** Ids of the users named exactly so or so ignoring case (SPEC §2.2 [FIX]). */
export async function findUsernameOwnerIds(db: Db, username: string): Promise<number[]> {
  const rows = await db
    .selectFrom("users")
    .select("id")
    .where((eb) =>
      eb.or([eb("username", "=", username), eb("username_key", "=", foldCase(username))]),
    )
    .execute();
  return rows.map((row) => row.id);
}

export interface RefreshTokenPreview {
  total: number;
  prefixes: string[];
}

/** How many refresh tokens the user has, and the display prefixes of the newest `limit`. */
export async function previewUserRefreshTokens(
  db: Db,
  userId: number,
  limit: number,
): Promise<RefreshTokenPreview> {
  const count = await db
    .selectFrom("refresh_tokens")
    .select((eb) => eb.fn.countAll<number | string>().as("count"))
    .where("user_id", "=", userId)
    .executeTakeFirstOrThrow();
  const rows = await db
    .selectFrom("refresh_tokens")
    .select("token_prefix")
    .where("user_id", "=", userId)
    .orderBy("id", "desc")
    .limit(limit)
    .execute();
  return { total: Number(count.count), prefixes: rows.map((row) => row.token_prefix) };
}
