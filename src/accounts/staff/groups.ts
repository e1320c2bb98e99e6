// The admin's Groups section (SPEC §2.5, §12): Django's auth.Group with its permissions. Staff
// get permissions through groups, so every change here changes who may do what in the admin.
import type { Deps } from "../../deps.js";
import {
  objectHistory,
  recordAdminChange,
  requireAdmin,
  type AdminLogEntry,
  type AdminViewer,
} from "./access.js";
import { refuseUnheldPermissions } from "./privileges.js";
import { changeMessage, pageWindow, type AdminListPage } from "./user-statuses.js";
import { AccountsError, FieldErrors, MESSAGES } from "../errors.js";
import {
  countGroupMembers,
  countGroups,
  deleteGroup,
  findGroupById,
  insertGroup,
  isGroupNameTaken,
  listGroups,
  listPermissions,
  replaceGroupPermissions,
  updateGroupName,
  type GroupRecord,
  type GroupSummary,
  type PermissionRecord,
} from "./groups-store.js";
import type { Db } from "../../db/database.js";
import { charCount } from "../validation.js";

export type { GroupRecord, GroupSummary, PermissionRecord } from "./groups-store.js";

const GROUP_NAME_MAX_LENGTH = 150;

/** Permissions of one model, as the group form shows them together. */
export interface PermissionSection {
  contentType: string;
  permissions: PermissionRecord[];
}

/** Every permission, grouped by model. Throws permission_denied without view on groups. */
export async function permissionSections(
  deps: Pick<Deps, "db">,
  viewer: AdminViewer,
): Promise<PermissionSection[]> {
  requireAdmin(viewer, "view", "group");
  const sections = new Map<string, PermissionSection>();
  for (const permission of await listPermissions(deps.db)) {
    const section = sections.get(permission.contentType) ?? {
      contentType: permission.contentType,
      permissions: [],
    };
    section.permissions.push(permission);
    sections.set(permission.contentType, section);
  }
  return [...sections.values()];
}

/** Ordered by name; search matches names ignoring case. Throws permission_denied. */
export async function listGroupsForAdmin(
  deps: Pick<Deps, "db">,
  viewer: AdminViewer,
  query: { search: string; page: number },
): Promise<AdminListPage<GroupSummary>> {
  requireAdmin(viewer, "view", "group");
  const filter = { nameContains: query.search.trim() };
  const count = await countGroups(deps.db, filter);
  const window = pageWindow(count, query.page);
  return {
    items: await listGroups(deps.db, filter, window),
    count,
    page: window.page,
    pageCount: window.pageCount,
  };
}

/** Undefined when absent. Throws permission_denied. */
export async function getGroupForAdmin(
  deps: Pick<Deps, "db">,
  viewer: AdminViewer,
  id: number,
): Promise<GroupRecord | undefined> {
  requireAdmin(viewer, "view", "group");
  return findGroupById(deps.db, id);
}

export interface GroupInput {
  name: string;
  /** Permission ids as the form sent them. */
  permissionIds: readonly string[];
}

function invalidChoice(value: string) {
  return {
    message: `Select a valid choice. ${value} is not one of the available choices.`,
    code: "invalid_choice",
  };
}

/**
 * Django's ModelForm checks: name required, ≤ 150, unique; permissions among those that exist,
 * and any the group does not have yet held by the viewer (privileges.ts, rule 2).
 */
async function cleanGroupInput(
  db: Db,
  viewer: AdminViewer,
  input: GroupInput,
  current?: GroupRecord,
): Promise<{ name: string; permissionIds: number[] }> {
  const errors = new FieldErrors();
  const name = input.name.trim();
  const length = charCount(name);
  if (name === "") errors.add("name", MESSAGES.required());
  else if (length > GROUP_NAME_MAX_LENGTH)
    errors.add("name", MESSAGES.maxLength(GROUP_NAME_MAX_LENGTH, length));
  else if (await isGroupNameTaken(db, name, current?.id))
    errors.add("name", { message: "Group with this Name already exists.", code: "unique" });
  const known = new Set((await listPermissions(db)).map((permission) => permission.id));
  const permissionIds = new Set<number>();
  for (const raw of input.permissionIds) {
    const id = /^\d{1,9}$/.test(raw) ? Number(raw) : NaN;
    if (known.has(id)) permissionIds.add(id);
    else errors.add("permissions", invalidChoice(raw));
  }
  const sorted = [...permissionIds].sort((a, b) => a - b);
  if (!errors.has("permissions")) {
    await refuseUnheldPermissions(db, viewer, errors, "permissions", {
      before: current?.permissionIds ?? [],
      after: sorted,
    });
  }
  errors.throwIfAny();
  return { name, permissionIds: sorted };
}

function nameTaken(): AccountsError {
  return new AccountsError({
    name: [{ message: "Group with this Name already exists.", code: "unique" }],
  });
}

/** Creates the group and logs it. Throws permission_denied or field errors (name, permissions). */
export async function createGroup(
  deps: Pick<Deps, "db" | "clock">,
  viewer: AdminViewer,
  input: GroupInput,
): Promise<GroupRecord> {
  requireAdmin(viewer, "add", "group");
  return deps.db.transaction().execute(async (tx) => {
    const clean = await cleanGroupInput(tx, viewer, input);
    const id = await insertGroup(tx, clean.name);
    // A concurrent request may take the name between the check and the insert.
    if (id === undefined) throw nameTaken();
    await replaceGroupPermissions(tx, id, clean.permissionIds);
    await recordAdminChange(deps, tx, {
      actor: viewer.user,
      model: "group",
      objectId: id,
      objectRepr: clean.name,
      kind: "add",
      message: "Added.",
    });
    return { id, ...clean };
  });
}

function sameIds(left: readonly number[], right: readonly number[]): boolean {
  return left.length === right.length && left.every((id, index) => id === right[index]);
}

/**
 * Saves name and permissions and logs which changed. Undefined when the group does not exist.
 * Throws permission_denied or field errors (name, permissions).
 */
export async function changeGroup(
  deps: Pick<Deps, "db" | "clock">,
  viewer: AdminViewer,
  id: number,
  input: GroupInput,
): Promise<GroupRecord | undefined> {
  requireAdmin(viewer, "change", "group");
  return deps.db.transaction().execute(async (tx) => {
    const group = await findGroupById(tx, id);
    if (group === undefined) return undefined;
    const clean = await cleanGroupInput(tx, viewer, input, group);
    const changed: string[] = [];
    if (clean.name !== group.name) changed.push("name");
    if (!sameIds(clean.permissionIds, group.permissionIds)) changed.push("permissions");
    if (changed.includes("name")) await updateGroupName(tx, id, clean.name);
    if (changed.includes("permissions")) await replaceGroupPermissions(tx, id, clean.permissionIds);
    await recordAdminChange(deps, tx, {
      actor: viewer.user,
      model: "group",
      objectId: id,
      objectRepr: clean.name,
      kind: "change",
      message: changeMessage(changed),
    });
    return { id, ...clean };
  });
}

/** What deleting the group takes with it, for the confirmation page. Throws permission_denied. */
export async function groupDeletionSummary(
  deps: Pick<Deps, "db">,
  viewer: AdminViewer,
  id: number,
): Promise<{ group: GroupRecord; memberCount: number } | undefined> {
  requireAdmin(viewer, "delete", "group");
  const group = await findGroupById(deps.db, id);
  return group === undefined
    ? undefined
    : { group, memberCount: await countGroupMembers(deps.db, id) };
}

/** Deletes the group (memberships and permission links go with it) and logs it. */
export async function deleteGroupForAdmin(
  deps: Pick<Deps, "db" | "clock">,
  viewer: AdminViewer,
  id: number,
): Promise<GroupSummary | undefined> {
  requireAdmin(viewer, "delete", "group");
  return deps.db.transaction().execute(async (tx) => {
    const group = await findGroupById(tx, id);
    if (group === undefined) return undefined;
    await deleteGroup(tx, id);
    await recordAdminChange(deps, tx, {
      actor: viewer.user,
      model: "group",
      objectId: id,
      objectRepr: group.name,
      kind: "delete",
      message: "Deleted.",
    });
    return { id, name: group.name };
  });
}

/** The group (if it still exists) and its admin log, newest first. Throws permission_denied. */
export async function groupHistory(
  deps: Pick<Deps, "db">,
  viewer: AdminViewer,
  id: number,
): Promise<{ group: GroupRecord | undefined; entries: AdminLogEntry[] }> {
  const group = await getGroupForAdmin(deps, viewer, id);
  return { group, entries: await objectHistory(deps, "group", id) };
}
