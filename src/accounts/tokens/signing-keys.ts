// The keys access tokens are signed and verified with (issue 19). Three sources:
// - HS*: the shared secret (JWT_SECRET_KEY); nothing is published, tokens carry no `kid`, and a
//   Django backend holding the same secret keeps verifying them.
// - RS*/ES*/EdDSA with JWT_PRIVATE_KEY (PEM or JWK): that one key, fixed by the configuration.
// - RS*/ES*/EdDSA without a configured key: keys Gatehouse generates and stores (the database is
//   what every server process shares), rotated with `gatehouse keys rotate` and removed with
//   `gatehouse keys prune`. The current key is the newest one whose activation time has come, so
//   processes that have read the same rows agree on it without talking to each other; a new key is
//   published in the JWKS before it activates, so a verifier that caches the JWKS knows it before
//   it sees a token signed with it.
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type JsonWebKey,
  type KeyObject,
} from "node:crypto";
import type { Config, JwtAlgorithm } from "../../config/config.js";
import type { Db } from "../../db/database.js";
import { openSecret, sealSecret, type SecretBoxUse } from "../secret-box.js";
import type { Clock } from "../types.js";
import { insertSigningKey, listSigningKeys, type StoredSigningKey } from "./signing-keys-store.js";

/** How often a process rereads the stored keys (a rotation elsewhere reaches it within this). */
export const KEY_REFRESH_INTERVAL_MS = 30_000;
/** Cache-Control max-age of the JWKS. */
export const JWKS_MAX_AGE_SECONDS = 300;
/**
 * Default delay between `keys rotate` and the new key signing: longer than the JWKS may be
 * cached plus a refresh, so every verifier and every server process knows the key first.
 */
export const DEFAULT_ACTIVATION_DELAY_SECONDS = 600;
/** When a first key activates: always, and the same instant for every process proposing one. */
const FIRST_KEY_ACTIVATION = new Date(0);
/** An unknown `kid` rereads the keys (a key rotated in with no delay), at most this often. */
const UNKNOWN_KID_REFRESH_MS = 1_000;

export interface VerificationKey {
  /** Absent for the shared secret and for tokens a configured key signed before kids existed. */
  kid: string | undefined;
  algorithm: JwtAlgorithm;
  /** PEM public key, or the HS secret. */
  verifyingKey: string;
}

export interface SigningKey extends VerificationKey {
  /** PEM private key, or the HS secret. */
  signingKey: string;
}

export interface PublishedKey extends JsonWebKey {
  kid: string;
  alg: JwtAlgorithm;
  use: "sig";
}

export interface KeyRing {
  /** Where the keys come from: rotate and prune work on `stored` keys only. */
  readonly source: "secret" | "configured" | "stored";
  /** The key that signs now. */
  signing(): SigningKey;
  /** The key a token's header names, or undefined (an unknown kid also rereads stored keys). */
  verifying(kid: string | undefined): VerificationKey | undefined;
  /** The public keys: the pending one, the current one and the previous ones. */
  published(): PublishedKey[];
  /** Reads (on first start: generates) the stored keys, then rereads them every 30 s. */
  start(): Promise<void>;
  refresh(): Promise<void>;
  stop(): void;
}

export interface KeyRingDeps {
  config: Config;
  db: Db;
  clock: Clock;
  log: { error: (obj: object, msg: string) => void };
}

export function isAsymmetric(algorithm: JwtAlgorithm): boolean {
  return !algorithm.startsWith("HS");
}

function privateKeyUse(kid: string): SecretBoxUse {
  return { label: "gatehouse jwt signing key v1", associatedData: `jwt-signing-key:${kid}` };
}

/** RFC 7638: SHA-256 over the required members, in lexicographic order, without spaces. */
export function jwkThumbprint(publicKey: KeyObject): string {
  const jwk = publicKey.export({ format: "jwk" });
  const required: Record<string, readonly string[]> = {
    RSA: ["e", "kty", "n"],
    EC: ["crv", "kty", "x", "y"],
    OKP: ["crv", "kty", "x"],
  };
  const members = required[jwk.kty ?? ""];
  if (members === undefined) throw new Error(`no thumbprint for key type ${String(jwk.kty)}`);
  const canonical = JSON.stringify(
    Object.fromEntries(members.map((name) => [name, jwk[name as keyof JsonWebKey]])),
  );
  return createHash("sha256").update(canonical).digest("base64url");
}

function publishedKey(kid: string, algorithm: JwtAlgorithm, publicKeyPem: string): PublishedKey {
  const jwk = createPublicKey(publicKeyPem).export({ format: "jwk" });
  return { ...jwk, kid, alg: algorithm, use: "sig" };
}

function generateKeyPair(algorithm: JwtAlgorithm): { privateKey: KeyObject; publicKey: KeyObject } {
  switch (algorithm) {
    case "RS256":
    case "RS384":
    case "RS512":
      return generateKeyPairSync("rsa", { modulusLength: 3072 });
    case "ES256":
      return generateKeyPairSync("ec", { namedCurve: "prime256v1" });
    case "ES384":
      return generateKeyPairSync("ec", { namedCurve: "secp384r1" });
    case "ES512":
      return generateKeyPairSync("ec", { namedCurve: "secp521r1" });
    case "EdDSA":
      return generateKeyPairSync("ed25519");
    case "HS256":
    case "HS384":
    case "HS512":
      throw new Error(`${algorithm} signs with a shared secret, not a key pair`);
  }
}

/** A fresh key for the configured algorithm, sealed for storage; it signs from `activatesAt`. */
export function newStoredKey(
  config: Pick<Config, "secretKey"> & { jwt: Pick<Config["jwt"], "algorithm"> },
  createdAt: Date,
  activatesAt: Date,
): StoredSigningKey {
  const { privateKey, publicKey } = generateKeyPair(config.jwt.algorithm);
  const kid = jwkThumbprint(publicKey);
  const privatePem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  return {
    kid,
    algorithm: config.jwt.algorithm,
    publicKeyPem: publicKey.export({ type: "spki", format: "pem" }).toString(),
    sealedPrivateKey: sealSecret(config.secretKey, privateKeyUse(kid), privatePem),
    createdAt,
    activatesAt,
  };
}

export function createKeyRing(deps: KeyRingDeps): KeyRing {
  const settings = deps.config.jwt;
  if (isAsymmetric(settings.algorithm) && settings.privateKey === undefined) {
    return storedKeyRing(deps);
  }
  return fixedKeyRing(settings);
}

/** The keys the settings give: the HS secret, or JWT_PRIVATE_KEY. */
export function fixedKeyRing(settings: Config["jwt"]): KeyRing {
  if (!isAsymmetric(settings.algorithm)) return secretKeyRing(settings);
  if (settings.privateKey === undefined) {
    throw new Error(
      `JWT algorithm ${settings.algorithm} needs JWT_PRIVATE_KEY, or keys stored in the database`,
    );
  }
  return configuredKeyRing(settings);
}

function secretKeyRing(settings: Config["jwt"]): KeyRing {
  const key: SigningKey = {
    kid: undefined,
    algorithm: settings.algorithm,
    signingKey: settings.secretKey,
    verifyingKey: settings.secretKey,
  };
  return {
    source: "secret",
    signing: () => key,
    // A token naming a key is not one of ours: the secret has no name.
    verifying: (kid) => (kid === undefined ? key : undefined),
    published: () => [],
    start: () => Promise.resolve(),
    refresh: () => Promise.resolve(),
    stop: () => undefined,
  };
}

function configuredKeyRing(settings: Config["jwt"]): KeyRing {
  // config/jwt-keys.ts checked both at start and gives them as PEM.
  const privateKey = createPrivateKey(settings.privateKey ?? "");
  // The public half can be derived, so JWT_PUBLIC_KEY is optional when the private key is set.
  const publicKey = createPublicKey(settings.publicKey ?? privateKey);
  const kid = settings.keyId ?? jwkThumbprint(publicKey);
  const key: SigningKey = {
    kid,
    algorithm: settings.algorithm,
    signingKey: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    verifyingKey: publicKey.export({ type: "spki", format: "pem" }).toString(),
  };
  const published = [publishedKey(kid, settings.algorithm, key.verifyingKey)];
  return {
    source: "configured",
    signing: () => key,
    // Tokens signed before kids were added carry none; the configured key is the only candidate.
    verifying: (tokenKid) => (tokenKid === undefined || tokenKid === kid ? key : undefined),
    published: () => published,
    start: () => Promise.resolve(),
    refresh: () => Promise.resolve(),
    stop: () => undefined,
  };
}

interface LoadedKeys {
  current: SigningKey;
  verifying: Map<string, VerificationKey>;
  published: PublishedKey[];
}

function storedKeyRing(deps: KeyRingDeps): KeyRing {
  let loaded: LoadedKeys | undefined;
  let stored: StoredSigningKey[] = [];
  let timer: NodeJS.Timeout | undefined;
  let lastUnknownKidRefresh = 0;
  const openedPrivateKeys = new Map<string, string>();

  function openPrivateKey(key: StoredSigningKey): string {
    const known = openedPrivateKeys.get(key.kid);
    if (known !== undefined) return known;
    const pem = openSecret(deps.config.secretKey, privateKeyUse(key.kid), key.sealedPrivateKey);
    if (pem === undefined) {
      throw new Error(
        `the stored JWT signing key ${key.kid} does not decrypt under SECRET_KEY (was SECRET_KEY changed?); restore SECRET_KEY, or run "gatehouse keys rotate --activate-in 0" to sign with a new key`,
      );
    }
    openedPrivateKeys.set(key.kid, pem);
    return pem;
  }

  /** The newest key of the configured algorithm whose time has come. */
  function currentOf(keys: readonly StoredSigningKey[]): StoredSigningKey | undefined {
    const now = deps.clock.now().getTime();
    return keys
      .filter((key) => key.algorithm === deps.config.jwt.algorithm)
      .filter((key) => key.activatesAt.getTime() <= now)
      .at(-1);
  }

  function build(keys: readonly StoredSigningKey[]): LoadedKeys | undefined {
    const current = currentOf(keys);
    if (current === undefined) return undefined;
    const verifying = new Map<string, VerificationKey>(
      keys.map((key) => [
        key.kid,
        { kid: key.kid, algorithm: key.algorithm as JwtAlgorithm, verifyingKey: key.publicKeyPem },
      ]),
    );
    return {
      current: {
        kid: current.kid,
        algorithm: current.algorithm as JwtAlgorithm,
        verifyingKey: current.publicKeyPem,
        signingKey: openPrivateKey(current),
      },
      verifying,
      published: keys.map((key) =>
        publishedKey(key.kid, key.algorithm as JwtAlgorithm, key.publicKeyPem),
      ),
    };
  }

  async function read(): Promise<void> {
    stored = await listSigningKeys(deps.db);
    if (currentOf(stored) === undefined) {
      // First start (or a new algorithm): a key that has always been active. Processes starting
      // together all propose one for the same instant; the unique index keeps the first, and
      // every process then reads that one.
      const now = deps.clock.now();
      await insertSigningKey(deps.db, newStoredKey(deps.config, now, FIRST_KEY_ACTIVATION));
      stored = await listSigningKeys(deps.db);
    }
    loaded = build(stored);
  }

  function loadedKeys(): LoadedKeys {
    if (loaded === undefined) throw new Error("JWT signing keys are not loaded (KeyRing.start)");
    // A pending key's activation time may have come since the last read.
    const current = currentOf(stored);
    if (current !== undefined && current.kid !== loaded.current.kid) loaded = build(stored);
    return loaded as LoadedKeys;
  }

  async function refresh(): Promise<void> {
    try {
      await read();
    } catch (error) {
      // The keys read before stay in use: a database blink must not stop token checks.
      deps.log.error({ err: error }, "JWT signing keys could not be reread");
    }
  }

  return {
    source: "stored",
    signing: () => loadedKeys().current,
    verifying(kid) {
      if (kid === undefined) return undefined;
      const key = loadedKeys().verifying.get(kid);
      if (key === undefined) {
        const now = Date.now();
        if (now - lastUnknownKidRefresh >= UNKNOWN_KID_REFRESH_MS) {
          lastUnknownKidRefresh = now;
          void refresh();
        }
      }
      return key;
    },
    published: () => loadedKeys().published,
    async start() {
      await read();
      if (timer !== undefined) return;
      timer = setInterval(() => void refresh(), KEY_REFRESH_INTERVAL_MS);
      timer.unref();
    },
    refresh,
    stop() {
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
    },
  };
}
