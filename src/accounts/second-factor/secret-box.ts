// TOTP secrets are stored encrypted, because unlike a password or a recovery code the server must
// read them back to check a code (OWASP Multifactor Authentication Cheat Sheet:
// https://cheatsheetseries.owasp.org/cheatsheets/Multifactor_Authentication_Cheat_Sheet.html).
// The key comes from TOTP_ENCRYPTION_KEY or SECRET_KEY; the user's id is the associated data.
import { openSecret, sealSecret, type SecretBoxUse } from "../secret-box.js";

function totpUse(userId: number): SecretBoxUse {
  return { label: "gatehouse totp secret v1", associatedData: `totp-secret:${String(userId)}` };
}

/** `v1.<nonce>.<tag>.<ciphertext>`, each base64url. */
export function encryptTotpSecret(keyMaterial: string, userId: number, secret: string): string {
  return sealSecret(keyMaterial, totpUse(userId), secret);
}

/** The secret, or undefined when it does not decrypt (other key, altered or copied row). */
export function decryptTotpSecret(
  keyMaterial: string,
  userId: number,
  stored: string,
): string | undefined {
  return openSecret(keyMaterial, totpUse(userId), stored);
}
