// The groups phase: auth_group and its permissions. A group named as one that exists here is
// that group (its Django permissions are added to it, none taken away); a group changed in
// Django since the last run gets Django's name and permissions.
import type { Db } from "../../db/database.js";
import { changedColumns, digestRow } from "./digests.js";
import type { SourceRow } from "./django-source-store.js";
import type { ImportContext, PhaseHandler } from "./import-context.js";
import {
  findAllMappings,
  findMappings,
  insertMappings,
  updateMapping,
  type Mapping,
} from "./import-state-store.js";
import {
  findGroupsByName,
  insertGroups,
  renameGroup,
  writeGroupPermissions,
} from "./imported-groups-store.js";

const GROUP_LAYOUT = ["name", "permissions"];

interface SourceGroup {
  id: number;
  name: string;
  permissionIds: number[];
  digests: string;
}

export const groupsPhase: PhaseHandler<SourceGroup[]> = {
  prepare: readGroups,
  apply: applyGroups,
};

async function readGroups(context: ImportContext, rows: SourceRow[]): Promise<SourceGroup[]> {
  const links = new Map<number, number[]>();
  const table = context.tables.groupPermissionsTable;
  const ids = rows.map((row) => Number(row.id));
  if (table !== undefined) {
    for (const link of await context.source.readWhereIn(table, "group_id", ids)) {
      const groupId = Number(link.group_id);
      links.set(groupId, [...(links.get(groupId) ?? []), Number(link.permission_id)]);
    }
  }
  return rows.map((row) => {
    const id = Number(row.id);
    const name = String(row.name);
    const permissionIds = (links.get(id) ?? []).sort((a, b) => a - b);
    return {
      id,
      name,
      permissionIds,
      digests: digestRow(GROUP_LAYOUT, { name, permissions: permissionIds }),
    };
  });
}

function ourPermissions(context: ImportContext, group: SourceGroup): number[] {
  const ours: number[] = [];
  for (const permissionId of group.permissionIds) {
    const id = context.permissions.ourId(permissionId);
    if (id === undefined)
      context.recorder.unknownPermission(context.permissions.nameOf(permissionId));
    else ours.push(id);
  }
  return ours;
}

async function applyGroups(context: ImportContext, db: Db, groups: SourceGroup[]): Promise<void> {
  const mappings = await findMappings(
    db,
    "group",
    groups.map((group) => group.id),
  );
  const existing = await findGroupsByName(
    db,
    groups.map((group) => group.name),
  );
  const fresh: SourceGroup[] = [];
  for (const group of groups) {
    const mapping = mappings.get(group.id);
    if (mapping === undefined) {
      const adopted = existing.get(group.name);
      if (adopted === undefined) fresh.push(group);
      else await adopt(context, db, group, adopted);
    } else await update(context, db, group, mapping, existing);
  }
  context.recorder.count("groups", "inserted", fresh.length);
  const links = fresh.map((group) => ({ group, permissions: ourPermissions(context, group) }));
  for (const { permissions } of links)
    context.recorder.count("group_permissions", "inserted", permissions.length);
  if (context.isDryRun) {
    for (const group of fresh) context.groups.set(group.id, 0);
    return;
  }
  const ids = await insertGroups(
    db,
    fresh.map((group) => group.name),
  );
  for (const { group, permissions } of links) {
    const id = ids.get(group.name) ?? 0;
    await writeGroupPermissions(db, id, permissions, { replace: false });
    context.groups.set(group.id, id);
  }
  await insertMappings(
    db,
    "group",
    fresh.map((group) => ({
      djangoId: group.id,
      ourId: ids.get(group.name) ?? 0,
      layout: 0,
      digests: group.digests,
    })),
  );
}

async function adopt(context: ImportContext, db: Db, group: SourceGroup, ourId: number) {
  context.recorder.count("groups", "updated");
  context.recorder.note(
    "Django groups named as a Gatehouse group were merged into it (permissions added, none removed).",
  );
  const permissions = ourPermissions(context, group);
  context.recorder.count("group_permissions", "inserted", permissions.length);
  context.groups.set(group.id, ourId);
  if (context.isDryRun) return;
  await writeGroupPermissions(db, ourId, permissions, { replace: false });
  await insertMappings(db, "group", [
    { djangoId: group.id, ourId, layout: 0, digests: group.digests },
  ]);
}

async function update(
  context: ImportContext,
  db: Db,
  group: SourceGroup,
  mapping: Mapping,
  existing: Map<string, number>,
): Promise<void> {
  context.groups.set(group.id, mapping.ourId);
  const changed = changedColumns(
    { layout: GROUP_LAYOUT, digests: group.digests },
    { layout: GROUP_LAYOUT, digests: mapping.digests },
  );
  if (changed.size === 0) {
    context.recorder.count("groups", "unchanged");
    return;
  }
  const holder = existing.get(group.name);
  if (changed.has("name") && holder !== undefined && holder !== mapping.ourId) {
    context.recorder.skip(
      "groups",
      group.id,
      `renamed to ${group.name}, a name another group has here`,
    );
    return;
  }
  context.recorder.count("groups", "updated");
  const permissions = changed.has("permissions") ? ourPermissions(context, group) : [];
  if (changed.has("permissions")) context.recorder.count("group_permissions", "updated");
  if (context.isDryRun) return;
  if (changed.has("name")) await renameGroup(db, mapping.ourId, group.name);
  if (changed.has("permissions"))
    await writeGroupPermissions(db, mapping.ourId, permissions, { replace: true });
  await updateMapping(db, "group", { ...mapping, digests: group.digests });
}

/** Every group imported so far, for the users phase (also when it resumes). */
export async function loadGroupMappings(context: ImportContext, db: Db): Promise<void> {
  for (const [djangoId, ourId] of await findAllMappings(db, "group"))
    context.groups.set(djangoId, ourId);
}
