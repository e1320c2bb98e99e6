// The users phase: each batch of Django users becomes new users here (with their status row,
// groups and direct permissions), updates of the columns that changed in Django since the last
// run, or nothing. Keys another user already holds here are resolved in key-claims.ts.
import type { Db } from "../../db/database.js";
import { changedColumns } from "./digests.js";
import type { ImportContext, PhaseHandler } from "./import-context.js";
import {
  findUserMappings,
  insertMappings,
  updateMapping,
  type Mapping,
} from "./import-state-store.js";
import {
  deleteMemberships,
  insertMemberships,
  insertStatuses,
  insertUsers,
  updateImportedStatus,
  updateImportedUser,
  type StatusColumns,
} from "./imported-users-store.js";
import { resolveKeys, type KeyClaim } from "./key-claims.js";
import { readSourceUsers, type SourceUser } from "./source-users.js";
import { userValues } from "./user-values.js";

interface Planned extends KeyClaim {
  user: SourceUser;
  /** Set for an update of a user imported before. */
  mapping?: Mapping;
  endSessions: boolean;
  relinkGroups: boolean;
  relinkPermissions: boolean;
}

export const usersPhase: PhaseHandler<SourceUser[]> = {
  prepare: readSourceUsers,
  apply: applyUsers,
};

function plan(context: ImportContext, user: SourceUser, mapping?: Mapping): Planned | undefined {
  const changed =
    mapping === undefined
      ? undefined
      : changedColumns(
          { layout: context.layout.columns, digests: user.digests },
          { layout: context.layouts[mapping.layout] ?? [], digests: mapping.digests },
        );
  if (changed?.size === 0) {
    context.recorder.count("users", "unchanged");
    return undefined;
  }
  const values = userValues(context, user, changed);
  if (!values.ok) {
    skipUser(context, user.id, values.reason);
    return undefined;
  }
  return {
    user,
    djangoId: user.id,
    ourId: mapping?.ourId,
    ...(mapping === undefined ? {} : { mapping }),
    columns: values.columns,
    status: values.status,
    endSessions: values.endSessions,
    relinkGroups: changed?.has("groups") ?? true,
    relinkPermissions: changed?.has("user_permissions") ?? true,
    duplicates: values.duplicates,
  };
}

function skipUser(context: ImportContext, djangoId: number, reason: string): void {
  context.recorder.skip("users", djangoId, reason);
  if (context.isDryRun) context.skippedUsers.add(djangoId);
}

async function applyUsers(context: ImportContext, db: Db, users: SourceUser[]): Promise<void> {
  const mappings = await findUserMappings(
    db,
    users.map((user) => user.id),
  );
  const planned: Planned[] = [];
  for (const user of users) {
    const mapping = mappings.get(user.id);
    if (mapping !== undefined && !mapping.isPresent) {
      skipUser(context, user.id, "deleted in Gatehouse after an earlier import: left deleted");
      continue;
    }
    const entry = plan(context, user, mapping);
    if (entry !== undefined) planned.push(entry);
  }
  await resolveKeys(db, context.declared, planned);
  const ready = planned.filter((entry) => {
    if (entry.skipReason === undefined) return true;
    skipUser(context, entry.user.id, entry.skipReason);
    return false;
  });
  await insertNew(
    context,
    db,
    ready.filter((entry) => entry.mapping === undefined),
  );
  for (const entry of ready) if (entry.mapping !== undefined) await update(context, db, entry);
  for (const entry of ready)
    for (const duplicate of entry.duplicates) context.recorder.duplicate(duplicate);
}

function ourGroups(context: ImportContext, user: SourceUser): number[] {
  const groups: number[] = [];
  for (const groupId of user.groupIds) {
    const ours = context.groups.get(groupId);
    if (ours === undefined)
      context.recorder.skip("user_groups", user.id, `group #${String(groupId)} was not imported`);
    else groups.push(ours);
  }
  return groups;
}

function ourPermissions(context: ImportContext, user: SourceUser): number[] {
  const permissions: number[] = [];
  for (const permissionId of user.permissionIds) {
    const ours = context.permissions.ourId(permissionId);
    if (ours === undefined)
      context.recorder.unknownPermission(context.permissions.nameOf(permissionId));
    else permissions.push(ours);
  }
  return permissions;
}

function ourLinks(context: ImportContext, user: SourceUser) {
  return { groups: ourGroups(context, user), permissions: ourPermissions(context, user) };
}

async function insertNew(context: ImportContext, db: Db, fresh: Planned[]): Promise<void> {
  if (fresh.length === 0) return;
  const { recorder } = context;
  recorder.count("users", "inserted", fresh.length);
  recorder.count("user_status", "inserted", fresh.length);
  const links = fresh.map((entry) => ({ entry, ...ourLinks(context, entry.user) }));
  for (const link of links) {
    recorder.count("user_groups", "inserted", link.groups.length);
    recorder.count("user_permissions", "inserted", link.permissions.length);
  }
  if (context.isDryRun) return;
  const ids = await insertUsers(
    db,
    fresh.map((entry) => entry.columns),
  );
  const idOf = (entry: Planned) => {
    const id = ids.get(String(entry.columns.username_key));
    if (id === undefined)
      throw new Error(`import: no id came back for ${String(entry.columns.username)}`);
    return id;
  };
  await insertStatuses(
    db,
    fresh.map((entry) => ({ user_id: idOf(entry), ...(entry.status as StatusColumns) })),
  );
  await insertMemberships(
    db,
    "user_groups",
    links.flatMap(({ entry, groups }) =>
      groups.map((id) => ({ userId: idOf(entry), otherId: id })),
    ),
  );
  await insertMemberships(
    db,
    "user_permissions",
    links.flatMap(({ entry, permissions }) =>
      permissions.map((id) => ({ userId: idOf(entry), otherId: id })),
    ),
  );
  await insertMappings(
    db,
    "user",
    fresh.map((entry) => ({
      djangoId: entry.user.id,
      ourId: idOf(entry),
      layout: context.layout.index,
      digests: entry.user.digests,
    })),
  );
}

async function update(context: ImportContext, db: Db, entry: Planned): Promise<void> {
  const { recorder } = context;
  const ourId = entry.mapping?.ourId ?? 0;
  const groups = entry.relinkGroups ? ourGroups(context, entry.user) : [];
  const permissions = entry.relinkPermissions ? ourPermissions(context, entry.user) : [];
  const hasColumns = Object.keys(entry.columns).length > 0;
  const hasStatus = Object.keys(entry.status).length > 0;
  if (hasColumns) recorder.count("users", "updated");
  if (hasStatus) recorder.count("user_status", "updated");
  if (entry.relinkGroups) recorder.count("user_groups", "updated");
  if (entry.relinkPermissions) recorder.count("user_permissions", "updated");
  if (!hasColumns) recorder.count("users", "unchanged");
  if (context.isDryRun) return;
  await updateImportedUser(db, ourId, entry.columns, {
    endSessions: entry.endSessions,
    now: context.now,
  });
  await updateImportedStatus(db, ourId, entry.status);
  if (entry.relinkGroups) {
    await deleteMemberships(db, "user_groups", ourId);
    await insertMemberships(
      db,
      "user_groups",
      groups.map((id) => ({ userId: ourId, otherId: id })),
    );
  }
  if (entry.relinkPermissions) {
    await deleteMemberships(db, "user_permissions", ourId);
    await insertMemberships(
      db,
      "user_permissions",
      permissions.map((id) => ({ userId: ourId, otherId: id })),
    );
  }
  await updateMapping(db, "user", {
    djangoId: entry.user.id,
    ourId,
    layout: context.layout.index,
    digests: entry.user.digests,
  });
}
