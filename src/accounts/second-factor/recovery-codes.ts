// Recovery codes: ten single-use codes a user keeps for the day the authenticator is lost. Each
// is 10 random base32 characters (50 bits) shown as two groups of five; only a SHA-256 digest is
// stored (tokens/secrets.ts), and the sign-in rate limits bound guessing.
import { randomBytes } from "node:crypto";
import { digestSecret } from "../tokens/secrets.js";

export const RECOVERY_CODE_COUNT = 10;
const CODE_LENGTH = 10;
// RFC 4648 base32: no 0/1/8/9, so a code read aloud or copied by hand is not misread as O/I/B/g.
const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

function newRecoveryCode(): string {
  // 32 symbols divide 256, so taking each byte modulo 32 is unbiased.
  const characters = [...randomBytes(CODE_LENGTH)].map((byte) => ALPHABET[byte % 32] ?? "A");
  return `${characters.slice(0, 5).join("")}-${characters.slice(5).join("")}`;
}

/** Ten new codes, as shown to the user (once). */
export function newRecoveryCodes(): string[] {
  return Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
}

/** The stored digest of a code as typed: case, spaces and the dash do not matter. */
export function recoveryCodeDigest(code: string): string {
  return digestSecret(code.replace(/[\s-]/g, "").toUpperCase());
}

/** Whether the text could be a recovery code at all (so a typo costs no database lookup). */
export function isRecoveryCodeShape(code: string): boolean {
  return /^[A-Z2-7]{10}$/.test(code.replace(/[\s-]/g, "").toUpperCase());
}
