// sendPasswordResetEmail, passwordReset and passwordSet (SPEC §5.4–§5.6).
import type { Deps } from "../deps.js";
import {
  actionToken,
  readActionLink,
  spendActionLink,
  type TokenAction,
} from "./tokens/action-links.js";
import { cleanEmailArgument, findUserByAnyEmail } from "./email-verification.js";
import { AccountsError, FieldErrors } from "./errors.js";
import { emailDelivery, mailAccount, type AccountMailDeps } from "./mail/outbox.js";
import { isUsablePassword } from "./passwords/hasher.js";
import { limitEmailRequest } from "./rate-limits/limiter.js";
import { cleanNewPasswords } from "./registration.js";
import { endAllSessions } from "./tokens/revocation.js";
import type { RequestOrigin, User } from "./types.js";
import { updateUser, updateUserStatus } from "./user-writes-store.js";
import { recordWebhookEvent, userEvent } from "./webhooks/events.js";

type ResetDeps = AccountMailDeps & Pick<Deps, "passwords" | "passwordPolicy">;

/**
 * Mails a reset link to the address given (primary or secondary). Unknown addresses and
 * inactive accounts get the same answer and no mail. Throws a field error for a malformed
 * address, then RATE_LIMITED (counted before the lookup, whether or not the address has an
 * account).
 */
export async function requestPasswordReset(
  deps: ResetDeps,
  rawEmail: string,
  origin: RequestOrigin,
) {
  // A malformed address can get no mail: refused uncharged, as it reveals nothing.
  const email = cleanEmailArgument(rawEmail);
  await limitEmailRequest(deps, { address: email, origin });
  const user = await findUserByAnyEmail(deps, email);
  const delivery = deps.config.accounts.preventUserEnumeration
    ? "queued"
    : emailDelivery(deps.config);
  if (user === undefined || !user.isActive) {
    // A known address waits for its mail to be sent; an unknown one must not answer faster.
    if (delivery === "now") await deps.outbox.delayLikeDelivery();
    return;
  }
  const token = actionToken(deps, "password_reset", user);
  await mailAccount(deps, { kind: "passwordReset", to: email, user, token, origin }, delivery);
}

export interface NewPasswordInput {
  token: string;
  newPassword1: string;
  newPassword2: string;
}

function passwordAttributes(user: User) {
  return {
    username: user.username,
    first_name: user.firstName,
    last_name: user.lastName,
    email: user.email,
  };
}

/** Validates the two new passwords against the user; field errors under newPassword1/2. */
export function cleanPasswordPair(
  deps: Pick<Deps, "passwordPolicy">,
  user: User,
  pair: { newPassword1: string; newPassword2: string },
): string {
  const errors = new FieldErrors();
  const password = cleanNewPasswords(
    deps,
    errors,
    { password1: pair.newPassword1, password2: pair.newPassword2 },
    passwordAttributes(user),
    { first: "newPassword1", second: "newPassword2" },
  );
  errors.throwIfAny();
  if (password === undefined) throw new Error("clean passwords expected");
  return password;
}

/**
 * Sets a new password from a token, revokes every session and marks the user verified.
 * Throws EXPIRED_TOKEN / INVALID_TOKEN (before any password error), field errors, or
 * PASSWORD_ALREADY_SET for passwordSet.
 */
async function setPasswordFromToken(deps: ResetDeps, input: NewPasswordInput, action: TokenAction) {
  const link = await readActionLink(deps, input.token, action);
  const { user } = link;
  const password = cleanPasswordPair(deps, user, input);
  if (action === "password_set" && isUsablePassword(user.passwordHash)) {
    throw AccountsError.of("PASSWORD_ALREADY_SET");
  }
  const passwordHash = await deps.passwords.hash(password);
  await deps.db.transaction().execute(async (tx) => {
    await spendActionLink(tx, link);
    await endAllSessions(deps, tx, user);
    await updateUser(tx, user.id, { passwordHash });
    const verified = { ...user, status: { ...user.status, verified: true } };
    if (!user.status.verified) {
      await updateUserStatus(tx, user.id, { verified: true });
      await recordWebhookEvent(deps, tx, userEvent("user.verified", verified));
    }
    await recordWebhookEvent(
      deps,
      tx,
      userEvent("user.password_changed", verified, { by: action }),
    );
  });
  if (!user.status.verified) {
    deps.events.emit("user_verified", {
      user: { ...user, status: { ...user.status, verified: true } },
    });
  }
}

export function resetPassword(deps: ResetDeps, input: NewPasswordInput) {
  return setPasswordFromToken(deps, input, "password_reset");
}

export function setPassword(deps: ResetDeps, input: NewPasswordInput) {
  return setPasswordFromToken(deps, input, "password_set");
}
