// updateAccount, archiveAccount and deleteAccount (SPEC §5.8–§5.10).
import type { Deps } from "../deps.js";
import { actionToken } from "./tokens/action-links.js";
import { AccountsError, FieldErrors, MESSAGES } from "./errors.js";
import {
  cleanSubmittedFields,
  declaredField,
  declaredFieldClash,
  fieldColumnsOf,
  fieldValues,
} from "./fields/user-fields.js";
import { guardAccount } from "./guards.js";
import type { PasswordCheckOrigin } from "./passwords/checks.js";
import {
  deliverWrittenEmails,
  emailDelivery,
  writeAccountEmail,
  type AccountMailDeps,
  type WrittenEmail,
} from "./mail/outbox.js";
import { limitEmailRequest } from "./rate-limits/limiter.js";
import { endAllSessions } from "./tokens/revocation.js";
import type { RequestOrigin, User } from "./types.js";
import { findUserById } from "./users-store.js";
import {
  findLookAlikeUserIds,
  isEmailTaken,
  isUsernameTaken,
  lockEmailAddress,
  takenUserField,
} from "./user-uniqueness-store.js";
import { deleteUser, updateUser, updateUserStatus, type UserChanges } from "./user-writes-store.js";
import { cleanEmail, cleanUsername, nameErrors, usernameSkeleton } from "./validation.js";
import { recordWebhookEvent, userEvent } from "./webhooks/events.js";

export const UPDATABLE_FIELDS = ["first_name", "last_name", "username", "email"] as const;
export type UpdatableField = (typeof UPDATABLE_FIELDS)[number];

export interface AccountUpdate {
  /** Only supplied, non-null values change (SPEC §5.8 [FIX]: partial update). */
  fields: Partial<Record<UpdatableField, string | null | undefined>>;
  argumentNames: Record<UpdatableField, string>;
  /**
   * The declared fields (USER_FIELDS) the request named, as sent: present ones change, and an
   * explicit null empties the field (its empty value, or `required` unless blank).
   */
  declared?: readonly { name: string; raw: unknown; argument: string }[];
}

type SettingsDeps = AccountMailDeps & Pick<Deps, "passwords">;

async function cleanUpdate(
  deps: SettingsDeps,
  user: User,
  update: AccountUpdate,
): Promise<UserChanges> {
  const errors = new FieldErrors();
  const changes: UserChanges = {};
  const { fields, argumentNames: names } = update;
  for (const [field, key] of [
    ["first_name", "firstName"],
    ["last_name", "lastName"],
  ] as const) {
    const value = fields[field];
    if (value === undefined || value === null) continue;
    const name = value.trim();
    for (const detail of nameErrors(name)) errors.add(names[field], detail);
    changes[key] = name;
  }
  if (typeof fields.username === "string") {
    const username = cleanUsername(fields.username, errors, names.username);
    if (
      !errors.has(names.username) &&
      username.toLowerCase() !== user.username.toLowerCase() &&
      (await isUsernameTaken(deps.db, username))
    ) {
      errors.add(names.username, MESSAGES.usernameTaken());
    } else if (
      !errors.has(names.username) &&
      // Respelling one's own name (a case variant) brings it no closer to anyone else's.
      usernameSkeleton(username) !== usernameSkeleton(user.username) &&
      (await findLookAlikeUserIds(deps.db, username)).some((id) => id !== user.id)
    ) {
      errors.add(names.username, MESSAGES.usernameSimilar());
    }
    changes.username = username;
  }
  if (typeof fields.email === "string") {
    const email = cleanEmail(fields.email, errors, names.email);
    if (
      !errors.has(names.email) &&
      email.toLowerCase() !== user.email.toLowerCase() &&
      (await isEmailTaken(deps.db, email))
    ) {
      errors.add(names.email, MESSAGES.primaryEmailTaken());
    }
    changes.email = email;
  }
  const declared = await cleanSubmittedFields(
    deps,
    errors,
    (update.declared ?? []).flatMap(({ name, raw, argument }) => {
      const field = declaredField(deps.config, name);
      return field === undefined ? [] : [{ field, raw, argument }];
    }),
    { exceptUserId: user.id },
  );
  if (Object.keys(declared).length > 0)
    changes.fieldColumns = fieldColumnsOf(deps.config, declared);
  errors.throwIfAny();
  return changes;
}

/** The field error for a unique value a concurrent write took after it was checked. */
function updateClash(deps: SettingsDeps, update: AccountUpdate, error: unknown) {
  const argumentOf = (field: { name: string }) =>
    update.declared?.find((given) => given.name === field.name)?.argument ?? field.name;
  const clash = declaredFieldClash(deps.config, error, argumentOf);
  if (clash !== undefined) return clash;
  const taken = takenUserField(error);
  if (taken === "username")
    return new AccountsError({ [update.argumentNames.username]: [MESSAGES.usernameTaken()] });
  if (taken === "email")
    return new AccountsError({ [update.argumentNames.email]: [MESSAGES.primaryEmailTaken()] });
  return undefined;
}

/**
 * Throws UNAUTHENTICATED, NOT_VERIFIED, field errors or RATE_LIMITED. A changed email needs
 * verifying again, so it is mailed an activation link: a mail request like the others.
 */
export async function updateAccount(
  deps: SettingsDeps,
  viewer: User | undefined,
  update: AccountUpdate,
  origin: RequestOrigin,
) {
  const user = await guardAccount(deps, viewer);
  const changes = await cleanUpdate(deps, user, update);
  const isEmailChanged = changes.email !== undefined && changes.email !== user.email;
  if (isEmailChanged && deps.config.accounts.sendActivationEmail) {
    await limitEmailRequest(deps, { address: changes.email, origin });
  }
  let emails: WrittenEmail[];
  try {
    emails = await deps.db.transaction().execute(async (tx) => {
      if (isEmailChanged && changes.email !== undefined) {
        await lockEmailAddress(tx, changes.email);
        if (
          changes.email.toLowerCase() !== user.email.toLowerCase() &&
          (await isEmailTaken(tx, changes.email))
        ) {
          throw new AccountsError({ [update.argumentNames.email]: [MESSAGES.primaryEmailTaken()] });
        }
      }
      await updateUser(tx, user.id, changes);
      if (isEmailChanged) await updateUserStatus(tx, user.id, { verified: false });
      const updated = await findUserById(tx, user.id);
      if (updated !== undefined) {
        await recordWebhookEvent(deps, tx, userEvent("user.updated", updated));
      }
      if (!isEmailChanged) return [];
      if (updated === undefined || !deps.config.accounts.sendActivationEmail) return [];
      const token = actionToken(deps, "activation", updated);
      const activation = await writeAccountEmail(
        deps,
        tx,
        { kind: "activation", to: updated.email, user: updated, token, origin },
        emailDelivery(deps.config),
      );
      return [activation];
    });
  } catch (error) {
    throw updateClash(deps, update, error) ?? error;
  }
  // A failed send puts the account back as it was, as the reference's rollback did.
  await deliverWrittenEmails(deps, emails, async (tx) => {
    await updateUser(tx, user.id, {
      username: user.username,
      email: user.email,
      firstName: user.firstName,
      lastName: user.lastName,
      fieldColumns: fieldColumnsOf(deps.config, fieldValues(deps.config, user)),
    });
    await updateUserStatus(tx, user.id, { verified: user.status.verified });
    // Receivers may have seen the change already: tell them it is undone.
    await recordWebhookEvent(deps, tx, userEvent("user.updated", user));
  });
}

/** Throws the guard errors (with `password`). Revokes every session; login un-archives. */
export async function archiveAccount(
  deps: SettingsDeps,
  viewer: User | undefined,
  password: string,
  origin: PasswordCheckOrigin,
) {
  const user = await guardAccount(deps, viewer, {
    password: { value: password, argument: "password", origin },
  });
  await deps.db.transaction().execute(async (tx) => {
    await updateUserStatus(tx, user.id, { archived: true });
    await endAllSessions(deps, tx, user);
    await recordWebhookEvent(
      deps,
      tx,
      userEvent("user.archived", { ...user, status: { ...user.status, archived: true } }),
    );
  });
}

/** Deactivates (or, with ALLOW_DELETE_ACCOUNT, deletes) the caller's account. */
export async function deleteAccount(
  deps: SettingsDeps,
  viewer: User | undefined,
  password: string,
  origin: PasswordCheckOrigin,
) {
  const user = await guardAccount(deps, viewer, {
    password: { value: password, argument: "password", origin },
  });
  await deps.db.transaction().execute(async (tx) => {
    await endAllSessions(deps, tx, user);
    const permanently = deps.config.accounts.allowDeleteAccount;
    if (permanently) await deleteUser(tx, user.id);
    else await updateUser(tx, user.id, { isActive: false });
    await recordWebhookEvent(
      deps,
      tx,
      userEvent("user.deleted", { ...user, isActive: false }, { permanently }),
    );
  });
}
