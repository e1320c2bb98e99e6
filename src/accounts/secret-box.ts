// Secrets the server must read back (a TOTP secret, a stored JWT signing key) are kept encrypted:
// unlike a password, a digest cannot stand in for them. AES-256-GCM with a fresh 96-bit nonce per
// secret (NIST SP 800-38D); the key is derived with HKDF-SHA256 (RFC 5869) from the configured key
// material under a label per use, so no two uses share a key, and none is the key that signs
// action links. The associated data names the row the secret belongs to: a ciphertext copied onto
// another row does not decrypt.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";

const VERSION = "v1";
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

export interface SecretBoxUse {
  /** The HKDF label that keeps this use's key apart from every other's. */
  label: string;
  /** Authenticated, not encrypted: the row the secret belongs to. */
  associatedData: string;
}

/**
 * Derived keys by label and key material: HKDF is half the cost of opening a secret (10 of
 * 20 µs here), and a process opens the same few again and again (a webhook signing secret at
 * every delivery, a TOTP secret at every code).
 */
const derivedKeys = new Map<string, Buffer>();

function keyFrom(keyMaterial: string, label: string): Buffer {
  const cacheKey = `${label}\0${keyMaterial}`;
  let key = derivedKeys.get(cacheKey);
  if (key === undefined) {
    key = Buffer.from(hkdfSync("sha256", keyMaterial, Buffer.alloc(0), label, 32));
    derivedKeys.set(cacheKey, key);
  }
  return key;
}

/** `v1.<nonce>.<tag>.<ciphertext>`, each base64url. */
export function sealSecret(keyMaterial: string, use: SecretBoxUse, secret: string): string {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv("aes-256-gcm", keyFrom(keyMaterial, use.label), nonce, {
    authTagLength: TAG_BYTES,
  });
  cipher.setAAD(Buffer.from(use.associatedData, "utf8"));
  const ciphertext = Buffer.concat([cipher.update(secret, "utf8"), cipher.final()]);
  return [VERSION, nonce, cipher.getAuthTag(), ciphertext]
    .map((part) => (typeof part === "string" ? part : part.toString("base64url")))
    .join(".");
}

/**
 * The secret, or undefined when the stored text does not decrypt under this key (the key was
 * changed, or the row was tampered with or copied from another row).
 */
export function openSecret(
  keyMaterial: string,
  use: SecretBoxUse,
  stored: string,
): string | undefined {
  const [version, nonce, tag, ciphertext, ...rest] = stored.split(".");
  if (version !== VERSION || nonce === undefined || tag === undefined || ciphertext === undefined)
    return undefined;
  if (rest.length > 0) return undefined;
  const parts = [nonce, tag, ciphertext].map((part) => Buffer.from(part, "base64url"));
  // Node decodes leniently (unused trailing bits, stray characters): accept only the one spelling
  // sealSecret writes.
  if (parts.some((bytes, index) => bytes.toString("base64url") !== [nonce, tag, ciphertext][index]))
    return undefined;
  const [nonceBytes, tagBytes, ciphertextBytes] = parts as [Buffer, Buffer, Buffer];
  try {
    const decipher = createDecipheriv("aes-256-gcm", keyFrom(keyMaterial, use.label), nonceBytes, {
      authTagLength: TAG_BYTES,
    });
    decipher.setAAD(Buffer.from(use.associatedData, "utf8"));
    decipher.setAuthTag(tagBytes);
    const plain = Buffer.concat([decipher.update(ciphertextBytes), decipher.final()]);
    return plain.toString("utf8");
  } catch {
    // An authentication failure: wrong key or altered text. Callers treat it as "no match".
    return undefined;
  }
}
