// sendSecondaryEmailActivation, verifySecondaryEmail, swapEmails, removeSecondaryEmail
// (SPEC §5.11–§5.13).
import type { Deps } from "../deps.js";
import { actionToken, readActionLink, spendActionLink } from "./tokens/action-links.js";
import { cleanEmailArgument } from "./email-verification.js";
import { AccountsError } from "./errors.js";
import { guardAccount } from "./guards.js";
import type { PasswordCheckOrigin } from "./passwords/checks.js";
import { emailDelivery, mailAccount, type AccountMailDeps } from "./mail/outbox.js";
import { limitEmailRequest } from "./rate-limits/limiter.js";
import type { RequestOrigin, User } from "./types.js";
import { findUserById } from "./users-store.js";
import { isEmailTaken, lockEmailAddress } from "./user-uniqueness-store.js";
import { swapUserEmails, updateUserStatus } from "./user-writes-store.js";
import { recordWebhookEvent, userEvent } from "./webhooks/events.js";

type SecondaryDeps = AccountMailDeps & Pick<Deps, "passwords">;

/**
 * Mails an activation link to the new address; nothing is stored until it is verified. Throws
 * the guard errors (the password check has limits of its own), a field error for a malformed
 * address, RATE_LIMITED, then EMAIL_IN_USE.
 */
export async function requestSecondaryEmail(
  deps: SecondaryDeps,
  viewer: User | undefined,
  input: { email: string; password: string },
  origin: RequestOrigin,
) {
  const user = await guardAccount(deps, viewer, {
    password: { value: input.password, argument: "password", origin },
  });
  const email = cleanEmailArgument(input.email);
  // Charged once the request could send mail, and before the lookup that says whether the
  // address is anyone's.
  await limitEmailRequest(deps, { address: email, origin });
  if (await isEmailTaken(deps.db, email)) throw AccountsError.of("EMAIL_IN_USE", "email");
  const token = actionToken(deps, "activation_secondary_email", user, { secondary_email: email });
  await mailAccount(
    deps,
    { kind: "secondaryEmailActivation", to: email, user, token, origin },
    emailDelivery(deps.config),
  );
}

/** Throws EXPIRED_TOKEN, INVALID_TOKEN, or EMAIL_IN_USE (as a non-field error). */
export async function verifySecondaryEmail(deps: SecondaryDeps, token: string) {
  const link = await readActionLink(deps, token, "activation_secondary_email");
  const { user, payload } = link;
  const email = payload.secondary_email;
  if (typeof email !== "string") throw AccountsError.of("INVALID_TOKEN");
  await deps.db.transaction().execute(async (tx) => {
    await lockEmailAddress(tx, email);
    if (await isEmailTaken(tx, email)) throw AccountsError.of("EMAIL_IN_USE");
    await spendActionLink(tx, link);
    await updateUserStatus(tx, user.id, { secondaryEmail: email });
  });
}

export async function swapEmails(
  deps: SecondaryDeps,
  viewer: User | undefined,
  password: string,
  origin: PasswordCheckOrigin,
) {
  const user = await guardAccount(deps, viewer, {
    requireSecondaryEmail: true,
    password: { value: password, argument: "password", origin },
  });
  await deps.db.transaction().execute(async (tx) => {
    await swapUserEmails(tx, user);
    const swapped = await findUserById(tx, user.id);
    if (swapped !== undefined)
      await recordWebhookEvent(deps, tx, userEvent("user.updated", swapped));
  });
}

export async function removeSecondaryEmail(
  deps: SecondaryDeps,
  viewer: User | undefined,
  password: string,
  origin: PasswordCheckOrigin,
) {
  const user = await guardAccount(deps, viewer, {
    requireSecondaryEmail: true,
    password: { value: password, argument: "password", origin },
  });
  await updateUserStatus(deps.db, user.id, { secondaryEmail: null });
}
