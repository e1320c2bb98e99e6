// TOTP secrets at rest: AES-256-GCM under a key derived from the configured key, bound to the user.
import { describe, expect, it } from "vitest";
import {
  decryptTotpSecret,
  encryptTotpSecret,
} from "../../../../src/accounts/second-factor/secret-box.js";

const KEY = "totp-encryption-key-for-unit-tests-0123456789";
const SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

describe("encryptTotpSecret", () => {
  it("round-trips, never holds the secret in clear, and differs each time (fresh nonce)", () => {
    const first = encryptTotpSecret(KEY, 7, SECRET);
    const second = encryptTotpSecret(KEY, 7, SECRET);
    expect(first).toMatch(/^v1\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(first).not.toContain(SECRET);
    expect(first).not.toBe(second);
    expect(decryptTotpSecret(KEY, 7, first)).toBe(SECRET);
    expect(decryptTotpSecret(KEY, 7, second)).toBe(SECRET);
  });

  it("does not decrypt under another key, for another user, or altered", () => {
    const sealed = encryptTotpSecret(KEY, 7, SECRET);
    expect(decryptTotpSecret(`${KEY}!`, 7, sealed)).toBeUndefined();
    expect(decryptTotpSecret(KEY, 8, sealed)).toBeUndefined();
    const [version, nonce, tag, ciphertext] = sealed.split(".") as [string, string, string, string];
    const altered = Buffer.from(ciphertext, "base64url");
    altered[0] = (altered[0] ?? 0) ^ 1;
    const flipped = altered.toString("base64url");
    expect(decryptTotpSecret(KEY, 7, [version, nonce, tag, flipped].join("."))).toBeUndefined();
    // The last character of a base64url text also carries unused bits: another spelling of the
    // same bytes is refused too, so a stored value has one accepted form.
    // A 32-byte secret's ciphertext is 43 characters: the last one's two low bits are unused.
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const lastValue = alphabet.indexOf(ciphertext.slice(-1));
    const respelled = `${ciphertext.slice(0, -1)}${alphabet.charAt(lastValue ^ 1)}`;
    expect(Buffer.from(respelled, "base64url")).toEqual(Buffer.from(ciphertext, "base64url"));
    expect(decryptTotpSecret(KEY, 7, [version, nonce, tag, respelled].join("."))).toBeUndefined();
    for (const broken of ["", "v1", "v2.a.b.c", `${sealed}.x`, "v1.!.!.!"])
      expect(decryptTotpSecret(KEY, 7, broken)).toBeUndefined();
  });
});
