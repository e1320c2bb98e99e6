// SQL for the groups an import writes, and their permissions.
import type { Db } from "../../db/database.js";

export async function findGroupsByName(
  db: Db,
  names: readonly string[],
): Promise<Map<string, number>> {
  if (names.length === 0) return new Map();
  const rows = await db
    .selectFrom("groups")
    .select(["id", "name"])
    .where("name", "in", names)
    .execute();
  return new Map(rows.map((row) => [row.name, row.id]));
}

/** Inserts groups; returns their ids by name (unique). */
export async function insertGroups(db: Db, names: readonly string[]): Promise<Map<string, number>> {
  if (names.length === 0) return new Map();
  const rows = await db
    .insertInto("groups")
    .values(names.map((name) => ({ name })))
    .returning(["id", "name"])
    .execute();
  return new Map(rows.map((row) => [row.name, row.id]));
}

export async function renameGroup(db: Db, id: number, name: string): Promise<void> {
  await db.updateTable("groups").set({ name }).where("id", "=", id).execute();
}

/** Adds links a group lacks; `replace` first removes those it has. */
export async function writeGroupPermissions(
  db: Db,
  groupId: number,
  permissionIds: readonly number[],
  options: { replace: boolean },
): Promise<void> {
  if (options.replace)
    await db.deleteFrom("group_permissions").where("group_id", "=", groupId).execute();
  if (permissionIds.length === 0) return;
  await db
    .insertInto("group_permissions")
    .values(
      permissionIds.map((permissionId) => ({ group_id: groupId, permission_id: permissionId })),
    )
    .onConflict((conflict) => conflict.doNothing())
    .execute();
}
