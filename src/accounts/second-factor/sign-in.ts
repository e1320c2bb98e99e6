// The second step of tokenAuth (and of the admin login), once the password matched: a user whose
// TOTP second factor is on must also give a current code or an unused recovery code.
import type { Deps } from "../../deps.js";
import { AccountsError } from "../errors.js";
import { naturalKeyOf } from "../natural-key.js";
import type { User } from "../types.js";
import { useSecondFactorCode, type CodeCheckDeps, type CodeCheckOrigin } from "./code-checks.js";
import { findTotpSecret } from "./second-factor-store.js";
import { recordSignInFailure } from "../webhooks/events.js";

/**
 * Returns when the user has no confirmed second factor or `otp` is a code of it (consumed).
 * Throws OTP_REQUIRED (no code given), INVALID_OTP, OTP_CHECK_LIMIT or RATE_LIMITED (the code
 * counts as a sign-in attempt of the user and the client, checked before it is compared).
 */
export async function requireSecondFactor(
  deps: CodeCheckDeps & Pick<Deps, "events">,
  user: User,
  otp: string | null | undefined,
  origin: CodeCheckOrigin,
): Promise<void> {
  const stored = await findTotpSecret(deps.db, user.id);
  if (stored?.confirmedAt === undefined) return;
  if (otp === undefined || otp === null || otp.trim() === "")
    throw AccountsError.of("OTP_REQUIRED");
  if (!(await useSecondFactorCode(deps, user, stored, otp, origin))) {
    await recordSignInFailure(deps, user, {
      method: "second_factor",
      ip: origin.ip,
      identifier: naturalKeyOf(deps.config, user),
    });
    throw AccountsError.of("INVALID_OTP");
  }
}
