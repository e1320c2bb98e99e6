// The admin's user change form as Django's UserChangeForm cleans it (SPEC §2.2 rules, status
// inline, groups, direct permissions, the declared USER_FIELDS), with the errors it shows. What a
// cleaned form changes, and how it is written, is user-form-changes.ts.
import type { Deps } from "../../deps.js";
import type { AdminViewer } from "./access.js";
import { findEmailOwnerIds, findUsernameOwnerIds } from "./users-store.js";
import { AccountsError, CATALOGUE, FieldErrors, MESSAGES, type ErrorDetail } from "../errors.js";
import { findAllGroups, listPermissions } from "./groups-store.js";
import { refuseUnheldGroups, refuseUnheldPermissions } from "./privileges.js";
import type { User } from "../types.js";
import { cleanDeclaredFields } from "./declared-field-form.js";
import { findLookAlikeUserIds, type UniqueUserField } from "../user-uniqueness-store.js";
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

export type CleanValues = Omit<AdminUserChange, "secondaryEmail" | "fields"> & {
  secondaryEmail: string | null;
  /** The declared fields' clean values (domain form), by field name. */
  fields: Record<string, unknown>;
};

export const isOwnedByOther = (ownerIds: readonly number[], userId: number) =>
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
export async function cleanValues(
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
