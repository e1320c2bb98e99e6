// createsuperuser's rules, one field at a time: the CLI asks again after each wrong answer, as
// Django's interactive createsuperuser does, and createSuperuser (users.ts) applies the same
// rules to all the answers at once (--no-input).
import type { Deps } from "../deps.js";
import { AccountsError, FieldErrors, MESSAGES, type ErrorDetail } from "./errors.js";
import { cleanSubmittedFields, declaredField } from "./fields/user-fields.js";
import type { PasswordUserAttributes } from "./passwords/validators.js";
import { findLookAlikeUserIds, isEmailTaken, isUsernameTaken } from "./user-uniqueness-store.js";
import { emailErrors, normalizeEmail, normalizeUsername, usernameErrors } from "./validation.js";

const USERNAME_TAKEN: ErrorDetail = {
  message: "A user with that username already exists.",
  code: "unique",
};
const EMAIL_TAKEN: ErrorDetail = {
  message: "User with this Email already exists.",
  code: "unique",
};

/** A username's problems: its form, then whether it (or a look-alike of it) is taken. */
export async function superuserUsernameErrors(
  deps: Pick<Deps, "db">,
  raw: string,
): Promise<ErrorDetail[]> {
  const username = normalizeUsername(raw);
  const formErrors = usernameErrors(username);
  if (formErrors.length > 0) return formErrors;
  if (await isUsernameTaken(deps.db, username)) return [USERNAME_TAKEN];
  if ((await findLookAlikeUserIds(deps.db, username)).length > 0)
    return [MESSAGES.usernameSimilar()];
  return [];
}

/** An email's problems: required only when it is USERNAME_FIELD; its form; whether it is taken. */
export async function superuserEmailErrors(
  deps: Pick<Deps, "config" | "db">,
  raw: string,
): Promise<ErrorDetail[]> {
  const email = normalizeEmail(raw);
  if (email === "") {
    return deps.config.accounts.usernameField === "email" ? [MESSAGES.required()] : [];
  }
  const formErrors = emailErrors(email);
  if (formErrors.length > 0) return formErrors;
  return (await isEmailTaken(deps.db, email)) ? [EMAIL_TAKEN] : [];
}

/** A declared field's problems (USERNAME_FIELD may be one): its form, and uniqueness if unique. */
export async function superuserFieldErrors(
  deps: Pick<Deps, "config" | "db">,
  name: string,
  raw: string,
): Promise<ErrorDetail[]> {
  const field = declaredField(deps.config, name);
  if (field === undefined) return [];
  const errors = new FieldErrors();
  await cleanSubmittedFields(deps, errors, [{ field, raw, argument: name }]);
  return detailsOf(errors, name);
}

/** A new password's problems: blank, or refused by PASSWORD_VALIDATORS for this user. */
export function newPasswordErrors(
  deps: Pick<Deps, "passwordPolicy">,
  password: string,
  user: PasswordUserAttributes,
): ErrorDetail[] {
  if (password === "") return [MESSAGES.required()];
  return deps.passwordPolicy.validate(password, user);
}

function detailsOf(errors: FieldErrors, field: string): ErrorDetail[] {
  try {
    errors.throwIfAny();
    return [];
  } catch (error) {
    if (error instanceof AccountsError) return error.errors[field] ?? [];
    throw error;
  }
}
