// SQL for groups and their permissions (SPEC §2.5): Django's auth.Group, used by the admin only.
import { sql } from "kysely";
import { escapeLike } from "../../db/values.js";
import type { Db } from "../../db/database.js";

export interface GroupSummary {
  id: number;
  name: string;
}

export interface GroupRecord extends GroupSummary {
  permissionIds: number[];
}

export interface PermissionRecord {
  id: number;
  name: string;
  codename: string;
  contentType: string;
}

function filteredGroups(db: Db, nameContains: string) {
  const query = db.selectFrom("groups");
  if (nameContains === "") return query;
  // PostgreSQL text cannot hold NUL: such a search matches nothing and must not reach the driver.
  if (nameContains.includes("\u0000")) return query.where(sql<boolean>`1 = 0`);
  const pattern = `%${escapeLike(nameContains.toLowerCase())}%`;
  return query.where(sql<boolean>`lower(${sql.ref("groups.name")}) like ${pattern} escape '\\'`);
}

export async function countGroups(db: Db, filter: { nameContains: string }): Promise<number> {
  const row = await filteredGroups(db, filter.nameContains)
    .select((eb) => eb.fn.countAll<number | string>().as("count"))
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

export async function listGroups(
  db: Db,
  filter: { nameContains: string },
  page: { offset: number; limit: number },
): Promise<GroupSummary[]> {
  return filteredGroups(db, filter.nameContains)
    .select(["groups.id", "groups.name"])
    .orderBy("groups.name")
    .limit(page.limit)
    .offset(page.offset)
    .execute();
}

/** Every group, by name: the choices of the user form. */
export async function findAllGroups(db: Db): Promise<GroupSummary[]> {
  return db.selectFrom("groups").select(["id", "name"]).orderBy("name").execute();
}

export async function findGroupById(db: Db, id: number): Promise<GroupRecord | undefined> {
  const group = await db
    .selectFrom("groups")
    .select(["id", "name"])
    .where("id", "=", id)
    .executeTakeFirst();
  if (group === undefined) return undefined;
  const links = await db
    .selectFrom("group_permissions")
    .select("permission_id")
    .where("group_id", "=", id)
    .orderBy("permission_id")
    .execute();
  return { ...group, permissionIds: links.map((link) => link.permission_id) };
}

/** Group names are unique as Django compares them: exactly. */
export async function isGroupNameTaken(db: Db, name: string, exceptId?: number): Promise<boolean> {
  let query = db.selectFrom("groups").select("id").where("name", "=", name);
  if (exceptId !== undefined) query = query.where("id", "<>", exceptId);
  return (await query.executeTakeFirst()) !== undefined;
}

/** Undefined when a concurrent request took the name first. */
export async function insertGroup(db: Db, name: string): Promise<number | undefined> {
  const row = await db
    .insertInto("groups")
    .values({ name })
    .onConflict((conflict) => conflict.column("name").doNothing())
    .returning("id")
    .executeTakeFirst();
  return row?.id;
}

export async function updateGroupName(db: Db, id: number, name: string): Promise<void> {
  await db.updateTable("groups").set({ name }).where("id", "=", id).execute();
}

export async function replaceGroupPermissions(
  db: Db,
  groupId: number,
  permissionIds: readonly number[],
): Promise<void> {
  await db.deleteFrom("group_permissions").where("group_id", "=", groupId).execute();
  if (permissionIds.length === 0) return;
  await db
    .insertInto("group_permissions")
    .values(
      permissionIds.map((permissionId) => ({ group_id: groupId, permission_id: permissionId })),
    )
    .execute();
}

/** Each permission link of the groups, with the group's name. */
export async function listGroupPermissionLinks(
  db: Db,
  groupIds: readonly number[],
): Promise<{ groupId: number; groupName: string; permissionId: number }[]> {
  if (groupIds.length === 0) return [];
  const rows = await db
    .selectFrom("group_permissions")
    .innerJoin("groups", "groups.id", "group_permissions.group_id")
    .select(["groups.id", "groups.name", "group_permissions.permission_id"])
    .where("group_permissions.group_id", "in", groupIds)
    .orderBy("groups.name")
    .orderBy("group_permissions.permission_id")
    .execute();
  return rows.map((row) => ({
    groupId: row.id,
    groupName: row.name,
    permissionId: row.permission_id,
  }));
}

export async function countGroupMembers(db: Db, groupId: number): Promise<number> {
  const row = await db
    .selectFrom("user_groups")
    .select((eb) => eb.fn.countAll<number | string>().as("count"))
    .where("group_id", "=", groupId)
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

/** Memberships and permission links go with the group (ON DELETE CASCADE). */
export async function deleteGroup(db: Db, id: number): Promise<void> {
  await db.deleteFrom("groups").where("id", "=", id).execute();
}

/** Ordered as Django lists them: by content type, then codename. */
export async function listPermissions(db: Db): Promise<PermissionRecord[]> {
  const rows = await db
    .selectFrom("permissions")
    .select(["id", "name", "codename", "content_type"])
    .orderBy("content_type")
    .orderBy("codename")
    .execute();
  return rows.map((row) => ({
    id: row.id,
    name: row.name,
    codename: row.codename,
    contentType: row.content_type,
  }));
}
