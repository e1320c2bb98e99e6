// Access tokens: compact JWS with the claims of django-graphql-jwt (SPEC §7.1), so clients and
// tokens of the reference keep working. The caller passes the clock, so expiry tests need no sleeps.
import { LRUCache } from "lru-cache";
import { createSigner, createVerifier } from "fast-jwt";
import type { Config } from "../../config/config.js";
import {
  fixedKeyRing,
  type KeyRing,
  type SigningKey,
  type VerificationKey,
} from "./signing-keys.js";

export interface AccessTokenClaims {
  /** The user's natural key (USERNAME_FIELD's value), whatever the claim is called. */
  username: string;
  exp: number;
  origIat?: number;
  aud?: string;
  iss?: string;
}

/**
 * Whom a token was issued to and at which revocation version, carried in the JOSE header (`uid`,
 * `ver`) so the claims stay exactly the reference's: its clients decode them, and a Django
 * backend sharing the key verifies the same signature. The header is signed like the claims.
 */
export interface AccessTokenBinding {
  userId: number;
  version: number;
  /** The session (sign-in) the token was minted for; absent on tokens from before sessions. */
  sessionId?: string;
}

export type AccessTokenCheck =
  | { ok: true; claims: AccessTokenClaims; binding?: AccessTokenBinding }
  | { ok: false; reason: "expired" | "invalid" };

export interface AccessTokens {
  /**
   * `exp` counts from `issuedAtSeconds`, which defaults to origIat; a keep-alive refresh keeps the
   * first origIat and gets a fresh exp (SPEC §5.16).
   */
  issue(
    username: string,
    origIatSeconds: number,
    options?: { issuedAtSeconds?: number; binding?: AccessTokenBinding },
  ): { token: string; claims: AccessTokenClaims };
  /** Never throws: anything but a well-signed, well-formed, current token is `invalid` or `expired`. */
  check(token: string, nowSeconds: number): AccessTokenCheck;
  /** The claims as the token carries them: the user under USERNAME_FIELD's name (SPEC §7.1). */
  payloadOf(claims: AccessTokenClaims): Record<string, unknown>;
}

type JwtSettings = Config["jwt"];

const INVALID: AccessTokenCheck = { ok: false, reason: "invalid" };
const EXPIRED: AccessTokenCheck = { ok: false, reason: "expired" };

/**
 * Tokens are signed with the key ring's current key (its `kid` in the header, for published keys)
 * and verified with the key their header names, so tokens signed before a rotation keep
 * verifying until their key is pruned.
 */
export function createAccessTokens(
  settings: JwtSettings,
  keys: KeyRing = fixedKeyRing(settings),
): AccessTokens {
  // The reference (django-graphql-jwt) sends no iat claim; fast-jwt adds one unless told not to.
  // fast-jwt fixes the header per signer, so a bound token gets a signer of its own (≈ 5 µs).
  const signer = (key: SigningKey, binding?: AccessTokenBinding) =>
    createSigner({
      key: key.signingKey,
      algorithm: key.algorithm,
      noTimestamp: true,
      ...(key.kid === undefined ? {} : { kid: key.kid }),
      ...(binding === undefined
        ? {}
        : {
            header: {
              alg: key.algorithm,
              uid: binding.userId,
              ver: binding.version,
              ...(binding.sessionId === undefined ? {} : { sid: binding.sessionId }),
            },
          }),
    });
  const unboundSigners = new Map<string | undefined, ReturnType<typeof signer>>();
  const unbound = (key: SigningKey) => {
    const known = unboundSigners.get(key.kid);
    if (known !== undefined) return known;
    const created = signer(key);
    unboundSigners.set(key.kid, created);
    return created;
  };
  const verify = createSignatureVerifier(settings, keys);
  return {
    issue(username, origIatSeconds, options = {}) {
      const issuedAtSeconds = options.issuedAtSeconds ?? origIatSeconds;
      const claims = claimsFor(
        settings,
        username,
        Math.floor(origIatSeconds),
        Math.floor(issuedAtSeconds),
      );
      const key = keys.signing();
      const sign = options.binding === undefined ? unbound(key) : signer(key, options.binding);
      return { token: sign(payloadOf(settings, claims)), claims };
    },
    check(token, nowSeconds) {
      let decoded: { header: unknown; payload: unknown };
      try {
        decoded = verify(token);
      } catch {
        // fast-jwt throws for every bad token (malformed, forged, wrong alg, aud, iss): all invalid.
        return INVALID;
      }
      const checked = checkPayload(settings, decoded.payload, nowSeconds);
      if (!checked.ok) return checked;
      const binding = readBinding(decoded.header);
      return binding === undefined ? checked : { ...checked, binding };
    },
    payloadOf: (claims) => payloadOf(settings, claims),
  };
}

/**
 * How many verified tokens keep their decoded payload. A client sends the same access token on
 * every request until it expires, and checking its signature was a fifth of a `me` request's CPU
 * time (bench profile); a map lookup by the exact token text is not. Only the signature check is
 * remembered: expiry and the user's state are checked on every request.
 */
const VERIFIED_TOKEN_CACHE_SIZE = 10_000;

interface DecodedToken {
  header: unknown;
  payload: unknown;
}

/** The `kid` a token's header names; throws (an invalid token) when the header is not JSON. */
function headerKid(token: string): string | undefined {
  const header: unknown = JSON.parse(
    Buffer.from(token.slice(0, token.indexOf(".")), "base64url").toString("utf8"),
  );
  if (!isRecord(header)) throw new Error("malformed header");
  const { kid } = header;
  if (kid === undefined) return undefined;
  if (typeof kid !== "string") throw new Error("malformed kid");
  return kid;
}

function createSignatureVerifier(
  settings: JwtSettings,
  keys: KeyRing,
): (token: string) => DecodedToken {
  const verifiers = new Map<string, (token: string) => DecodedToken>();
  const verifierFor = (key: VerificationKey) => {
    const name = key.kid ?? "";
    const known = verifiers.get(name);
    if (known !== undefined) return known;
    const created = createUncachedVerifier(settings, key);
    verifiers.set(name, created);
    return created;
  };
  const verified = new LRUCache<string, DecodedToken>({ max: VERIFIED_TOKEN_CACHE_SIZE });
  return (token) => {
    const known = verified.get(token);
    if (known !== undefined) return known;
    const key = keys.verifying(headerKid(token));
    if (key === undefined) throw new Error("unknown key");
    const decoded = verifierFor(key)(token);
    verified.set(token, decoded);
    return decoded;
  };
}

function createUncachedVerifier(
  settings: JwtSettings,
  key: VerificationKey,
): (token: string) => DecodedToken {
  return createVerifier({
    key: key.verifyingKey,
    complete: true,
    // Only the key's own algorithm: this rejects "alg: none" and algorithm-confusion tokens (an
    // HS256 token "signed" with a published public key).
    algorithms: [key.algorithm],
    // fast-jwt fixes its clock when the verifier is built; exp and nbf are checked in checkPayload
    // against the caller's clock instead. No cache: it would keep answers for a clock it cannot see.
    ignoreExpiration: true,
    ignoreNotBefore: true,
    // fast-jwt skips aud/iss checks when the claim is absent, so configured ones must be required.
    requiredClaims: [
      ...(settings.audience === undefined ? [] : ["aud"]),
      ...(settings.issuer === undefined ? [] : ["iss"]),
    ],
    ...(settings.audience === undefined ? {} : { allowedAud: settings.audience }),
    ...(settings.issuer === undefined ? {} : { allowedIss: settings.issuer }),
  });
}

// Claim order follows django-graphql-jwt's jwt_payload: the user (under USERNAME_FIELD's name),
// exp, origIat, aud, iss.
function payloadOf(settings: JwtSettings, claims: AccessTokenClaims): Record<string, unknown> {
  const { username, ...rest } = claims;
  return { [settings.usernameClaim]: username, ...rest };
}

function claimsFor(
  settings: JwtSettings,
  username: string,
  origIat: number,
  issuedAt: number,
): AccessTokenClaims {
  const claims: AccessTokenClaims = {
    username,
    exp: issuedAt + Math.floor(settings.expirationDeltaSeconds),
  };
  if (settings.allowRefresh) claims.origIat = origIat;
  if (settings.audience !== undefined) claims.aud = settings.audience;
  if (settings.issuer !== undefined) claims.iss = settings.issuer;
  return claims;
}

function checkPayload(
  settings: JwtSettings,
  payload: unknown,
  nowSeconds: number,
): AccessTokenCheck {
  if (!isRecord(payload)) return INVALID;
  const claims = readClaims(payload, settings.usernameClaim);
  if (claims === undefined) return INVALID;
  // Like PyJWT: a token that names an audience is meant for someone, so with no audience
  // configured it is not meant for us (a sibling service may share the key).
  if (settings.audience === undefined && claims.aud !== undefined) return INVALID;
  // Comparisons are written as "not within" so a NaN clock fails closed.
  const leewaySeconds = settings.leewaySeconds;
  const notBefore = payload["nbf"];
  if (notBefore !== undefined) {
    if (!(typeof notBefore === "number" && nowSeconds + leewaySeconds >= notBefore)) return INVALID;
  }
  // Valid while now <= exp + leeway (SPEC §7.1).
  if (settings.verifyExpiration && !(nowSeconds <= claims.exp + leewaySeconds)) return EXPIRED;
  return { ok: true, claims };
}

function readClaims(
  payload: Record<string, unknown>,
  usernameClaim: string,
): AccessTokenClaims | undefined {
  const { exp, origIat, aud, iss } = payload;
  const username = payload[usernameClaim];
  if (typeof username !== "string" || !isWholeSeconds(exp)) return undefined;
  if (origIat !== undefined && !isWholeSeconds(origIat)) return undefined;
  // aud may be a list in general JWTs; we only ever issue, and so only accept, a single string.
  if (aud !== undefined && typeof aud !== "string") return undefined;
  if (iss !== undefined && typeof iss !== "string") return undefined;
  const claims: AccessTokenClaims = { username, exp };
  if (origIat !== undefined) claims.origIat = origIat;
  if (aud !== undefined) claims.aud = aud;
  if (iss !== undefined) claims.iss = iss;
  return claims;
}

function isWholeSeconds(value: unknown): value is number {
  return Number.isInteger(value);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function readBinding(header: unknown): AccessTokenBinding | undefined {
  if (!isRecord(header)) return undefined;
  const { uid, ver, sid } = header;
  if (!Number.isSafeInteger(uid) || !Number.isSafeInteger(ver)) return undefined;
  const binding: AccessTokenBinding = { userId: uid as number, version: ver as number };
  if (typeof sid === "string") binding.sessionId = sid;
  return binding;
}
