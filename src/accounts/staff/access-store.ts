// SQL for the admin site's sessions, permissions and change log.
import type { Selectable } from "kysely";
import type { AdminLogTable } from "../../db/tables.js";
import { toDate } from "../../db/values.js";
import type { Db } from "../../db/database.js";

export async function insertAdminSession(
  db: Db,
  session: { userId: number; digest: string; createdAt: Date; expiresAt: Date },
): Promise<void> {
  await db
    .insertInto("admin_sessions")
    .values({
      user_id: session.userId,
      session_digest: session.digest,
      created_at: session.createdAt,
      expires_at: session.expiresAt,
    })
    .execute();
}

export async function findAdminSession(
  db: Db,
  digest: string,
): Promise<{ userId: number; expiresAt: Date } | undefined> {
  const row = await db
    .selectFrom("admin_sessions")
    .select(["user_id", "expires_at"])
    .where("session_digest", "=", digest)
    .executeTakeFirst();
  return row === undefined ? undefined : { userId: row.user_id, expiresAt: toDate(row.expires_at) };
}

export async function deleteAdminSession(db: Db, digest: string): Promise<void> {
  await db.deleteFrom("admin_sessions").where("session_digest", "=", digest).execute();
}

export async function deleteUserAdminSessions(db: Db, userId: number): Promise<void> {
  await db.deleteFrom("admin_sessions").where("user_id", "=", userId).execute();
}

export async function deleteExpiredAdminSessions(db: Db, now: Date): Promise<void> {
  await db.deleteFrom("admin_sessions").where("expires_at", "<", now).execute();
}

/** `content_type.codename` of every permission the user holds directly or through a group. */
export async function findUserPermissionNames(db: Db, userId: number): Promise<string[]> {
  const direct = db
    .selectFrom("user_permissions")
    .innerJoin("permissions", "permissions.id", "user_permissions.permission_id")
    .select(["permissions.content_type", "permissions.codename"])
    .where("user_permissions.user_id", "=", userId);
  const viaGroups = db
    .selectFrom("user_groups")
    .innerJoin("group_permissions", "group_permissions.group_id", "user_groups.group_id")
    .innerJoin("permissions", "permissions.id", "group_permissions.permission_id")
    .select(["permissions.content_type", "permissions.codename"])
    .where("user_groups.user_id", "=", userId);
  const rows = await direct.union(viaGroups).execute();
  return rows.map((row) => `${row.content_type}.${row.codename}`);
}

export interface AdminLogEntry {
  id: number;
  actionTime: Date;
  userId: number | null;
  username: string | null;
  contentType: string;
  objectId: string;
  objectRepr: string;
  actionFlag: 1 | 2 | 3;
  changeMessage: string;
}

export async function insertAdminLogEntry(
  db: Db,
  entry: Omit<AdminLogEntry, "id" | "username">,
): Promise<void> {
  await db
    .insertInto("admin_log")
    .values({
      action_time: entry.actionTime,
      user_id: entry.userId,
      content_type: entry.contentType,
      object_id: entry.objectId,
      object_repr: entry.objectRepr.slice(0, 200),
      action_flag: entry.actionFlag,
      change_message: entry.changeMessage,
    })
    .execute();
}

type LogRow = Selectable<AdminLogTable> & { username: string | null };

function toEntry(row: LogRow): AdminLogEntry {
  return {
    id: row.id,
    actionTime: toDate(row.action_time),
    userId: row.user_id,
    username: row.username,
    contentType: row.content_type,
    objectId: row.object_id,
    objectRepr: row.object_repr,
    actionFlag: row.action_flag as 1 | 2 | 3,
    changeMessage: row.change_message,
  };
}

export async function listAdminLogEntries(
  db: Db,
  filter: { userId?: number; contentType?: string; objectId?: string; limit: number },
): Promise<AdminLogEntry[]> {
  let query = db
    .selectFrom("admin_log")
    .leftJoin("users", "users.id", "admin_log.user_id")
    .selectAll("admin_log")
    .select("users.username");
  if (filter.userId !== undefined) query = query.where("admin_log.user_id", "=", filter.userId);
  if (filter.contentType !== undefined)
    query = query.where("admin_log.content_type", "=", filter.contentType);
  if (filter.objectId !== undefined)
    query = query.where("admin_log.object_id", "=", filter.objectId);
  const rows = await query.orderBy("admin_log.id", "desc").limit(filter.limit).execute();
  return rows.map(toEntry);
}
