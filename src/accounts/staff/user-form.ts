// The admin's user change form as Django's UserChangeForm cleans it (SPEC §2.2 rules, status
// inline, groups, direct permissions, the declared USER_FIELDS), the change message it logs, and
// the password summary shown instead of the hash.
import type { Config } from "../../config/config.js";
import type { Deps } from "../../deps.js";
import type { AdminViewer } from "./access.js";
import {
  findEmailOwnerIds,
  findUsernameOwnerIds,
  replaceDirectPermissions,
  replaceUserGroups,
} from "./users-store.js";
import { AccountsError, CATALOGUE, FieldErrors, MESSAGES, type ErrorDetail } from "../errors.js";
import { findAllGroups, listPermissions } from "./groups-store.js";
import { accountToChange, refuseUnheldGroups, refuseUnheldPermissions } from "./privileges.js";
import type { User } from "../types.js";
import {
  cleanSubmittedFields,
  declaredFields,
  fieldColumnsOf,
  fieldValue,
  type UserFieldDeclaration,
} from "../fields/user-fields.js";
import {
  findLookAlikeUserIds,
  lockEmailAddress,
  type UniqueUserField,
} from "../user-uniqueness-store.js";
import { updateUser, updateUserStatus } from "../user-writes-store.js";
import type { Db } from "../../db/database.js";
import {
  cleanEmail,
  cleanUsername,
  EMAIL_ARGUMENT_MAX_LENGTH,
  nameErrors,
  normalizeEmail,
  usernameSkeleton,
} from "../validation.js";

export interface AdminUserChange {
  username: string;
  email: string;
  firstName: string;
  lastName: string;
  isActive: boolean;
  isStaff: boolean;
  isSuperuser: boolean;
  /** Ids as submitted; ids that name no group or permission are a field error. */
  groupIds: readonly number[];
  permissionIds: readonly number[];
  verified: boolean;
  archived: boolean;
  /** Empty for none. */
  secondaryEmail: string;
  /**
   * The declared fields (USER_FIELDS) as the form's widgets submit them, by field name (see
   * declaredFieldFormValue). Absent: they are left alone; a name missing from it is submitted
   * empty, as a browser would.
   */
  fields?: Readonly<Record<string, string>>;
}

export interface CurrentUserState {
  user: User;
  groupIds: readonly number[];
  permissionIds: readonly number[];
}

type CleanValues = Omit<AdminUserChange, "secondaryEmail" | "fields"> & {
  secondaryEmail: string | null;
  /** The declared fields' clean values (domain form), by field name. */
  fields: Record<string, unknown>;
};

/** Django's NullBooleanSelect: "true" / "false", anything else "unknown" (null). */
const NULL_BOOLEAN_CHOICES: Readonly<Record<string, boolean>> = { true: true, false: false };

/** A UTC datetime as the `datetime-local` widget shows it: to the second, milliseconds if any. */
function dateTimeLocal(date: Date): string {
  const text = date.toISOString().slice(0, 23);
  return text.endsWith(".000") ? text.slice(0, 19) : text;
}

/**
 * A declared field's value as its form widget holds and submits it: the checkbox "on" or "",
 * the null-Boolean select "unknown" / "true" / "false", dates `YYYY-MM-DD`, datetimes in UTC
 * (`YYYY-MM-DDTHH:MM:SS`), JSON as its text; empty for null.
 */
export function declaredFieldFormValue(field: UserFieldDeclaration, value: unknown): string {
  if (field.type === "BooleanField") {
    if (field.null) return value === null ? "unknown" : String(value === true);
    return value === true ? "on" : "";
  }
  if (value === null || value === undefined) return "";
  if (value instanceof Date) return dateTimeLocal(value);
  if (field.type === "JSONField") return JSON.stringify(value);
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** The declared fields of the form, as the stored user fills them. */
export function declaredFormValues(
  config: Config,
  user: Pick<User, "fieldColumns">,
): Record<string, string> {
  return Object.fromEntries(
    declaredFields(config).map((field) => [
      field.name,
      declaredFieldFormValue(field, fieldValue(field, user)),
    ]),
  );
}

/** What a widget submitted, as cleanFieldValue reads it. */
function submittedValue(field: UserFieldDeclaration, raw: string): unknown {
  if (field.type !== "BooleanField") return raw;
  // Django's CheckboxInput: ticked unless "", "false" or "0"; NullBooleanSelect: see above.
  return field.null ? (NULL_BOOLEAN_CHOICES[raw] ?? null) : raw;
}

/** Whether a clean value differs from the stored one (Dates by time, JSON by its text). */
function isSameValue(a: unknown, b: unknown): boolean {
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  if (typeof a === "object" || typeof b === "object")
    return JSON.stringify(a) === JSON.stringify(b);
  return a === b;
}

/**
 * The declared fields cleaned as the API cleans them (Django's messages, each under its field;
 * uniqueness among the other users).
 */
async function cleanDeclaredFields(
  deps: Pick<Deps, "db" | "config">,
  errors: FieldErrors,
  userId: number,
  submitted: Readonly<Record<string, string>> | undefined,
): Promise<Record<string, unknown>> {
  if (submitted === undefined) return {};
  return cleanSubmittedFields(
    deps,
    errors,
    declaredFields(deps.config).map((field) => ({
      field,
      raw: submittedValue(field, submitted[field.name] ?? ""),
      argument: field.name,
    })),
    { exceptUserId: userId },
  );
}

const USER_FIELDS = [
  ["username", "username"],
  ["firstName", "first_name"],
  ["lastName", "last_name"],
  ["email", "email"],
  ["isActive", "is_active"],
  ["isStaff", "is_staff"],
  ["isSuperuser", "is_superuser"],
] as const;

const isOwnedByOther = (ownerIds: readonly number[], userId: number) =>
  ownerIds.some((id) => id !== userId);

async function cleanAddresses(
  deps: Pick<Deps, "db">,
  errors: FieldErrors,
  userId: number,
  input: AdminUserChange,
) {
  const email = cleanEmail(input.email, errors, "email");
  if (!errors.has("email") && isOwnedByOther(await findEmailOwnerIds(deps.db, email), userId)) {
    errors.add("email", MESSAGES.primaryEmailTaken());
  }
  if (normalizeEmail(input.secondaryEmail) === "") return { email, secondaryEmail: null };
  const secondary = cleanEmail(
    input.secondaryEmail,
    errors,
    "secondary_email",
    EMAIL_ARGUMENT_MAX_LENGTH,
  );
  if (errors.has("secondary_email")) return { email, secondaryEmail: secondary };
  if (secondary.toLowerCase() === email.toLowerCase()) {
    errors.add("secondary_email", {
      message: "The secondary email must differ from the email.",
      code: "invalid",
    });
  } else if (isOwnedByOther(await findEmailOwnerIds(deps.db, secondary), userId)) {
    errors.add("secondary_email", { ...CATALOGUE.EMAIL_IN_USE });
  }
  return { email, secondaryEmail: secondary };
}

function invalidChoice(id: number): ErrorDetail {
  return {
    message: `Select a valid choice. ${String(id)} is not one of the available choices.`,
    code: "invalid_choice",
  };
}

async function cleanMemberships(
  deps: Pick<Deps, "db">,
  errors: FieldErrors,
  input: AdminUserChange,
) {
  const [groups, permissions] = await Promise.all([
    findAllGroups(deps.db),
    listPermissions(deps.db),
  ]);
  const check = (field: string, ids: readonly number[], known: Set<number>) => {
    for (const id of ids) if (!known.has(id)) errors.add(field, invalidChoice(id));
    return [...new Set(ids)].sort((a, b) => a - b);
  };
  return {
    groupIds: check("groups", input.groupIds, new Set(groups.map((group) => group.id))),
    permissionIds: check(
      "user_permissions",
      input.permissionIds,
      new Set(permissions.map((permission) => permission.id)),
    ),
  };
}

/** Validates the form against the user's current state; throws field errors keyed by form field. */
async function cleanValues(
  deps: Pick<Deps, "db" | "config">,
  viewer: AdminViewer,
  current: CurrentUserState,
  input: AdminUserChange,
): Promise<CleanValues> {
  const errors = new FieldErrors();
  const userId = current.user.id;
  const username = cleanUsername(input.username, errors, "username");
  if (
    !errors.has("username") &&
    isOwnedByOther(await findUsernameOwnerIds(deps.db, username), userId)
  ) {
    errors.add("username", MESSAGES.usernameTaken());
  } else if (
    !errors.has("username") &&
    // Respelling the user's own name (a case variant) brings it no closer to anyone else's.
    usernameSkeleton(username) !== usernameSkeleton(current.user.username) &&
    isOwnedByOther(await findLookAlikeUserIds(deps.db, username), userId)
  ) {
    errors.add("username", MESSAGES.usernameSimilar());
  }
  const addresses = await cleanAddresses(deps, errors, userId, input);
  const firstName = input.firstName.trim();
  const lastName = input.lastName.trim();
  for (const [field, name] of [
    ["first_name", firstName],
    ["last_name", lastName],
  ] as const) {
    for (const detail of nameErrors(name)) errors.add(field, detail);
    // Django's ProhibitNullCharactersValidator; PostgreSQL text cannot hold NUL either.
    if (name.includes("\u0000"))
      errors.add(field, {
        message: "Null characters are not allowed.",
        code: "null_characters_not_allowed",
      });
  }
  // Staff who are not superusers could otherwise make themselves (or anyone) one. They never get
  // here for a superuser (privileges.ts, rule 1), so for them the box must stay unticked.
  if (!viewer.user.isSuperuser && input.isSuperuser !== current.user.isSuperuser) {
    errors.add("is_superuser", {
      message: "Only superusers can change superuser status.",
      code: "permission_denied_field",
    });
  }
  const fields = await cleanDeclaredFields(deps, errors, userId, input.fields);
  const memberships = await cleanMemberships(deps, errors, input);
  // Unknown ids are already errors; only real choices can be grants (privileges.ts, rule 2).
  if (!errors.has("user_permissions")) {
    await refuseUnheldPermissions(deps.db, viewer, errors, "user_permissions", {
      before: current.permissionIds,
      after: memberships.permissionIds,
    });
  }
  if (!errors.has("groups")) {
    await refuseUnheldGroups(deps.db, viewer, errors, "groups", {
      before: current.groupIds,
      after: memberships.groupIds,
    });
  }
  errors.throwIfAny();
  return { ...input, username, firstName, lastName, ...addresses, ...memberships, fields };
}

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

/** The form error for a value a concurrent write took after the form was checked. */
export function takenFieldError(field: UniqueUserField): AccountsError {
  switch (field) {
    case "secondary_email":
      return new AccountsError({ secondary_email: [{ ...CATALOGUE.EMAIL_IN_USE }] });
    case "email":
      return new AccountsError({ email: [MESSAGES.primaryEmailTaken()] });
    case "username":
      return new AccountsError({ username: [MESSAGES.usernameTaken()] });
  }
}

export interface PasswordSummary {
  /** Label/value pairs such as algorithm, memory cost, salt (masked), hash (masked). */
  items: { label: string; value: string }[];
  /** Set instead of items when there is nothing to show. */
  note?: string;
}

/** Django's mask_hash: the first characters, then one "*" per hidden character. */
function mask(value: string, shown = 6): string {
  return value.slice(0, shown) + "*".repeat(Math.max(0, value.length - shown));
}

/** What the change page shows for a stored password: parameters and masked parts, never the hash. */
export function summarizePasswordHash(encoded: string): PasswordSummary {
  if (encoded === "" || encoded.startsWith("!")) return { items: [], note: "No password set." };
  const phc = encoded.startsWith("argon2$") ? encoded.slice("argon2".length) : encoded;
  const argon = /^\$(argon2(?:id|i|d))\$v=(\d+)\$m=(\d+),t=(\d+),p=(\d+)\$([^$]+)\$([^$]+)$/.exec(
    phc,
  );
  if (argon !== null) {
    const [
      ,
      variety = "",
      version = "",
      memory = "",
      time = "",
      parallelism = "",
      salt = "",
      hash = "",
    ] = argon;
    const values = [
      ["algorithm", "argon2"],
      ["variety", variety],
      ["version", version],
      ["memory cost", memory],
      ["time cost", time],
      ["parallelism", parallelism],
      ["salt", mask(salt)],
      ["hash", mask(hash)],
    ];
    return { items: values.map(([label = "", value = ""]) => ({ label, value })) };
  }
  const pbkdf2 = /^(pbkdf2_sha256|pbkdf2_sha1)\$(\d+)\$([^$]+)\$([^$]+)$/.exec(encoded);
  if (pbkdf2 !== null) {
    const [, algorithm = "", iterations = "", salt = "", hash = ""] = pbkdf2;
    const values = [
      ["algorithm", algorithm],
      ["iterations", iterations],
      ["salt", mask(salt)],
      ["hash", mask(hash)],
    ];
    return { items: values.map(([label = "", value = ""]) => ({ label, value })) };
  }
  return { items: [], note: "Invalid password format or unknown hashing algorithm." };
}
