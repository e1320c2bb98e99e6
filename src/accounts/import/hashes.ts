// Which Django password hashes Gatehouse can check (passwords/hasher.ts): PBKDF2-SHA256 and
// PBKDF2-SHA1 of any iteration count, and argon2 (Django's `argon2$argon2id$v=19$…`). Unusable
// passwords (`!…`) stay unusable. Every other Django hasher (bcrypt_sha256, bcrypt, scrypt, md5,
// sha1, crypt, …) is unknown here: such users are reported, and imported with an unusable
// password only when the operator says so (`--unusable-unknown-hashes`). The rules follow
// hasher.ts's parser; tests/unit/accounts/import/hashes.test.ts checks both agree on real hashes.

export type HashKind =
  | { kind: "verifiable"; algorithm: string }
  | { kind: "unusable" }
  | { kind: "unknown"; algorithm: string };

const PBKDF2 = /^(pbkdf2_sha256|pbkdf2_sha1)\$([1-9]\d{0,9})\$([^$]*)\$([^$]+)$/;
// hasher.ts refuses iteration counts outside a signed 32-bit integer (Node's pbkdf2 does).
const MAX_PBKDF2_ITERATIONS = 2 ** 31 - 1;
// Django's Argon2PasswordHasher since 1.10 (argon2-cffi's PHC string, with its version).
const ARGON2 = /^argon2\$argon2(id|i|d)\$v=\d+\$m=\d+,t=\d+,p=\d+\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/;

export function classifyPasswordHash(encoded: string): HashKind {
  if (encoded.startsWith("!")) return { kind: "unusable" };
  const pbkdf2 = PBKDF2.exec(encoded);
  if (pbkdf2 !== null && Number(pbkdf2[2]) <= MAX_PBKDF2_ITERATIONS)
    return { kind: "verifiable", algorithm: pbkdf2[1] ?? "pbkdf2" };
  const argon2 = ARGON2.exec(encoded);
  if (argon2 !== null) return { kind: "verifiable", algorithm: `argon2${argon2[1] ?? ""}` };
  return { kind: "unknown", algorithm: hasherName(encoded) };
}

/** Django's name for the hasher that wrote `encoded` (identify_hasher's rules). */
function hasherName(encoded: string): string {
  if (encoded === "") return "(empty)";
  // UnsaltedMD5PasswordHasher writes a bare 32-digit hex digest.
  if (/^[0-9a-f]{32}$/i.test(encoded)) return "unsalted_md5";
  if (encoded.startsWith("md5$$")) return "unsalted_md5";
  if (encoded.startsWith("sha1$$")) return "unsalted_sha1";
  const name = encoded.split("$", 1)[0] ?? "";
  return /^[a-z0-9_]{1,32}$/.test(name) && encoded.includes("$") ? name : "(unrecognised)";
}
