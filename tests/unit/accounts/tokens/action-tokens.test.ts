import { createHash, createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  readActionToken,
  signActionToken,
  stateFingerprint,
} from "../../../../src/accounts/tokens/action-tokens.js";

// Vectors produced by a re-implementation of Django 3.2's django.core.signing.dumps (TimestampSigner,
// salt "django.core.signing") with this secret at unix time 1700000000 (base62 "1r31eq").
const SECRET = "django-insecure-gatehouse-vectors-0123456789";
const SIGNED_AT = new Date(1_700_000_000 * 1000);
const ONE_HOUR = 3600;

const DJANGO_ACTIVATION =
  "eyJ1c2VybmFtZSI6ImFsaWNlIiwiYWN0aW9uIjoiYWN0aXZhdGlvbiJ9:1r31eq:tsRMsEOypE4LzwIQ_1HZEswlYNi4FzqigDVf-4Lb2tw";
const DJANGO_NON_ASCII =
  "eyJ1c2VybmFtZSI6InpvXHUwMGViIiwiYWN0aW9uIjoicGFzc3dvcmRfcmVzZXQiLCJzZWNvbmRhcnlfZW1haWwiOiJ6XHUwMGY2ZUBleGFtcGxlLm9yZyJ9:1r31eq:KymiYckXP_-0cTTICDW6AoiOHVrSuppP4YE_z4XxZ4w";
const DJANGO_ESCAPES =
  "eyJ1c2VybmFtZSI6Ilx1ZDgzZFx1ZGUwMFxuXCJ4XCJcdTAwN2YiLCJhY3Rpb24iOiJhY3RpdmF0aW9uIn0:1r31eq:S4vCTlZKVKGF4bZNCORZ2xOCF9KHGQEUBNskf9nCVK4";
const DJANGO_LEGACY_SHA1 =
  "eyJ1c2VybmFtZSI6ImFsaWNlIiwiYWN0aW9uIjoiYWN0aXZhdGlvbiJ9:1r31eq:QDKgeZDAAhL1ffhe2I-OUA55gZY";
const DJANGO_COMPRESSED =
  ".eJyrViotTi3KS8xNVbJSSqQAKOkoJSaXZObngcwBMsoSwZxaANFaI3U:1r31eq:2lzcm-FvCYdiK6zfZjru-PQUhPqJL3EJ8ACog7FE-YI";

function secondsAfterSigning(seconds: number): Date {
  return new Date(SIGNED_AT.getTime() + seconds * 1000);
}

function read(token: string, at: Date = SIGNED_AT, maxAgeSeconds = ONE_HOUR) {
  return readActionToken(SECRET, token, maxAgeSeconds, at);
}

describe("signActionToken", () => {
  it("produces the same token as Django's signing.dumps for an ASCII payload", () => {
    const payload = { username: "alice", action: "activation" };
    expect(signActionToken(SECRET, payload, SIGNED_AT)).toBe(DJANGO_ACTIVATION);
  });

  it("escapes non-ASCII characters like Python's json.dumps and matches Django", () => {
    const payload = {
      username: "zoë",
      action: "password_reset",
      secondary_email: "zöe@example.org",
    };
    expect(signActionToken(SECRET, payload, SIGNED_AT)).toBe(DJANGO_NON_ASCII);
  });

  it("escapes astral characters, control characters, quotes and DEL like Python", () => {
    const payload = { username: '😀\n"x"\u007f', action: "activation" };
    expect(signActionToken(SECRET, payload, SIGNED_AT)).toBe(DJANGO_ESCAPES);
  });

  it("uses the whole second of signing as the timestamp", () => {
    const token = signActionToken(SECRET, { a: 1 }, new Date(SIGNED_AT.getTime() + 999));
    expect(token.split(":")[1]).toBe("1r31eq");
  });

  it("emits only URL-safe characters", () => {
    const token = signActionToken(SECRET, { username: "zoë 😀/+=?&" }, SIGNED_AT);
    expect(token).toMatch(/^[A-Za-z0-9_:-]+$/);
  });
});

describe("readActionToken", () => {
  it("reads tokens minted by Django, including non-ASCII ones", () => {
    expect(read(DJANGO_ACTIVATION)).toEqual({
      ok: true,
      payload: { username: "alice", action: "activation" },
    });
    expect(read(DJANGO_NON_ASCII)).toEqual({
      ok: true,
      payload: { username: "zoë", action: "password_reset", secondary_email: "zöe@example.org" },
    });
    expect(read(DJANGO_ESCAPES)).toEqual({
      ok: true,
      payload: { username: '😀\n"x"\u007f', action: "activation" },
    });
  });

  it("round-trips its own tokens with the key order preserved", () => {
    const payload = { username: "bob", action: "password_set", fp: "abc" };
    const result = read(signActionToken(SECRET, payload, SIGNED_AT));
    expect(result).toEqual({ ok: true, payload });
    expect(result.ok && Object.keys(result.payload)).toEqual(["username", "action", "fp"]);
  });

  it("accepts the legacy SHA-1 signature of older Django releases", () => {
    expect(read(DJANGO_LEGACY_SHA1)).toEqual({
      ok: true,
      payload: { username: "alice", action: "activation" },
    });
  });

  it("accepts Django's zlib-compressed payloads", () => {
    expect(read(DJANGO_COMPRESSED)).toEqual({
      ok: true,
      payload: { username: "a".repeat(60), action: "activation" },
    });
  });

  it("accepts a token exactly max age old and expires it one second later", () => {
    expect(read(DJANGO_ACTIVATION, secondsAfterSigning(ONE_HOUR)).ok).toBe(true);
    expect(read(DJANGO_ACTIVATION, secondsAfterSigning(ONE_HOUR + 1))).toEqual({
      ok: false,
      reason: "expired",
    });
  });

  it("expires within the second after max age, as Django's float clock does", () => {
    expect(read(DJANGO_ACTIVATION, secondsAfterSigning(ONE_HOUR + 0.001))).toEqual({
      ok: false,
      reason: "expired",
    });
  });

  it("rejects a token signed with another secret", () => {
    const token = signActionToken("another-secret", { username: "alice" }, SIGNED_AT);
    expect(read(token)).toEqual({ ok: false, reason: "invalid" });
  });

  it("rejects a tampered signature, payload or timestamp", () => {
    const [payload, timestamp, signature] = DJANGO_ACTIVATION.split(":") as [
      string,
      string,
      string,
    ];
    const flipLast = (text: string) => text.slice(0, -1) + (text.endsWith("A") ? "B" : "A");
    const forgedPayload = Buffer.from('{"username":"mallory","action":"activation"}').toString(
      "base64url",
    );
    for (const token of [
      `${payload}:${timestamp}:${flipLast(signature)}`,
      `${payload}:${timestamp}:${signature.slice(0, -1)}`,
      `${forgedPayload}:${timestamp}:${signature}`,
      `${payload}:1r31er:${signature}`,
    ]) {
      expect(read(token)).toEqual({ ok: false, reason: "invalid" });
    }
  });

  it("checks the signature before the age, so forged old tokens are invalid, not expired", () => {
    const forged = DJANGO_ACTIVATION.slice(0, -2) + "xx";
    expect(read(forged, secondsAfterSigning(10 * ONE_HOUR))).toEqual({
      ok: false,
      reason: "invalid",
    });
  });

  it("rejects a correctly signed payload that is not a JSON object", () => {
    for (const value of [[1, 2], "text", 42, null]) {
      const encoded = Buffer.from(JSON.stringify(value)).toString("base64url");
      const token = signedByDjango(`${encoded}:1r31eq`);
      expect(read(token)).toEqual({ ok: false, reason: "invalid" });
    }
  });

  it("never throws on garbage, empty, huge or unicode input", () => {
    const inputs = [
      "",
      ":",
      "::",
      ":::",
      "abc",
      "a:b:c",
      "😀:😀:😀",
      "é".repeat(43),
      `eyJ9:1r31eq:${"é".repeat(43)}`,
      `eyJ9:1r31eq:${"😀".repeat(27)}`,
      `eyJ9:1r31eq:${"ü".repeat(27)}`,
      `${"x".repeat(100_000)}:1r31eq:${"y".repeat(43)}`,
      DJANGO_ACTIVATION + ":",
      "." + DJANGO_ACTIVATION,
      null as unknown as string,
      undefined as unknown as string,
      12 as unknown as string,
    ];
    for (const input of inputs) {
      expect(read(input)).toEqual({ ok: false, reason: "invalid" });
    }
  });

  it("rejects signed values with a bad timestamp or bad base64 without throwing", () => {
    for (const value of [
      "e30:-1",
      "e30:",
      "e30:1r31eq!",
      "e3:1r31eq",
      "e30=:1r31eq",
      ".e30:1r31eq",
    ]) {
      expect(read(signedByDjango(value))).toEqual({ ok: false, reason: "invalid" });
    }
  });
});

describe("stateFingerprint", () => {
  const parts = ["argon2$hash", 1_700_000_000, null] as const;

  it("is a stable 16-character base64url string", () => {
    const fingerprint = stateFingerprint(SECRET, parts);
    expect(fingerprint).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect(stateFingerprint(SECRET, [...parts])).toBe(fingerprint);
  });

  it("changes when any part or the secret changes", () => {
    const fingerprint = stateFingerprint(SECRET, parts);
    expect(stateFingerprint(SECRET, ["argon2$hasH", 1_700_000_000, null])).not.toBe(fingerprint);
    expect(stateFingerprint(SECRET, ["argon2$hash", 1_700_000_001, null])).not.toBe(fingerprint);
    expect(stateFingerprint(SECRET, ["argon2$hash", 1_700_000_000, ""])).not.toBe(fingerprint);
    expect(stateFingerprint(SECRET, ["argon2$hash", "1700000000", null])).not.toBe(fingerprint);
    expect(stateFingerprint("other-secret", parts)).not.toBe(fingerprint);
  });

  it("keeps part boundaries apart", () => {
    expect(stateFingerprint(SECRET, ["a,b"])).not.toBe(stateFingerprint(SECRET, ["a", "b"]));
    expect(stateFingerprint(SECRET, ["ab", ""])).not.toBe(stateFingerprint(SECRET, ["a", "b"]));
  });
});

// Signs an arbitrary value the way Django's Signer does, to reach the checks after the signature.
function signedByDjango(value: string): string {
  const key = createHash("sha256").update(`django.core.signingsigner${SECRET}`).digest();
  return `${value}:${createHmac("sha256", key).update(value).digest("base64url")}`;
}
