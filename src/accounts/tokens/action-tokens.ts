// Action tokens (activation, password reset, password set, secondary email) in the format of Django's
// signing.dumps / signing.loads with a TimestampSigner (SPEC §7.3), so links stay interchangeable with
// a Django deployment that shares SECRET_KEY. Reference: django/core/signing.py (Django 3.2).
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { inflateSync } from "node:zlib";

export type ActionTokenResult =
  { ok: true; payload: Record<string, unknown> } | { ok: false; reason: "expired" | "invalid" };

const DJANGO_SALT = "django.core.signing";
const SEPARATOR = ":";
const BASE62_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
// Django 3.1+ signs with SHA-256 but still accepts SHA-1 signatures minted by older releases.
const SHA1_SIGNATURE_LENGTH = 27;
// Real action tokens are a few hundred characters; the cap bounds the HMAC and parsing work that
// an attacker can make us do with one request.
const MAX_TOKEN_LENGTH = 8192;
// A signed zlib payload can only come from a holder of SECRET_KEY, but cap inflation anyway so a
// leaked key cannot also become a memory exhaustion.
const MAX_INFLATED_BYTES = 64 * 1024;
// Distinct from Django's salt so a fingerprint can never double as a Django signature.
const FINGERPRINT_SALT = "gatehouse.action-token.fp";
const FINGERPRINT_LENGTH = 16;

const INVALID: ActionTokenResult = { ok: false, reason: "invalid" };
const EXPIRED: ActionTokenResult = { ok: false, reason: "expired" };

export function signActionToken(
  secretKey: string,
  payload: Record<string, unknown>,
  now: Date,
): string {
  const encoded = Buffer.from(pythonJsonDumps(payload), "latin1").toString("base64url");
  const value = encoded + SEPARATOR + encodeBase62(Math.floor(now.getTime() / 1000));
  return value + SEPARATOR + djangoSignature(secretKey, value, "sha256");
}

/** Never throws: every malformed, forged or foreign token is `invalid`. */
export function readActionToken(
  secretKey: string,
  token: string,
  maxAgeSeconds: number,
  now: Date,
): ActionTokenResult {
  // The type says string, but tokens come straight from clients; guard the runtime value too.
  if (typeof token !== "string" || token.length > MAX_TOKEN_LENGTH) return INVALID;
  const signatureAt = token.lastIndexOf(SEPARATOR);
  if (signatureAt < 0) return INVALID;
  const value = token.slice(0, signatureAt);
  if (!hasValidSignature(secretKey, value, token.slice(signatureAt + 1))) return INVALID;

  const timestampAt = value.lastIndexOf(SEPARATOR);
  if (timestampAt < 0) return INVALID;
  const signedAtSeconds = decodeBase62(value.slice(timestampAt + 1));
  if (signedAtSeconds === undefined) return INVALID;
  // Django compares against float time.time(), so a token expires within the second it passes max
  // age. Written as "not within" so a NaN clock or max age fails closed.
  const ageSeconds = now.getTime() / 1000 - signedAtSeconds;
  if (!(ageSeconds <= maxAgeSeconds)) return EXPIRED;

  const payload = decodePayload(value.slice(0, timestampAt));
  return payload === undefined ? INVALID : { ok: true, payload };
}

/**
 * A short MAC of the account state an action depends on (the `fp` payload key, SPEC §7.3), so a
 * token stops working once that state changes. JSON keeps ["a,b"] and ["a","b"] apart.
 */
export function stateFingerprint(
  secretKey: string,
  parts: readonly (string | number | null)[],
): string {
  const key = createHash("sha256")
    .update(FINGERPRINT_SALT + secretKey)
    .digest();
  return createHmac("sha256", key)
    .update(JSON.stringify(parts))
    .digest("base64url")
    .slice(0, FINGERPRINT_LENGTH);
}

// Django's salted_hmac: the HMAC key is hash(salt + "signer" + SECRET_KEY), not the secret itself.
function djangoSignature(secretKey: string, value: string, algorithm: "sha256" | "sha1"): string {
  const key = createHash(algorithm)
    .update(DJANGO_SALT + "signer" + secretKey)
    .digest();
  return createHmac(algorithm, key).update(value).digest("base64url");
}

// Picking the algorithm by length reveals only the length, which the attacker chose anyway.
function hasValidSignature(secretKey: string, value: string, signature: string): boolean {
  const algorithm = signature.length === SHA1_SIGNATURE_LENGTH ? "sha1" : "sha256";
  const expected = Buffer.from(djangoSignature(secretKey, value, algorithm), "utf8");
  const actual = Buffer.from(signature, "utf8");
  // timingSafeEqual throws on different lengths; a wrong length is simply a bad signature.
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

// Python's json.dumps(obj, separators=(",", ":")) with ensure_ascii: JSON.stringify already escapes
// control characters and lone surrogates the same way; Python also escapes DEL and everything
// non-ASCII as \uXXXX (UTF-16 code units, lowercase hex).
function pythonJsonDumps(payload: Record<string, unknown>): string {
  return JSON.stringify(payload).replace(
    /[\u007f-\uffff]/g,
    (char) => "\\u" + char.charCodeAt(0).toString(16).padStart(4, "0"),
  );
}

function encodeBase62(value: number): string {
  let rest = value;
  let encoded = "";
  do {
    encoded = BASE62_ALPHABET.charAt(rest % 62) + encoded;
    rest = Math.floor(rest / 62);
  } while (rest > 0);
  return encoded;
}

// Stricter than Django (no "-" sign): we and Django only ever sign non-negative timestamps, and
// eight digits reach millions of years ahead while staying far inside exact integers.
function decodeBase62(text: string): number | undefined {
  if (!/^[0-9A-Za-z]{1,8}$/.test(text)) return undefined;
  let value = 0;
  for (const char of text) value = value * 62 + BASE62_ALPHABET.indexOf(char);
  return value;
}

// Django's loads: a leading "." marks a zlib-compressed payload (signing.dumps(compress=True)).
// We read those for compatibility but never produce them.
function decodePayload(encoded: string): Record<string, unknown> | undefined {
  const isCompressed = encoded.startsWith(".");
  const body = isCompressed ? encoded.slice(1) : encoded;
  // Python's urlsafe_b64decode rejects what Node's decoder would silently skip or truncate.
  if (!/^[A-Za-z0-9_-]*$/.test(body) || body.length % 4 === 1) return undefined;
  try {
    const raw = Buffer.from(body, "base64url");
    const bytes = isCompressed ? inflateSync(raw, { maxOutputLength: MAX_INFLATED_BYTES }) : raw;
    // Django decodes the JSON as latin-1; its own output is pure ASCII, so this only matters for
    // foreign bytes, which then read the same here as in Django.
    const parsed: unknown = JSON.parse(bytes.toString("latin1"));
    return isPlainObject(parsed) ? parsed : undefined;
  } catch {
    // Bad zlib data or bad JSON inside a correctly signed token: still just an invalid token.
    return undefined;
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
