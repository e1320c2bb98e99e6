// One-time sign-in links by email (issue 18, ALLOW_EMAIL_SIGN_IN): sendSignInEmail mails a link,
// signInWithEmailToken turns it into a session, as tokenAuth does with a password. A link is an
// action token (tokens/action-links.ts) bound to the password and the last "sign out everywhere",
// carrying the id of the user's sign_in_links row: only the newest link works, and using it
// deletes the row, so it works once, even when two requests present it at the same moment.
import { randomBytes } from "node:crypto";
import type { Deps } from "../deps.js";
import { cleanEmailArgument } from "./email-verification.js";
import { AccountsError, CATALOGUE } from "./errors.js";
import { deliverWrittenEmails, writeAccountEmail, type AccountMailDeps } from "./mail/outbox.js";
import { limitEmailRequest, limitTokenRequest } from "./rate-limits/limiter.js";
import { requireSecondFactor } from "./second-factor/sign-in.js";
import { openSession } from "./sessions.js";
import { actionToken, readActionLink } from "./tokens/action-links.js";
import { replaceSignInLink, spendSignInLink } from "./tokens/sign-in-links-store.js";
import { naturalKeyOf } from "./natural-key.js";
import type { RequestOrigin, User } from "./types.js";
import { recordSignInFailure } from "./webhooks/events.js";
import { findUserByEmail, findUserBySecondaryEmail } from "./users-store.js";

const LINK_ID_PATTERN = /^[0-9a-f]{32}$/;

/** The account an address signs in: its primary one, or a secondary one where those log in. */
async function findSignInUser(deps: Pick<Deps, "db" | "config">, email: string) {
  const user = await findUserByEmail(deps.db, email);
  if (user !== undefined || !deps.config.accounts.allowLoginWithSecondaryEmail) return user;
  return findUserBySecondaryEmail(deps.db, email);
}

/**
 * sendSignInEmail: mails a sign-in link to the address given when it belongs to an active
 * account. The answer is the same for every well-formed address (no enumeration, whatever
 * PREVENT_USER_ENUMERATION says): the mail is always queued, so a failing mail server cannot
 * tell known addresses apart either. Throws a field error for a malformed address, then
 * RATE_LIMITED (counted per address and per client before the lookup).
 */
export async function requestSignInEmail(
  deps: AccountMailDeps,
  rawEmail: string,
  origin: RequestOrigin,
): Promise<void> {
  // A malformed address can get no mail: refused uncharged, as it reveals nothing.
  const email = cleanEmailArgument(rawEmail);
  await limitEmailRequest(deps, { address: email, origin });
  const user = await findSignInUser(deps, email);
  if (user === undefined || !user.isActive) return;
  const linkId = randomBytes(16).toString("hex");
  const token = actionToken(deps, "sign_in", user, { lid: linkId });
  const written = await deps.db.transaction().execute(async (tx) => {
    await replaceSignInLink(tx, { userId: user.id, linkId, createdAt: deps.clock.now() });
    return writeAccountEmail(
      deps,
      tx,
      { kind: "signIn", to: email, user, token, origin },
      "queued",
    );
  });
  await deliverWrittenEmails(deps, [written]);
}

type SignInDeps = Pick<
  Deps,
  "config" | "db" | "clock" | "accessTokens" | "events" | "rateLimiter" | "passwords"
>;

type Client = Pick<RequestOrigin, "ip" | "userAgent" | "codeChecks">;

/**
 * signInWithEmailToken: a session for the link's user, as tokenAuth makes one. The address has
 * just been proven, so an unverified account becomes verified; an archived one is un-archived,
 * as after a right password. A user whose second factor is on gives a code too (OTP_REQUIRED,
 * INVALID_OTP), checked before the link is spent, so the link survives a forgotten code. Throws
 * RATE_LIMITED (the check counts as a token check), EXPIRED_TOKEN or INVALID_TOKEN (also for a
 * link used, retired by a newer one or by a new password, or of a deactivated account).
 */
export async function signInWithEmailToken(
  deps: SignInDeps,
  token: string,
  otp: string | null | undefined,
  client: Client,
) {
  await limitTokenRequest(deps, client);
  let linkUser: User | undefined;
  try {
    const { user, payload } = await readActionLink(deps, token, "sign_in");
    linkUser = user;
    const linkId = payload.lid;
    if (typeof linkId !== "string" || !LINK_ID_PATTERN.test(linkId) || !user.isActive) {
      throw AccountsError.of("INVALID_TOKEN");
    }
    await requireSecondFactor(deps, user, otp, client);
    return await openSession(deps, user, client, {
      method: "email_link",
      verifies: true,
      alsoInTx: async (tx) => {
        if (!(await spendSignInLink(tx, user.id, linkId))) {
          throw AccountsError.of("INVALID_TOKEN");
        }
      },
    });
  } catch (error) {
    const isRefusal =
      error instanceof AccountsError &&
      (error.hasCode(CATALOGUE.INVALID_TOKEN.code) || error.hasCode(CATALOGUE.EXPIRED_TOKEN.code));
    if (isRefusal) {
      // The link's user when it was ours and current (used, retired by a newer one, of a
      // deactivated account): a link presented twice may have been read by someone else.
      await recordSignInFailure(deps, linkUser, {
        method: "email_link",
        ip: client.ip,
        identifier: linkUser === undefined ? "" : naturalKeyOf(deps.config, linkUser),
      });
    }
    throw error;
  }
}
