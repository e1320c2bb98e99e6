// TOTP (RFC 6238) through the `otpauth` library (docs/decisions/0007-totp-library.md): the
// parameters every authenticator app supports (HMAC-SHA1, 6 digits, 30-second steps), secrets of
// 160 bits (RFC 4226 §4 R6), and a check that accepts a step at most once. Codes of the step
// before and after the current one are accepted too (RFC 6238 §5.2: one step of clock drift).
import { HOTP, Secret, TOTP } from "otpauth";

const ALGORITHM = "SHA1";
const DIGITS = 6;
const PERIOD_SECONDS = 30;
const SECRET_BYTES = 20;
const DRIFT_STEPS = 1;

/** A new random secret, base32 as authenticator apps take it (node:crypto's random bytes). */
export function newTotpSecret(): string {
  return new Secret({ size: SECRET_BYTES }).base32;
}

/** The otpauth:// URL an authenticator app reads (from a QR code): issuer and account label. */
export function totpUrl(secret: string, names: { issuer: string; label: string }): string {
  return new TOTP({
    issuer: names.issuer,
    label: names.label,
    secret: Secret.fromBase32(secret),
    algorithm: ALGORITHM,
    digits: DIGITS,
    period: PERIOD_SECONDS,
  }).toString();
}

/** Whether the text looks like a TOTP code (six digits, spaces ignored) rather than a recovery code. */
export function isTotpCodeShape(code: string): boolean {
  return /^\d{6}$/.test(code.replace(/\s/g, ""));
}

/** The time step `now` falls in: the number of periods since the Unix epoch. */
export function timeStepAt(now: Date): number {
  return TOTP.counter({ period: PERIOD_SECONDS, timestamp: now.getTime() });
}

/**
 * The step `code` is the code of, among the current one and one step either side, skipping
 * steps at or before `lastUsedStep` (a code already accepted, or an older one); undefined when
 * none matches. The library compares in constant time.
 */
export function matchingTimeStep(
  secret: string,
  code: string,
  options: { now: Date; lastUsedStep: number | null },
): number | undefined {
  const token = code.replace(/\s/g, "");
  if (!/^\d{6}$/.test(token)) return undefined;
  const current = timeStepAt(options.now);
  const key = Secret.fromBase32(secret);
  const candidates = [current];
  for (let offset = 1; offset <= DRIFT_STEPS; offset += 1)
    candidates.push(current - offset, current + offset);
  return candidates.find(
    (step) =>
      (options.lastUsedStep === null || step > options.lastUsedStep) &&
      HOTP.validate({
        token,
        secret: key,
        algorithm: ALGORITHM,
        digits: DIGITS,
        counter: step,
        window: 0,
      }) !== null,
  );
}
