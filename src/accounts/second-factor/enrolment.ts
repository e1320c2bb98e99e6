// Turning the second factor on and off (issue 16): setupTotp hands out a new secret, confirmTotp
// activates it with a code of that secret and returns the recovery codes, disableTotp and
// regenerateRecoveryCodes need the password and a code. Secrets and recovery codes are shown once:
// a secret leaves the server only in setupTotp's answer, codes only when they are made.
import type { Deps } from "../../deps.js";
import { AccountsError } from "../errors.js";
import { guardAccount } from "../guards.js";
import { naturalKeyOf } from "../natural-key.js";
import type { RequestOrigin, User } from "../types.js";
import {
  chargeCodeCheck,
  readTotpSecret,
  useSecondFactorCode,
  type CodeCheckDeps,
} from "./code-checks.js";
import { newRecoveryCodes, recoveryCodeDigest } from "./recovery-codes.js";
import { encryptTotpSecret } from "./secret-box.js";
import {
  confirmTotpSecret,
  deleteSecondFactor,
  findTotpSecret,
  replaceRecoveryCodes,
  upsertPendingTotpSecret,
  type StoredTotpSecret,
} from "./second-factor-store.js";
import { matchingTimeStep, newTotpSecret, totpUrl } from "./totp.js";
import { recordWebhookEvent, userEvent } from "../webhooks/events.js";

type EnrolmentDeps = CodeCheckDeps & Pick<Deps, "passwords">;
type PasswordAndCodeOrigin = Pick<RequestOrigin, "ip" | "passwordChecks" | "codeChecks">;

/**
 * A new pending secret (replacing one not yet confirmed) and its otpauth:// URL; sign-in is
 * unchanged until confirmTotp. Throws the guard errors (login, verified, password: rate-limited
 * like sign-in) or TOTP_ALREADY_ENABLED.
 */
export async function setupTotp(
  deps: EnrolmentDeps,
  viewer: User | undefined,
  password: string,
  origin: PasswordAndCodeOrigin,
): Promise<{ secret: string; otpauthUrl: string }> {
  const user = await guardAccount(deps, viewer, {
    password: { value: password, argument: "password", origin },
  });
  if ((await findTotpSecret(deps.db, user.id))?.confirmedAt !== undefined)
    throw AccountsError.of("TOTP_ALREADY_ENABLED");
  const secret = newTotpSecret();
  const isStored = await upsertPendingTotpSecret(deps.db, {
    userId: user.id,
    ciphertext: encryptTotpSecret(deps.config.secondFactor.encryptionKey, user.id, secret),
    createdAt: deps.clock.now(),
  });
  if (!isStored) throw AccountsError.of("TOTP_ALREADY_ENABLED");
  const label = naturalKeyOf(deps.config, user) || user.email;
  return {
    secret,
    otpauthUrl: totpUrl(secret, { issuer: deps.config.secondFactor.totpIssuer, label }),
  };
}

/**
 * Activates the pending secret with one of its current codes; returns the recovery codes (shown
 * this once). Throws UNAUTHENTICATED, NOT_VERIFIED, TOTP_NOT_SET_UP, TOTP_ALREADY_ENABLED,
 * OTP_CHECK_LIMIT, RATE_LIMITED or INVALID_OTP (under `code`).
 */
export async function confirmTotp(
  deps: EnrolmentDeps,
  viewer: User | undefined,
  code: string,
  origin: PasswordAndCodeOrigin,
): Promise<{ recoveryCodes: string[] }> {
  const user = await guardAccount(deps, viewer);
  const stored = await findTotpSecret(deps.db, user.id);
  if (stored === undefined) throw AccountsError.of("TOTP_NOT_SET_UP");
  if (stored.confirmedAt !== undefined) throw AccountsError.of("TOTP_ALREADY_ENABLED");
  await chargeCodeCheck(deps, user, origin);
  const now = deps.clock.now();
  const secret = readTotpSecret(deps, user.id, stored);
  const step = matchingTimeStep(secret, code, { now, lastUsedStep: null });
  if (step === undefined) throw AccountsError.of("INVALID_OTP", "code");
  const recoveryCodes = newRecoveryCodes();
  const isConfirmed = await deps.db.transaction().execute(async (tx) => {
    const confirmation = { userId: user.id, ciphertext: stored.ciphertext, confirmedAt: now, step };
    // A concurrent setupTotp may have put another secret in place: this code is not its code.
    if (!(await confirmTotpSecret(tx, confirmation))) return false;
    await replaceRecoveryCodes(tx, {
      userId: user.id,
      digests: recoveryCodes.map(recoveryCodeDigest),
      createdAt: now,
    });
    await recordWebhookEvent(deps, tx, userEvent("totp.enabled", user));
    return true;
  });
  if (!isConfirmed) throw AccountsError.of("INVALID_OTP", "code");
  return { recoveryCodes };
}

/** The guards, then a code (TOTP or recovery) of the active second factor, consumed. */
async function confirmWithCode(
  deps: EnrolmentDeps,
  viewer: User | undefined,
  input: { password: string; code: string },
  origin: PasswordAndCodeOrigin,
): Promise<{ user: User; stored: StoredTotpSecret }> {
  const user = await guardAccount(deps, viewer, {
    password: { value: input.password, argument: "password", origin },
  });
  const stored = await findTotpSecret(deps.db, user.id);
  if (stored?.confirmedAt === undefined) throw AccountsError.of("TOTP_NOT_ENABLED");
  if (!(await useSecondFactorCode(deps, user, stored, input.code, origin)))
    throw AccountsError.of("INVALID_OTP", "code");
  return { user, stored };
}

/**
 * Turns the second factor off: secret and recovery codes deleted. Throws the guard errors
 * (password included), TOTP_NOT_ENABLED, OTP_CHECK_LIMIT, RATE_LIMITED or INVALID_OTP.
 */
export async function disableTotp(
  deps: EnrolmentDeps,
  viewer: User | undefined,
  input: { password: string; code: string },
  origin: PasswordAndCodeOrigin,
): Promise<void> {
  const { user } = await confirmWithCode(deps, viewer, input, origin);
  await deps.db.transaction().execute(async (tx) => {
    await deleteSecondFactor(tx, user.id);
    await recordWebhookEvent(deps, tx, userEvent("totp.disabled", user, { by: "user" }));
  });
}

/**
 * Ten new recovery codes in place of every old one (used or not), shown this once. Throws as
 * disableTotp does.
 */
export async function regenerateRecoveryCodes(
  deps: EnrolmentDeps,
  viewer: User | undefined,
  input: { password: string; code: string },
  origin: PasswordAndCodeOrigin,
): Promise<{ recoveryCodes: string[] }> {
  const { user } = await confirmWithCode(deps, viewer, input, origin);
  const recoveryCodes = newRecoveryCodes();
  await deps.db.transaction().execute(async (tx) => {
    await replaceRecoveryCodes(tx, {
      userId: user.id,
      digests: recoveryCodes.map(recoveryCodeDigest),
      createdAt: deps.clock.now(),
    });
  });
  return { recoveryCodes };
}
