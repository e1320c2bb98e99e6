// TOTP secrets are stored encrypted, because unlike a password or a recovery code the server must
// read them back to check a code, so a digest cannot stand in for them (OWASP Multifactor
// Authentication Cheat Sheet: https://cheatsheetseries.owasp.org/cheatsheets/Multifactor_Authentication_Cheat_Sheet.html).
// AES-256-GCM with a fresh 96-bit nonce per secret (NIST SP 800-38D); the key is derived with
// HKDF-SHA256 (RFC 5869) from TOTP_ENCRYPTION_KEY or SECRET_KEY, under a label of its own, so it
// is not the key that signs action links. The user's id is authenticated data: a ciphertext
// copied onto another user's row does not decrypt.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";

const VERSION = "v1";
const KEY_LABEL = "gatehouse totp secret v1";
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

function keyFrom(keyMaterial: string): Buffer {
  return Buffer.from(hkdfSync("sha256", keyMaterial, Buffer.alloc(0), KEY_LABEL, 32));
}

function associatedData(userId: number): Buffer {
  return Buffer.from(`totp-secret:${String(userId)}`, "utf8");
}

/** `v1.<nonce>.<tag>.<ciphertext>`, each base64url. */
export function encryptTotpSecret(keyMaterial: string, userId: number, secret: string): string {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv("aes-256-gcm", keyFrom(keyMaterial), nonce, {
    authTagLength: TAG_BYTES,
  });
  cipher.setAAD(associatedData(userId));
  const ciphertext = Buffer.concat([cipher.update(secret, "utf8"), cipher.final()]);
  return [VERSION, nonce, cipher.getAuthTag(), ciphertext]
    .map((part) => (typeof part === "string" ? part : part.toString("base64url")))
    .join(".");
}

/**
 * The secret, or undefined when the stored text does not decrypt under this key (the key was
 * changed, or the row was tampered with or copied from another user).
 */
export function decryptTotpSecret(
  keyMaterial: string,
  userId: number,
  stored: string,
): string | undefined {
  const [version, nonce, tag, ciphertext, ...rest] = stored.split(".");
  if (version !== VERSION || nonce === undefined || tag === undefined || ciphertext === undefined)
    return undefined;
  if (rest.length > 0) return undefined;
  const parts = [nonce, tag, ciphertext].map((part) => Buffer.from(part, "base64url"));
  // Node decodes leniently (unused trailing bits, stray characters): accept only the one spelling
  // encryptTotpSecret writes.
  if (parts.some((bytes, index) => bytes.toString("base64url") !== [nonce, tag, ciphertext][index]))
    return undefined;
  const [nonceBytes, tagBytes, ciphertextBytes] = parts as [Buffer, Buffer, Buffer];
  try {
    const decipher = createDecipheriv("aes-256-gcm", keyFrom(keyMaterial), nonceBytes, {
      authTagLength: TAG_BYTES,
    });
    decipher.setAAD(associatedData(userId));
    decipher.setAuthTag(tagBytes);
    const plain = Buffer.concat([decipher.update(ciphertextBytes), decipher.final()]);
    return plain.toString("utf8");
  } catch {
    // An authentication failure: wrong key or altered text. Callers treat it as "no match".
    return undefined;
  }
}
