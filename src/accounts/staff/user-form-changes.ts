// What a cleaned user form changes: the fields Django's change message names, and the writes that
// make the change inside the caller's transaction, where the new addresses are checked once more.
import type { Deps } from "../../deps.js";
import type { AdminViewer } from "./access.js";
import { findEmailOwnerIds, replaceDirectPermissions, replaceUserGroups } from "./users-store.js";
import { AccountsError, CATALOGUE, MESSAGES } from "../errors.js";
import { accountToChange } from "./privileges.js";
import type { User } from "../types.js";
import { declaredFields, fieldColumnsOf, fieldValue } from "../fields/user-fields.js";
import { isSameValue } from "./declared-field-form.js";
import {
  cleanValues,
  isOwnedByOther,
  type AdminUserChange,
  type CleanValues,
  type CurrentUserState,
} from "./user-form.js";
import { lockEmailAddress } from "../user-uniqueness-store.js";
import { updateUser, updateUserStatus } from "../user-writes-store.js";
import type { Db } from "../../db/database.js";

const USER_FIELDS = [
  ["username", "username"],
  ["firstName", "first_name"],
  ["lastName", "last_name"],
  ["email", "email"],
  ["isActive", "is_active"],
  ["isStaff", "is_staff"],
  ["isSuperuser", "is_superuser"],
] as const;

const sameIds = (a: readonly number[], b: readonly number[]) =>
  a.length === b.length && a.every((id, index) => id === b[index]);

export interface CleanedUserChange {
  values: CleanValues;
  changedFields: string[];
  changedStatusFields: string[];
  apply(tx: Db): Promise<void>;
}

/** The cleaned form, what it changes, and how to write it inside the caller's transaction. */
export async function cleanUserChange(
  deps: Pick<Deps, "db" | "config">,
  viewer: AdminViewer,
  current: CurrentUserState,
  input: AdminUserChange,
): Promise<CleanedUserChange> {
  const values = await cleanValues(deps, viewer, current, input);
  const { user } = current;
  const changedFields: string[] = USER_FIELDS.filter(([key]) => values[key] !== user[key]).map(
    ([, name]) => name,
  );
  const isGroupsChanged = !sameIds(
    values.groupIds,
    [...current.groupIds].sort((a, b) => a - b),
  );
  const isPermissionsChanged = !sameIds(
    values.permissionIds,
    [...current.permissionIds].sort((a, b) => a - b),
  );
  if (isGroupsChanged) changedFields.push("groups");
  if (isPermissionsChanged) changedFields.push("user_permissions");
  // Django names a changed field by its label: the verbose name ("Changed phone number.").
  for (const field of declaredFields(deps.config)) {
    if (
      field.name in values.fields &&
      !isSameValue(values.fields[field.name], fieldValue(field, user))
    )
      changedFields.push(field.verboseName);
  }
  const changedStatusFields = [
    values.verified !== user.status.verified ? "verified" : undefined,
    values.archived !== user.status.archived ? "archived" : undefined,
    values.secondaryEmail !== user.status.secondaryEmail ? "secondary_email" : undefined,
  ].filter((field) => field !== undefined);
  const apply = async (tx: Db) => {
    await recheckNewAddresses(tx, user, values);
    // The form was checked outside this transaction and the user may have been promoted since.
    // The row is locked after the addresses, the order in which the API's email changes take them.
    await accountToChange(tx, viewer, user.id);
    const { username, email, firstName, lastName, isActive, isStaff, isSuperuser } = values;
    await updateUser(tx, user.id, {
      username,
      email,
      firstName,
      lastName,
      isActive,
      isStaff,
      isSuperuser,
      fieldColumns: fieldColumnsOf(deps.config, values.fields),
    });
    await updateUserStatus(tx, user.id, {
      verified: values.verified,
      archived: values.archived,
      secondaryEmail: values.secondaryEmail,
    });
    if (isGroupsChanged) await replaceUserGroups(tx, user.id, values.groupIds);
    if (isPermissionsChanged) await replaceDirectPermissions(tx, user.id, values.permissionIds);
  };
  return { values, changedFields, changedStatusFields, apply };
}

/**
 * Another request may have taken a new address since the form was checked; the advisory lock
 * makes this check and the write one step (the unique keys cover primary/secondary separately).
 */
async function recheckNewAddresses(tx: Db, user: User, values: CleanValues): Promise<void> {
  const fresh = [
    ["email", values.email],
    ["secondary_email", values.secondaryEmail],
  ] as const;
  const known = new Set(
    [user.email, user.status.secondaryEmail]
      .filter((address) => address !== null)
      .map((address) => address.toLowerCase()),
  );
  const changed = fresh.filter(
    ([, address]) => address !== null && !known.has(address.toLowerCase()),
  );
  // Always in the same order, so two edits locking the same two addresses cannot deadlock.
  changed.sort(([, a], [, b]) => ((a ?? "").toLowerCase() < (b ?? "").toLowerCase() ? -1 : 1));
  for (const [field, address] of changed) {
    if (address === null) continue;
    await lockEmailAddress(tx, address);
    if (isOwnedByOther(await findEmailOwnerIds(tx, address), user.id)) {
      throw new AccountsError({
        [field]: [field === "email" ? MESSAGES.primaryEmailTaken() : { ...CATALOGUE.EMAIL_IN_USE }],
      });
    }
  }
}

/** Django's get_text_list: "a", "a and b", "a, b and c". */
function textList(items: readonly string[]): string {
  if (items.length <= 1) return items.join("");
  return `${items.slice(0, -1).join(", ")} and ${items.at(-1) ?? ""}`;
}

/** Django's change message: "Changed first_name and email. Changed verified for user status “x - status”." */
export function describeUserChange(
  fields: readonly string[],
  statusFields: readonly string[],
  username: string,
): string {
  const parts: string[] = [];
  if (fields.length > 0) parts.push(`Changed ${textList(fields)}.`);
  if (statusFields.length > 0)
    parts.push(`Changed ${textList(statusFields)} for user status “${username} - status”.`);
  return parts.length === 0 ? "No fields changed." : parts.join(" ");
}
