// Reading users (SPEC §4.2–§4.3) with the USER_QUERY_ACCESS rule, and creating superusers.
import type { Deps } from "../deps.js";
import { AccountsError, FieldErrors, MESSAGES } from "./errors.js";
import { cleanSubmittedFields, declaredField, newUserFieldColumns } from "./fields/user-fields.js";
import { cleanNewPasswords, internalUsername } from "./registration.js";
import type { User } from "./types.js";
import { countUsers, listUsers, type UserFilter } from "./user-list-store.js";
import {
  findLookAlikeUserIds,
  findUserById,
  insertUser,
  isEmailTaken,
  isUsernameTaken,
} from "./users-store.js";
import { cleanEmail, cleanUsername, normalizeEmail } from "./validation.js";

export type { FilterLookup, UserFilter } from "./user-list-store.js";
export { isFilterableField } from "./user-list-store.js";

/** Whether the viewer may read any user (true) or only itself (false). */
export function canListUsers(deps: Pick<Deps, "config">, viewer: User | undefined): boolean {
  switch (deps.config.accounts.userQueryAccess) {
    case "public":
      return true;
    case "authenticated":
      return viewer !== undefined;
    case "staff":
      return viewer?.isStaff === true;
  }
}

/** user(id): undefined when absent or not visible to the viewer (SPEC §4.2). */
export async function getVisibleUser(
  deps: Pick<Deps, "config" | "db">,
  viewer: User | undefined,
  id: number,
): Promise<User | undefined> {
  if (!canListUsers(deps, viewer) && viewer?.id !== id) return undefined;
  return findUserById(deps.db, id);
}

/** Callers check canListUsers first: each transport refuses in its own way. */
export async function countMatchingUsers(
  deps: Pick<Deps, "db">,
  filters: readonly UserFilter[],
): Promise<number> {
  return countUsers(deps.db, filters);
}

export async function listMatchingUsers(
  deps: Pick<Deps, "db">,
  filters: readonly UserFilter[],
  page: { offset: number; limit: number },
): Promise<User[]> {
  return listUsers(deps.db, filters, page);
}

export interface SuperuserInput {
  /** Optional when USERNAME_FIELD is another field: the account then gets an internal one. */
  username: string;
  email: string;
  password: string;
  /** Declared fields' values by field name (USERNAME_FIELD's, when it is a declared field). */
  fields?: Record<string, string>;
}

/**
 * createsuperuser: an active staff superuser with its status row (unverified, as every new
 * user). Throws AccountsError with field errors keyed username / email / password.
 */
export async function createSuperuser(
  deps: Pick<Deps, "config" | "db" | "clock" | "passwords" | "passwordPolicy">,
  input: SuperuserInput,
): Promise<User> {
  const errors = new FieldErrors();
  const { usernameField } = deps.config.accounts;
  const username =
    usernameField === "username" || input.username.trim() !== ""
      ? cleanUsername(input.username, errors, "username")
      : internalUsername();
  if (!errors.has("username") && (await isUsernameTaken(deps.db, username))) {
    errors.add("username", {
      message: "A user with that username already exists.",
      code: "unique",
    });
  } else if (
    !errors.has("username") &&
    (await findLookAlikeUserIds(deps.db, username)).length > 0
  ) {
    errors.add("username", MESSAGES.usernameSimilar());
  }
  const email = normalizeEmail(input.email);
  if (email === "" && usernameField === "email") errors.add("email", MESSAGES.required());
  if (email !== "") {
    cleanEmail(email, errors, "email");
    if (!errors.has("email") && (await isEmailTaken(deps.db, email))) {
      errors.add("email", { message: "User with this Email already exists.", code: "unique" });
    }
  }
  const declared = await cleanSubmittedFields(
    deps,
    errors,
    Object.entries(input.fields ?? {}).flatMap(([name, raw]) => {
      const field = declaredField(deps.config, name);
      return field === undefined ? [] : [{ field, raw, argument: name }];
    }),
  );
  const password = cleanNewPasswords(
    deps,
    errors,
    { password1: input.password, password2: input.password },
    { username, email },
    { first: "password", second: "password" },
  );
  errors.throwIfAny();
  if (password === undefined)
    throw new AccountsError({
      password: [{ message: "This field is required.", code: "required" }],
    });
  const passwordHash = await deps.passwords.hash(password);
  const id = await deps.db.transaction().execute((tx) =>
    insertUser(tx, {
      username,
      email,
      passwordHash,
      isStaff: true,
      isSuperuser: true,
      dateJoined: deps.clock.now(),
      fieldColumns: newUserFieldColumns(deps.config, declared),
    }),
  );
  const user = await findUserById(deps.db, id);
  if (user === undefined) throw new Error("created superuser not found");
  return user;
}
