// What keeps staff from raising their own privileges through the admin (issue 12, item 4). Every
// write to an account, its status or a grant in this room goes through these two rules;
// superusers are bound by neither.
//
// 1. Only a superuser may change a superuser, in any way: any field or status, the password,
//    groups and permissions, a bulk action, deletion. Otherwise "change user" would take over
//    the one account that may do everything (a new password, or an address to reset it from).
// 2. Staff hand out only permissions they hold: a direct user permission, a permission added to
//    a group, or a group joined (by anyone, themselves included) whose permissions they do not
//    all hold. Taking away is not restricted, as in Django's admin: removing a permission or a
//    membership never gives anyone more than they had. What a user or group already has is no
//    grant, so it survives a save of the form unchanged even when the editor could not grant it.
import type { Db } from "../../db/database.js";
import { permissionDenied, type AdminViewer } from "./access.js";
import {
  listGroupPermissionLinks,
  listPermissions,
  type PermissionRecord,
} from "./groups-store.js";
import { lockUsers } from "./users-store.js";
import type { FieldErrors } from "../errors.js";
import type { User } from "../types.js";
import { findUserById } from "../users-store.js";

/** Rule 1, for pages deciding whether to offer a change. */
export function canChangeAccount(viewer: AdminViewer, target: Pick<User, "isSuperuser">): boolean {
  return viewer.user.isSuperuser || !target.isSuperuser;
}

/** Rule 1: throws permission_denied (the admin's 403) when the target is out of reach. */
export function requireMayChangeAccount(
  viewer: AdminViewer,
  target: Pick<User, "isSuperuser">,
): void {
  if (!canChangeAccount(viewer, target)) throw permissionDenied();
}

/**
 * The users about to be written in this transaction, as it sees them (absent ones left out,
 * each once): rows locked first, so none becomes a superuser between this check and the write.
 * Throws permission_denied when any of them is out of reach, so a selection is never half done.
 */
export async function accountsToChange(
  tx: Db,
  viewer: AdminViewer,
  ids: readonly number[],
): Promise<User[]> {
  const distinct = [...new Set(ids)];
  await lockUsers(tx, distinct);
  const users: User[] = [];
  for (const id of distinct) {
    const user = await findUserById(tx, id);
    if (user !== undefined) users.push(user);
  }
  for (const user of users) requireMayChangeAccount(viewer, user);
  return users;
}

export async function accountToChange(
  tx: Db,
  viewer: AdminViewer,
  id: number,
): Promise<User | undefined> {
  const [user] = await accountsToChange(tx, viewer, [id]);
  return user;
}

const permissionName = (permission: PermissionRecord) =>
  `${permission.contentType} | ${permission.name}`;

const isHeld = (viewer: AdminViewer, permission: PermissionRecord) =>
  viewer.permissions.has(`${permission.contentType}.${permission.codename}`);

function newIds(change: { before: readonly number[]; after: readonly number[] }): number[] {
  const before = new Set(change.before);
  return change.after.filter((id) => !before.has(id));
}

/**
 * Rule 2 for permissions: a form error on `field` for each permission in `after` but not in
 * `before` that the viewer does not hold. `after` must hold only ids of existing permissions.
 */
export async function refuseUnheldPermissions(
  db: Db,
  viewer: AdminViewer,
  errors: FieldErrors,
  field: string,
  change: { before: readonly number[]; after: readonly number[] },
): Promise<void> {
  const added = new Set(newIds(change));
  if (viewer.user.isSuperuser || added.size === 0) return;
  for (const permission of await listPermissions(db)) {
    if (!added.has(permission.id) || isHeld(viewer, permission)) continue;
    errors.add(field, {
      message: `You cannot grant “${permissionName(permission)}”: you do not hold this permission.`,
      code: "permission_denied_field",
    });
  }
}

/**
 * Rule 2 for memberships: a form error on `field` for each group in `after` but not in `before`
 * that carries a permission the viewer does not hold. `after` must hold only ids of existing groups.
 */
export async function refuseUnheldGroups(
  db: Db,
  viewer: AdminViewer,
  errors: FieldErrors,
  field: string,
  change: { before: readonly number[]; after: readonly number[] },
): Promise<void> {
  const joined = newIds(change);
  if (viewer.user.isSuperuser || joined.length === 0) return;
  const [links, permissions] = await Promise.all([
    listGroupPermissionLinks(db, joined),
    listPermissions(db),
  ]);
  const byId = new Map(permissions.map((permission) => [permission.id, permission]));
  const unheld = new Map<string, string[]>();
  for (const link of links) {
    const permission = byId.get(link.permissionId);
    if (permission === undefined || isHeld(viewer, permission)) continue;
    unheld.set(link.groupName, [...(unheld.get(link.groupName) ?? []), permissionName(permission)]);
  }
  for (const [groupName, names] of unheld) {
    errors.add(field, {
      message: `You cannot add a member to “${groupName}”: it grants permissions you do not hold (${names.join(", ")}).`,
      code: "permission_denied_field",
    });
  }
}
