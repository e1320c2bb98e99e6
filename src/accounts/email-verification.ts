// verifyAccount and resendActivationEmail (SPEC §5.2, §5.3).
import type { Deps } from "../deps.js";
import { readActionLink, actionToken } from "./tokens/action-links.js";
import { AccountsError, FieldErrors } from "./errors.js";
import { emailDelivery, mailAccount, type AccountMailDeps } from "./mail/outbox.js";
import { limitEmailRequest } from "./rate-limits/limiter.js";
import type { RequestOrigin, User } from "./types.js";
import { findUserByEmail, findUserBySecondaryEmail } from "./users-store.js";
import { updateUserStatus } from "./user-writes-store.js";
import { cleanEmail, EMAIL_ARGUMENT_MAX_LENGTH } from "./validation.js";
import { recordWebhookEvent, userEvent } from "./webhooks/events.js";

type VerificationDeps = AccountMailDeps;

/** Throws EXPIRED_TOKEN, INVALID_TOKEN or ALREADY_VERIFIED. */
export async function verifyEmail(deps: VerificationDeps, token: string): Promise<User> {
  const { user } = await readActionLink(deps, token, "activation");
  if (user.status.verified) throw AccountsError.of("ALREADY_VERIFIED");
  const verified = { ...user, status: { ...user.status, verified: true } };
  await deps.db.transaction().execute(async (tx) => {
    await updateUserStatus(tx, user.id, { verified: true });
    await recordWebhookEvent(deps, tx, userEvent("user.verified", verified));
  });
  deps.events.emit("user_verified", { user: verified });
  return verified;
}

/** The validated address of a stand-alone email argument; field errors under `email`. */
export function cleanEmailArgument(raw: string, argument = "email"): string {
  const errors = new FieldErrors();
  const email = cleanEmail(raw, errors, argument, EMAIL_ARGUMENT_MAX_LENGTH);
  errors.throwIfAny();
  return email;
}

export async function findUserByAnyEmail(
  deps: Pick<Deps, "db">,
  email: string,
): Promise<User | undefined> {
  return (
    (await findUserByEmail(deps.db, email)) ?? (await findUserBySecondaryEmail(deps.db, email))
  );
}

/**
 * Mails a new activation link to the primary address. With PREVENT_USER_ENUMERATION the
 * answer is the same whatever the account's state, and the mail is queued. Throws a field
 * error for a malformed address, then RATE_LIMITED (counted before the lookup, whether or not
 * the address has an account).
 */
export async function resendActivationEmail(
  deps: VerificationDeps,
  rawEmail: string,
  origin: RequestOrigin,
) {
  // A malformed address can get no mail: refused uncharged, as it reveals nothing.
  const email = cleanEmailArgument(rawEmail);
  await limitEmailRequest(deps, { address: email, origin });
  const user = await findUserByAnyEmail(deps, email);
  const isHidden = deps.config.accounts.preventUserEnumeration;
  const delivery = isHidden ? "queued" : emailDelivery(deps.config);
  // An address that gets its mail waits for the send; one that does not must not answer faster.
  const answerLikeASend = async () => {
    if (delivery === "now") await deps.outbox.delayLikeDelivery();
  };
  if (user === undefined) return answerLikeASend();
  if (user.status.verified) {
    if (isHidden) return;
    throw AccountsError.of("ALREADY_VERIFIED", "email");
  }
  if (!user.isActive && isHidden) return;
  const token = actionToken(deps, "activation", user);
  await mailAccount(
    deps,
    { kind: "activationResend", to: user.email, user, token, origin },
    delivery,
  );
}
