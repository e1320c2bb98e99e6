// Reading users (SPEC §4.2–§4.3) with the USER_QUERY_ACCESS rule, and creating superusers.
import type { Deps } from "../deps.js";
import { FieldErrors, type ErrorDetail } from "./errors.js";
import { cleanSubmittedFields, declaredField, newUserFieldColumns } from "./fields/user-fields.js";
import { internalUsername } from "./registration.js";
import {
  newPasswordErrors,
  superuserEmailErrors,
  superuserUsernameErrors,
} from "./superuser-checks.js";
import type { User } from "./types.js";
import { countUsers, listUsers, type UserFilter } from "./user-list-store.js";
import { findUserById } from "./users-store.js";
import { insertUser } from "./user-writes-store.js";
import { normalizeEmail, normalizeUsername } from "./validation.js";
import { recordWebhookEvent, userEvent } from "./webhooks/events.js";

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
  /** The operator chose to keep a password the validators refuse (Django's bypass question). */
  skipPasswordValidation?: boolean;
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
  const add = (field: string, details: readonly ErrorDetail[]) => {
    for (const detail of details) errors.add(field, detail);
  };
  const hasOwnUsername =
    deps.config.accounts.usernameField === "username" || input.username.trim() !== "";
  const username = hasOwnUsername ? normalizeUsername(input.username) : internalUsername();
  if (hasOwnUsername) add("username", await superuserUsernameErrors(deps, input.username));
  const email = normalizeEmail(input.email);
  add("email", await superuserEmailErrors(deps, input.email));
  const declared = await cleanSubmittedFields(
    deps,
    errors,
    Object.entries(input.fields ?? {}).flatMap(([name, raw]) => {
      const field = declaredField(deps.config, name);
      return field === undefined ? [] : [{ field, raw, argument: name }];
    }),
  );
  const password = input.password;
  // Django's "Bypass password validation and create user anyway?": a blank one never passes.
  const isBypassed = input.skipPasswordValidation === true && password !== "";
  if (!isBypassed) add("password", newPasswordErrors(deps, password, { username, email }));
  errors.throwIfAny();
  const passwordHash = await deps.passwords.hash(password);
  return deps.db.transaction().execute(async (tx) => {
    const id = await insertUser(tx, {
      username,
      email,
      passwordHash,
      isStaff: true,
      isSuperuser: true,
      dateJoined: deps.clock.now(),
      fieldColumns: newUserFieldColumns(deps.config, declared),
    });
    const user = await findUserById(tx, id);
    if (user === undefined) throw new Error("created superuser not found");
    await recordWebhookEvent(deps, tx, userEvent("user.registered", user, { by: "cli" }));
    return user;
  });
}
