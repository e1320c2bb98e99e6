import { createHmac, generateKeyPairSync } from "node:crypto";
import { createSigner } from "fast-jwt";
import { describe, expect, it } from "vitest";
import { createAccessTokens } from "../../../../src/accounts/tokens/jwt.js";
import { jwkThumbprint } from "../../../../src/accounts/tokens/signing-keys.js";
import { loadConfig, type Config } from "../../../../src/config/config.js";

const SECRET = "jwt-secret-for-gatehouse-unit-tests-0123456789";
const ISSUED_AT = 1_700_000_000;
const FIVE_MINUTES = 300;
const INVALID = { ok: false, reason: "invalid" };
const EXPIRED = { ok: false, reason: "expired" };

// HS256 signed by hand in Python the way PyJWT (django-graphql-jwt) encodes: header
// {"typ":"JWT","alg":"HS256"}, compact JSON with \u escapes, payload username "zoë".
const PYJWT_TOKEN =
  "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJ1c2VybmFtZSI6InpvXHUwMGViIiwiZXhwIjoxNzAwMDAwMzAwLCJvcmlnSWF0IjoxNzAwMDAwMDAwfQ.9pDWzHOYDw90TIk4vSkTTuBxNAFkB-Gv-vSpMz7BJYY";

function jwtSettings(overrides: Partial<Config["jwt"]> = {}): Config["jwt"] {
  return {
    usernameClaim: "username",
    algorithm: "HS256",
    secretKey: SECRET,
    privateKey: undefined,
    publicKey: undefined,
    keyId: undefined,
    verifyExpiration: true,
    leewaySeconds: 0,
    audience: undefined,
    issuer: undefined,
    expirationDeltaSeconds: FIVE_MINUTES,
    allowRefresh: true,
    refreshExpirationDeltaSeconds: 7 * 86_400,
    longRunningRefreshToken: true,
    refreshTokenBytes: 20,
    reuseRefreshTokens: false,
    authHeaderPrefix: "JWT",
    cookieAuth: false,
    cookieName: "JWT",
    refreshTokenCookieName: "JWT-refresh-token",
    cookieSecure: false,
    cookiePath: "/",
    cookieDomain: undefined,
    cookieSameSite: "Lax",
    ...overrides,
  };
}

function decodeSegment(token: string, index: number): unknown {
  return JSON.parse(Buffer.from(token.split(".")[index] ?? "", "base64url").toString("utf8"));
}

function encodeSegment(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}

// By hand, because fast-jwt's signer refuses some of the malformed claims these tests need.
function signHs256ByHand(payload: unknown): string {
  const input = `${encodeSegment({ alg: "HS256", typ: "JWT" })}.${encodeSegment(payload)}`;
  return `${input}.${createHmac("sha256", SECRET).update(input).digest("base64url")}`;
}

describe("createAccessTokens().issue", () => {
  it("issues username, exp and origIat only, with no iat", () => {
    const { token, claims } = createAccessTokens(jwtSettings()).issue("alice", ISSUED_AT);
    const expected = { username: "alice", exp: ISSUED_AT + FIVE_MINUTES, origIat: ISSUED_AT };
    expect(claims).toEqual(expected);
    expect(decodeSegment(token, 1)).toEqual(expected);
    expect(Object.keys(decodeSegment(token, 1) as object)).toEqual(["username", "exp", "origIat"]);
  });

  it("uses a JWT header with the configured algorithm", () => {
    const { token } = createAccessTokens(jwtSettings({ algorithm: "HS512" })).issue("a", ISSUED_AT);
    expect(decodeSegment(token, 0)).toEqual({ alg: "HS512", typ: "JWT" });
  });

  it("leaves out origIat when refresh is not allowed", () => {
    const { claims } = createAccessTokens(jwtSettings({ allowRefresh: false })).issue(
      "a",
      ISSUED_AT,
    );
    expect(claims).toEqual({ username: "a", exp: ISSUED_AT + FIVE_MINUTES });
  });

  it("adds aud and iss when configured", () => {
    const tokens = createAccessTokens(jwtSettings({ audience: "gatehouse", issuer: "https://id" }));
    const { token } = tokens.issue("alice", ISSUED_AT);
    expect(decodeSegment(token, 1)).toEqual({
      username: "alice",
      exp: ISSUED_AT + FIVE_MINUTES,
      origIat: ISSUED_AT,
      aud: "gatehouse",
      iss: "https://id",
    });
  });

  it("uses whole seconds for origIat and exp", () => {
    const { claims } = createAccessTokens(jwtSettings()).issue("a", ISSUED_AT + 0.75);
    expect(claims).toEqual({ username: "a", exp: ISSUED_AT + FIVE_MINUTES, origIat: ISSUED_AT });
  });
});

describe("createAccessTokens().check", () => {
  const tokens = createAccessTokens(jwtSettings());
  const { token, claims } = tokens.issue("alice", ISSUED_AT);

  it("accepts its own token and returns its claims", () => {
    expect(tokens.check(token, ISSUED_AT)).toEqual({ ok: true, claims });
  });

  it("accepts a token encoded the way PyJWT encodes it", () => {
    expect(tokens.check(PYJWT_TOKEN, ISSUED_AT)).toEqual({
      ok: true,
      claims: { username: "zoë", exp: ISSUED_AT + FIVE_MINUTES, origIat: ISSUED_AT },
    });
  });

  it("accepts a token until exp and expires it one second later", () => {
    expect(tokens.check(token, claims.exp).ok).toBe(true);
    expect(tokens.check(token, claims.exp + 1)).toEqual(EXPIRED);
  });

  it("extends validity by the leeway", () => {
    const lenient = createAccessTokens(jwtSettings({ leewaySeconds: 30 }));
    expect(lenient.check(token, claims.exp + 30).ok).toBe(true);
    expect(lenient.check(token, claims.exp + 31)).toEqual(EXPIRED);
  });

  it("ignores exp when expiration is not verified", () => {
    const lax = createAccessTokens(jwtSettings({ verifyExpiration: false }));
    expect(lax.check(token, claims.exp + 86_400).ok).toBe(true);
  });

  it("rejects a token signed with another key", () => {
    const other = createAccessTokens(
      jwtSettings({ secretKey: "another-secret-key-0123456789abcdef" }),
    );
    expect(other.check(token, ISSUED_AT)).toEqual(INVALID);
  });

  it("rejects an expired token with a bad signature as invalid, not expired", () => {
    const other = createAccessTokens(
      jwtSettings({ secretKey: "another-secret-key-0123456789abcdef" }),
    );
    expect(other.check(token, claims.exp + 1000)).toEqual(INVALID);
  });

  it("rejects an unsigned alg none token", () => {
    const header = encodeSegment({ alg: "none", typ: "JWT" });
    const payload = encodeSegment({ username: "admin", exp: ISSUED_AT + 60 });
    expect(tokens.check(`${header}.${payload}.`, ISSUED_AT)).toEqual(INVALID);
    expect(tokens.check(`${header}.${payload}`, ISSUED_AT)).toEqual(INVALID);
  });

  it("rejects an HS384 token when HS256 is configured, even with the right key", () => {
    const sign = createSigner({ key: SECRET, algorithm: "HS384", noTimestamp: true });
    const hs384 = sign({ username: "alice", exp: ISSUED_AT + 60 });
    expect(tokens.check(hs384, ISSUED_AT)).toEqual(INVALID);
  });

  it("rejects a tampered payload", () => {
    const [header, , signature] = token.split(".");
    const forged = encodeSegment({ username: "admin", exp: ISSUED_AT + 60, origIat: ISSUED_AT });
    expect(tokens.check(`${header ?? ""}.${forged}.${signature ?? ""}`, ISSUED_AT)).toEqual(
      INVALID,
    );
  });

  it("rejects well-signed tokens without a string username or an integer exp", () => {
    expect(tokens.check(signHs256ByHand({ username: "alice", exp: ISSUED_AT }), ISSUED_AT).ok).toBe(
      true,
    );
    for (const payload of [
      [],
      "alice",
      { exp: ISSUED_AT + 60 },
      { username: 42, exp: ISSUED_AT + 60 },
      { username: "alice" },
      { username: "alice", exp: "1700000060" },
      { username: "alice", exp: ISSUED_AT + 60.5 },
      { username: "alice", exp: ISSUED_AT + 60, origIat: "x" },
      { username: "alice", exp: ISSUED_AT + 60, iss: 7 },
    ]) {
      expect(tokens.check(signHs256ByHand(payload), ISSUED_AT)).toEqual(INVALID);
    }
  });

  it("rejects a token that is not valid before a later time", () => {
    const sign = createSigner({ key: SECRET, algorithm: "HS256", noTimestamp: true });
    const early = sign({ username: "alice", exp: ISSUED_AT + 60, nbf: ISSUED_AT + 10 });
    expect(tokens.check(early, ISSUED_AT)).toEqual(INVALID);
    expect(tokens.check(early, ISSUED_AT + 10).ok).toBe(true);
  });

  it("never throws on garbage input", () => {
    const inputs = [
      "",
      ".",
      "..",
      "a.b.c",
      "😀.😀.😀",
      "x".repeat(100_000),
      `${token}.`,
      ` ${token}`,
    ];
    for (const input of [...inputs, null, undefined, 42] as string[]) {
      expect(tokens.check(input, ISSUED_AT)).toEqual(INVALID);
    }
  });

  it("treats a non-number clock as expired rather than valid", () => {
    expect(tokens.check(token, Number.NaN)).toEqual(EXPIRED);
  });
});

describe("createAccessTokens().check with audience and issuer", () => {
  const settings = jwtSettings({ audience: "gatehouse", issuer: "https://id.example" });
  const tokens = createAccessTokens(settings);
  const sign = createSigner({ key: SECRET, algorithm: "HS256", noTimestamp: true });
  const base = { username: "alice", exp: ISSUED_AT + 60 };

  it("accepts a token with the configured aud and iss", () => {
    const { token, claims } = tokens.issue("alice", ISSUED_AT);
    expect(tokens.check(token, ISSUED_AT)).toEqual({ ok: true, claims });
  });

  it("rejects a missing or different aud", () => {
    const iss = "https://id.example";
    expect(tokens.check(sign({ ...base, iss }), ISSUED_AT)).toEqual(INVALID);
    expect(tokens.check(sign({ ...base, iss, aud: "other" }), ISSUED_AT)).toEqual(INVALID);
  });

  it("rejects a missing or different iss", () => {
    const aud = "gatehouse";
    expect(tokens.check(sign({ ...base, aud }), ISSUED_AT)).toEqual(INVALID);
    expect(tokens.check(sign({ ...base, aud, iss: "https://evil" }), ISSUED_AT)).toEqual(INVALID);
  });

  it("rejects a token naming an audience when none is configured", () => {
    const plain = createAccessTokens(jwtSettings());
    expect(plain.check(sign({ ...base, aud: "gatehouse" }), ISSUED_AT)).toEqual(INVALID);
  });
});

describe("createAccessTokens with asymmetric keys", () => {
  it("signs with the private key and verifies with the public key (ES256)", () => {
    const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const pem = (key: typeof privateKey, type: "pkcs8" | "spki") =>
      key.export({ type, format: "pem" }).toString();
    const tokens = createAccessTokens(
      jwtSettings({
        algorithm: "ES256",
        privateKey: pem(privateKey, "pkcs8"),
        publicKey: pem(publicKey, "spki"),
      }),
    );
    const { token, claims } = tokens.issue("alice", ISSUED_AT);
    expect(decodeSegment(token, 0)).toEqual({
      alg: "ES256",
      typ: "JWT",
      kid: jwkThumbprint(publicKey),
    });
    expect(tokens.check(token, ISSUED_AT)).toEqual({ ok: true, claims });
  });

  it("signs with an Ed25519 key given as a JWK, under the JWK's kid", () => {
    const { privateKey } = generateKeyPairSync("ed25519");
    const jwk = { ...privateKey.export({ format: "jwk" }), kid: "2026-12-key" };
    const fromEnvironment = loadConfig({
      JWT_ALGORITHM: "EdDSA",
      JWT_PRIVATE_KEY: JSON.stringify(jwk),
    });
    const tokens = createAccessTokens(fromEnvironment.jwt);
    const { token, claims } = tokens.issue("alice", ISSUED_AT);
    expect(decodeSegment(token, 0)).toEqual({ alg: "EdDSA", typ: "JWT", kid: "2026-12-key" });
    expect(tokens.check(token, ISSUED_AT)).toEqual({ ok: true, claims });
  });

  describe("refuses what the configured key did not sign", () => {
    const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const privatePem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    const publicPem = publicKey.export({ type: "spki", format: "pem" }).toString();
    const settings = jwtSettings({ algorithm: "ES256", privateKey: privatePem });
    const tokens = createAccessTokens(settings);
    const payload = { username: "alice", exp: ISSUED_AT + 300, origIat: ISSUED_AT };

    it("still takes its tokens from before kids (no kid in the header)", () => {
      const withoutKid = createSigner({ key: privatePem, algorithm: "ES256", noTimestamp: true });
      expect(tokens.check(withoutKid(payload), ISSUED_AT).ok).toBe(true);
    });

    it("refuses a token naming another kid, even one the key signed", () => {
      const otherKid = createSigner({
        key: privatePem,
        algorithm: "ES256",
        noTimestamp: true,
        kid: "someone-else",
      });
      expect(tokens.check(otherKid(payload), ISSUED_AT)).toEqual(INVALID);
    });

    it("refuses an HS256 token keyed with the published public key (algorithm confusion)", () => {
      const confused = createSigner({
        key: publicPem,
        algorithm: "HS256",
        noTimestamp: true,
        kid: jwkThumbprint(publicKey),
      });
      expect(tokens.check(confused(payload), ISSUED_AT)).toEqual(INVALID);
    });

    it("refuses an unsigned token and a header that is not JSON", () => {
      const header = Buffer.from(
        JSON.stringify({ alg: "none", kid: jwkThumbprint(publicKey) }),
      ).toString("base64url");
      const body = Buffer.from(JSON.stringify(payload)).toString("base64url");
      expect(tokens.check(`${header}.${body}.`, ISSUED_AT)).toEqual(INVALID);
      expect(tokens.check(`bm90IGpzb24.${body}.c2ln`, ISSUED_AT)).toEqual(INVALID);
    });
  });

  it("derives the public key when only the private key is configured", () => {
    const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const pem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    const tokens = createAccessTokens(jwtSettings({ algorithm: "ES256", privateKey: pem }));
    const { token, claims } = tokens.issue("alice", ISSUED_AT);
    expect(tokens.check(token, ISSUED_AT)).toEqual({ ok: true, claims });
  });

  it("refuses to start without a private key", () => {
    expect(() => createAccessTokens(jwtSettings({ algorithm: "RS256" }))).toThrow(
      /JWT_PRIVATE_KEY/,
    );
  });
});
