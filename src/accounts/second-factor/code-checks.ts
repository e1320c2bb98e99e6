// Checking a second-factor code is a guessing oracle like a password check (a six-digit code has
// a million values), so it is limited like one (issue 16): each check spends a sign-in attempt of
// the user (RATE_LIMIT_LOGIN_PER_IDENTIFIER, under their natural key, as passwords/checks.ts
// counts) and of the client (RATE_LIMIT_LOGIN_PER_IP) before anything is compared, and a request
// may have one code checked, so aliases cannot batch guesses. An accepted code is consumed: a TOTP
// step is accepted once (RFC 6238 §5.2), a recovery code once.
import type { Deps } from "../../deps.js";
import { AccountsError } from "../errors.js";
import { naturalKeyOf } from "../natural-key.js";
import { limitSignIn } from "../rate-limits/limiter.js";
import type { RequestOrigin, User } from "../types.js";
import { isRecoveryCodeShape, recoveryCodeDigest } from "./recovery-codes.js";
import { decryptTotpSecret } from "./secret-box.js";
import {
  recordUsedTotpStep,
  useRecoveryCode,
  type StoredTotpSecret,
} from "./second-factor-store.js";
import { isTotpCodeShape, matchingTimeStep } from "./totp.js";

export type CodeCheckDeps = Pick<Deps, "config" | "db" | "clock" | "rateLimiter">;
export type CodeCheckOrigin = Pick<RequestOrigin, "ip" | "codeChecks">;

/** How many codes a request may still have checked: one, created per request. */
export function oneCodeCheck(): { remaining: number } {
  return { remaining: 1 };
}

/**
 * Spends the request's one code check, then a sign-in attempt of the user and the client.
 * Throws OTP_CHECK_LIMIT or RATE_LIMITED; call it before comparing anything.
 */
export async function chargeCodeCheck(
  deps: Pick<Deps, "config" | "rateLimiter">,
  user: User,
  origin: CodeCheckOrigin,
): Promise<void> {
  const budget = origin.codeChecks;
  if (budget !== undefined) {
    if (budget.remaining <= 0) throw AccountsError.of("OTP_CHECK_LIMIT");
    budget.remaining -= 1;
  }
  await limitSignIn(deps, { identifier: naturalKeyOf(deps.config, user), origin });
}

/**
 * The stored secret in clear. A secret that no longer decrypts is the operator's problem (the key
 * changed), not the client's: it throws, so the request answers "Internal server error" and is
 * logged. Recovery codes still sign the user in, and staff can reset the second factor.
 */
export function readTotpSecret(
  deps: Pick<Deps, "config">,
  userId: number,
  stored: StoredTotpSecret,
): string {
  const secret = decryptTotpSecret(
    deps.config.secondFactor.encryptionKey,
    userId,
    stored.ciphertext,
  );
  if (secret === undefined) {
    throw new Error(
      `the TOTP secret of user ${String(userId)} does not decrypt: TOTP_ENCRYPTION_KEY or SECRET_KEY changed?`,
    );
  }
  return secret;
}

/**
 * Whether `code` is a current TOTP code of the user's confirmed secret, not accepted before, or
 * one of their unused recovery codes; consumes it when it is. Throws OTP_CHECK_LIMIT or
 * RATE_LIMITED before any comparison.
 */
export async function useSecondFactorCode(
  deps: CodeCheckDeps,
  user: User,
  stored: StoredTotpSecret,
  code: string,
  origin: CodeCheckOrigin,
): Promise<boolean> {
  await chargeCodeCheck(deps, user, origin);
  const now = deps.clock.now();
  if (isTotpCodeShape(code)) {
    const secret = readTotpSecret(deps, user.id, stored);
    const step = matchingTimeStep(secret, code, { now, lastUsedStep: stored.lastUsedStep });
    // The conditional write refuses the step when a concurrent request accepted it first.
    return step !== undefined && (await recordUsedTotpStep(deps.db, user.id, step));
  }
  if (!isRecoveryCodeShape(code)) return false;
  return useRecoveryCode(deps.db, {
    userId: user.id,
    digest: recoveryCodeDigest(code),
    usedAt: now,
  });
}
