// register (SPEC §5.1): Django's user-creation form rules, one transaction for the user, its
// status row and the activation email, then an automatic login of the user just created.
import { randomBytes } from "node:crypto";
import type { Deps } from "../deps.js";
import { AccountsError, CATALOGUE, FieldErrors, MESSAGES } from "./errors.js";
import {
  emailDelivery,
  type AccountEmail,
  type AccountMailDeps,
  deliverWrittenEmails,
  writeAccountEmail,
  type WrittenEmail,
} from "./mail/outbox.js";
import {
  cleanSubmittedFields,
  declaredField,
  declaredFieldClash,
  newUserFieldColumns,
  type SubmittedField,
} from "./fields/user-fields.js";
import { cleanFieldValue } from "./fields/values.js";
import { makeUnusablePassword } from "./passwords/hasher.js";
import type { PasswordUserAttributes } from "./passwords/validators.js";
import { issueAccessToken } from "./tokens/access-tokens.js";
import { refreshTokenMinter } from "./tokens/refresh-tokens.js";
import { startSession } from "./tokens/user-sessions.js";
import { actionToken } from "./tokens/action-links.js";
import { limitEmailRequest } from "./rate-limits/limiter.js";
import type { RequestOrigin, User } from "./types.js";
import { findUserByEmail, findUserById } from "./users-store.js";
import {
  findLookAlikeUserIds,
  isEmailTaken,
  isUsernameTaken,
  lockEmailAddress,
  lockUsernameSkeleton,
  takenUserField,
  type UniqueUserField,
} from "./user-uniqueness-store.js";
import { deleteUser, insertUser, type NewUser } from "./user-writes-store.js";
import { cleanEmail, cleanUsername, nameErrors, normalizeEmail } from "./validation.js";
import { recordWebhookEvent, userEvent } from "./webhooks/events.js";

/** Model fields that register may take (REGISTER_MUTATION_FIELDS[_OPTIONAL]). */
export const REGISTERABLE_FIELDS = ["username", "email", "first_name", "last_name"] as const;
export type RegisterableField = (typeof REGISTERABLE_FIELDS)[number];

export interface RegistrationInput {
  /** Values by model field name; absent optional fields are undefined. */
  fields: Partial<Record<RegisterableField, string | null | undefined>>;
  /** Argument names as the API shows them (camelCase), for error keys. */
  argumentNames: Record<RegisterableField, string>;
  /** The declared fields (USER_FIELDS) the request gave, as sent. */
  declared?: readonly { name: string; raw: unknown; argument: string }[];
  password1?: string | undefined;
  password2?: string | undefined;
}

type RegisterDeps = AccountMailDeps & Pick<Deps, "passwords" | "passwordPolicy" | "accessTokens">;

interface CleanedRegistration {
  /** The declared fields' clean values, by field name. */
  declared: Record<string, unknown>;
  username: string;
  email: string | undefined;
  firstName: string;
  lastName: string;
  password: string | undefined;
}

/** The form checked by its own rules (formats, required fields, passwords), before any lookup. */
interface CheckedForm extends Omit<CleanedRegistration, "declared"> {
  errors: FieldErrors;
  isUsernameWellFormed: boolean;
  isEmailWellFormed: boolean;
  /** The declared fields whose values are well formed: their uniqueness is still to check. */
  declaredToCheck: SubmittedField[];
}

function checkForm(deps: RegisterDeps, input: RegistrationInput): CheckedForm {
  const errors = new FieldErrors();
  const required = new Set(Object.keys(deps.config.accounts.registerMutationFields));
  const name = (field: RegisterableField) => input.argumentNames[field];
  const raw = (field: RegisterableField) => input.fields[field] ?? "";
  const isCleanField = (field: RegisterableField) => !errors.has(name(field));

  // A project whose USERNAME_FIELD is another field never asks for a username: the account
  // gets an internal one, which the model's unique username column still needs.
  const hasOwnUsername =
    deps.config.accounts.usernameField === "username" || raw("username").trim() !== "";
  const username = hasOwnUsername
    ? cleanUsername(raw("username"), errors, name("username"))
    : internalUsername();
  const isUsernameWellFormed = isCleanField("username");
  const email = normalizeEmail(raw("email"));
  if (email !== "" || required.has("email")) cleanEmail(email, errors, name("email"));
  const isEmailWellFormed = email !== "" && isCleanField("email");
  const declaredToCheck: SubmittedField[] = [];
  for (const { name: fieldName, raw: value, argument } of input.declared ?? []) {
    const field = declaredField(deps.config, fieldName);
    if (field === undefined) continue;
    const cleaned = cleanFieldValue(field, value);
    if (cleaned.ok) declaredToCheck.push({ field, raw: value, argument });
    else for (const detail of cleaned.errors) errors.add(argument, detail);
  }
  const firstName = raw("first_name").trim();
  const lastName = raw("last_name").trim();
  for (const [field, value] of [
    ["first_name", firstName],
    ["last_name", lastName],
  ] as const) {
    if (value === "" && required.has(field)) errors.add(name(field), MESSAGES.required());
    for (const detail of nameErrors(value)) errors.add(name(field), detail);
  }

  // Django's form sets the instance's attributes from every well-formed field before it checks
  // uniqueness, so the similarity validator still sees a taken username or email.
  const password = deps.config.accounts.allowPasswordlessRegistration
    ? undefined
    : cleanNewPasswords(
        deps,
        errors,
        { password1: input.password1 ?? "", password2: input.password2 ?? "" },
        {
          ...(isUsernameWellFormed ? { username } : {}),
          ...(isEmailWellFormed ? { email } : {}),
          ...(isCleanField("first_name") ? { first_name: firstName } : {}),
          ...(isCleanField("last_name") ? { last_name: lastName } : {}),
        },
        { first: "password1", second: "password2" },
      );
  return {
    errors,
    isUsernameWellFormed,
    isEmailWellFormed,
    declaredToCheck,
    username,
    email: email === "" ? undefined : email,
    firstName,
    lastName,
    password,
  };
}

/** Username, primary email and declared unique fields: the checks that tell who has an account. */
async function checkUniqueness(
  deps: RegisterDeps,
  input: RegistrationInput,
  form: CheckedForm,
): Promise<Record<string, unknown>> {
  const { errors, username, email } = form;
  if (form.isUsernameWellFormed && (await isUsernameTaken(deps.db, username))) {
    errors.add(input.argumentNames.username, MESSAGES.usernameTaken());
  } else if (
    form.isUsernameWellFormed &&
    (await findLookAlikeUserIds(deps.db, username)).length > 0
  ) {
    errors.add(input.argumentNames.username, MESSAGES.usernameSimilar());
  }
  // Only primary addresses here (the model's unique constraint); a secondary-address clash
  // surfaces as EMAIL_IN_USE once the form is valid (SPEC §5.1 step 2).
  if (
    form.isEmailWellFormed &&
    email !== undefined &&
    (await findUserByEmail(deps.db, email)) !== undefined
  ) {
    errors.add(input.argumentNames.email, MESSAGES.primaryEmailTaken());
  }
  return cleanSubmittedFields(deps, errors, form.declaredToCheck);
}

/**
 * SPEC §5.1 answers every field error at once, uniqueness included. But a uniqueness check says
 * whether an account has a username or an address, so it runs only once the request is charged
 * to the mail limits (README, Security). A form that breaks its own rules can send no mail and
 * reveals nothing: with rate limits on it is answered from the form alone and not charged, so a
 * developer's typos do not use up the mail limit. With rate limits off nothing is charged
 * anyway, and the answer keeps the reference's every error.
 */
async function cleanRegistration(
  deps: RegisterDeps,
  input: RegistrationInput,
  origin: RequestOrigin,
): Promise<CleanedRegistration> {
  const form = checkForm(deps, input);
  if (!form.errors.isEmpty && deps.rateLimiter.isCounting) form.errors.throwIfAny();
  await limitEmailRequest(deps, { address: input.fields.email ?? undefined, origin });
  const declared = await checkUniqueness(deps, input, form);
  form.errors.throwIfAny();
  const { username, email, firstName, lastName, password } = form;
  return { declared, username, email, firstName, lastName, password };
}

/** The username of an account whose USERNAME_FIELD is another field: unique, never typed. */
export function internalUsername(): string {
  return `user-${randomBytes(12).toString("hex")}`;
}

/**
 * Django's set-password rules: both required, equal, then the validators on the second one
 * against the user's attributes. Adds errors to `errors`; returns the password when clean.
 */
export function cleanNewPasswords(
  deps: Pick<Deps, "passwordPolicy">,
  errors: FieldErrors,
  passwords: { password1: string; password2: string },
  user: PasswordUserAttributes,
  names: { first: string; second: string },
): string | undefined {
  if (passwords.password1 === "") errors.add(names.first, MESSAGES.required());
  if (passwords.password2 === "") errors.add(names.second, MESSAGES.required());
  if (passwords.password1 === "" || passwords.password2 === "") return undefined;
  if (passwords.password1 !== passwords.password2) {
    errors.add(names.second, MESSAGES.passwordMismatch());
    return undefined;
  }
  const problems = deps.passwordPolicy.validate(passwords.password2, user);
  for (const detail of problems) errors.add(names.second, detail);
  return problems.length === 0 ? passwords.password2 : undefined;
}

/** The field error for a value a concurrent registration took after this one checked it. */
function takenFieldError(field: UniqueUserField, input: RegistrationInput): AccountsError {
  if (field === "username")
    return new AccountsError({ [input.argumentNames.username]: [MESSAGES.usernameTaken()] });
  return new AccountsError({ [input.argumentNames.email]: [MESSAGES.primaryEmailTaken()] });
}

/**
 * Creates the account. Throws AccountsError with RATE_LIMITED, field errors, EMAIL_IN_USE or
 * EMAIL_FAIL; sends the activation (or password-set) email once the account is committed, and
 * deletes it again when that send fails.
 */
export async function registerUser(
  deps: RegisterDeps,
  input: RegistrationInput,
  origin: RequestOrigin,
) {
  // Charged once the form is valid, before the uniqueness checks (cleanRegistration).
  const cleaned = await cleanRegistration(deps, input, origin);
  const passwordHash =
    cleaned.password === undefined
      ? makeUnusablePassword()
      : await deps.passwords.hash(cleaned.password, { caller: origin.ip });
  const newUser: NewUser = {
    username: cleaned.username,
    email: cleaned.email ?? "",
    passwordHash,
    firstName: cleaned.firstName,
    lastName: cleaned.lastName,
    dateJoined: deps.clock.now(),
    fieldColumns: newUserFieldColumns(deps.config, cleaned.declared),
  };
  let created: { user: User; emails: WrittenEmail[] };
  try {
    created = await deps.db.transaction().execute(async (tx) => {
      if (cleaned.email !== undefined) {
        await lockEmailAddress(tx, cleaned.email);
        // A concurrent registration that committed the same primary address since step 1 gets
        // the answer a sequential duplicate gets.
        if ((await findUserByEmail(tx, cleaned.email)) !== undefined) {
          throw new AccountsError({ [input.argumentNames.email]: [MESSAGES.primaryEmailTaken()] });
        }
        if (await isEmailTaken(tx, cleaned.email)) {
          throw new AccountsError({ [input.argumentNames.email]: [{ ...CATALOGUE.EMAIL_IN_USE }] });
        }
      }
      // No unique key covers look-alikes: the lock makes this check and the insert one step.
      await lockUsernameSkeleton(tx, cleaned.username);
      if ((await findLookAlikeUserIds(tx, cleaned.username)).length > 0) {
        throw new AccountsError({ [input.argumentNames.username]: [MESSAGES.usernameSimilar()] });
      }
      const id = await insertUser(tx, newUser);
      const inserted = await findUserById(tx, id);
      if (inserted === undefined) throw new Error("inserted user not found");
      await recordWebhookEvent(deps, tx, userEvent("user.registered", inserted));
      return { user: inserted, emails: await writeRegistrationEmails(deps, tx, inserted, origin) };
    });
  } catch (error) {
    const argumentOf = (field: { name: string }) =>
      input.declared?.find((given) => given.name === field.name)?.argument ?? field.name;
    const clash = declaredFieldClash(deps.config, error, argumentOf);
    if (clash !== undefined) throw clash;
    const taken = takenUserField(error);
    throw taken === undefined ? error : takenFieldError(taken, input);
  }
  const { user } = created;
  // A failed send deletes the account again: no user, no tokens (SPEC §5.1 step 5).
  await deliverWrittenEmails(deps, created.emails, async (tx) => {
    await deleteUser(tx, user.id);
    // The registration committed, so receivers may have seen it: they see its end too.
    await recordWebhookEvent(
      deps,
      tx,
      userEvent("user.deleted", user, { permanently: true, reason: "activation email failed" }),
    );
  });
  deps.events.emit("user_registered", { user });
  const canSignIn = deps.config.accounts.allowLoginNotVerified && cleaned.password !== undefined;
  if (!canSignIn) return { user, session: undefined };
  const sessionId = await startSession(deps, deps.db, user, origin);
  return {
    user,
    session: {
      access: issueAccessToken(deps, user, sessionId),
      refreshToken: refreshTokenMinter(deps, user.id, sessionId),
    },
  };
}

/**
 * SPEC §5.1 step 5. When two emails go out (passwordless registration), only the first is sent
 * by the request; the second is queued, so nothing that can fail runs after a successful send
 * and no mail is lost.
 */
async function writeRegistrationEmails(
  deps: RegisterDeps,
  tx: Deps["db"],
  user: User,
  origin: RequestOrigin,
): Promise<WrittenEmail[]> {
  if (user.email === "") return [];
  const accounts = deps.config.accounts;
  const emails: AccountEmail[] = [];
  if (accounts.sendActivationEmail) {
    emails.push({
      kind: "activation",
      to: user.email,
      user,
      token: actionToken(deps, "activation", user),
      origin,
    });
  }
  if (accounts.allowPasswordlessRegistration && accounts.sendPasswordSetEmail) {
    emails.push({
      kind: "passwordSet",
      to: user.email,
      user,
      token: actionToken(deps, "password_set", user),
      origin,
    });
  }
  const written: WrittenEmail[] = [];
  for (const [index, email] of emails.entries()) {
    const delivery = index === 0 ? emailDelivery(deps.config) : "queued";
    written.push(await writeAccountEmail(deps, tx, email, delivery));
  }
  return written;
}
