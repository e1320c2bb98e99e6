// The JWT key settings, read and checked at start: a key that does not parse, does not fit
// JWT_ALGORITHM, or a public key that is not the private key's other half stops the server with
// the reason, instead of failing the first sign-in.
import { createPrivateKey, createPublicKey, type JsonWebKey, type KeyObject } from "node:crypto";
import type { JwtAlgorithm } from "./types.js";

function isAsymmetric(algorithm: JwtAlgorithm): boolean {
  return !algorithm.startsWith("HS");
}

/** A PEM or JWK private key as Node reads it; throws with a reason when it is neither. */
function readPrivateKey(text: string): KeyObject {
  const trimmed = text.trim();
  if (trimmed.startsWith("{")) {
    const jwk = JSON.parse(trimmed) as JsonWebKey;
    if (jwk.d === undefined) throw new Error("the JWK has no private part (d)");
    return createPrivateKey({ key: jwk, format: "jwk" });
  }
  return createPrivateKey(trimmed);
}

/** A PEM or JWK public key (a private one gives its public half). */
function readPublicKey(text: string): KeyObject {
  const trimmed = text.trim();
  if (trimmed.startsWith("{")) {
    return createPublicKey({ key: JSON.parse(trimmed) as JsonWebKey, format: "jwk" });
  }
  return createPublicKey(trimmed);
}

const CURVES: Partial<Record<JwtAlgorithm, string>> = {
  ES256: "prime256v1",
  ES384: "secp384r1",
  ES512: "secp521r1",
};

/** Whether `key` can sign for `algorithm` (RSA of 2048 bits or more, the algorithm's curve). */
function keyFitsAlgorithm(key: KeyObject, algorithm: JwtAlgorithm): boolean {
  const details = key.asymmetricKeyDetails ?? {};
  if (algorithm.startsWith("RS")) {
    return key.asymmetricKeyType === "rsa" && (details.modulusLength ?? 0) >= 2048;
  }
  if (algorithm.startsWith("ES")) {
    return key.asymmetricKeyType === "ec" && details.namedCurve === CURVES[algorithm];
  }
  if (algorithm === "EdDSA") return key.asymmetricKeyType === "ed25519";
  return false;
}

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function jwtKeyProblems(e: {
  JWT_ALGORITHM: JwtAlgorithm;
  JWT_SECRET_KEY?: string | undefined;
  JWT_PRIVATE_KEY?: string | undefined;
  JWT_PUBLIC_KEY?: string | undefined;
}): string[] {
  const algorithm = e.JWT_ALGORITHM;
  if (!isAsymmetric(algorithm)) {
    return e.JWT_PRIVATE_KEY === undefined && e.JWT_PUBLIC_KEY === undefined
      ? []
      : [`JWT_PRIVATE_KEY and JWT_PUBLIC_KEY are for RS*, ES* and EdDSA, not ${algorithm}`];
  }
  const problems: string[] = [];
  if (e.JWT_SECRET_KEY !== undefined) {
    problems.push(`JWT_SECRET_KEY is for HS* only; ${algorithm} signs with JWT_PRIVATE_KEY`);
  }
  if (e.JWT_PRIVATE_KEY === undefined) {
    if (e.JWT_PUBLIC_KEY !== undefined) {
      problems.push(
        "JWT_PUBLIC_KEY needs JWT_PRIVATE_KEY (unset both and Gatehouse generates, stores and rotates its keys)",
      );
    }
    return problems;
  }
  let privateKey: KeyObject;
  try {
    privateKey = readPrivateKey(e.JWT_PRIVATE_KEY);
  } catch (error) {
    return [...problems, `JWT_PRIVATE_KEY is not a PEM or JWK private key (${reason(error)})`];
  }
  if (!keyFitsAlgorithm(privateKey, algorithm)) {
    problems.push(`JWT_PRIVATE_KEY does not fit ${algorithm}`);
  }
  if (e.JWT_PUBLIC_KEY !== undefined) {
    try {
      const given = readPublicKey(e.JWT_PUBLIC_KEY).export({ type: "spki", format: "der" });
      const derived = createPublicKey(privateKey).export({ type: "spki", format: "der" });
      if (!given.equals(derived))
        problems.push("JWT_PUBLIC_KEY is not JWT_PRIVATE_KEY's public key");
    } catch (error) {
      problems.push(`JWT_PUBLIC_KEY is not a PEM or JWK public key (${reason(error)})`);
    }
  }
  return problems;
}

export interface ConfiguredJwtKeys {
  /** PKCS #8 PEM, whichever form JWT_PRIVATE_KEY was written in. */
  privateKey: string | undefined;
  /** SPKI PEM. */
  publicKey: string | undefined;
  /** The `kid` a JWK named; unset, the key's RFC 7638 thumbprint is used. */
  keyId: string | undefined;
}

/**
 * JWT_PRIVATE_KEY and JWT_PUBLIC_KEY as PEM, so the rest of the server reads one form. A key
 * that does not parse is passed through as written: jwtKeyProblems refuses it with the reason.
 */
export function configuredJwtKeys(e: {
  JWT_PRIVATE_KEY?: string | undefined;
  JWT_PUBLIC_KEY?: string | undefined;
}): ConfiguredJwtKeys {
  const asPem = (
    text: string | undefined,
    read: (text: string) => KeyObject,
    type: "pkcs8" | "spki",
  ) => {
    if (text === undefined) return undefined;
    try {
      return read(text).export({ type, format: "pem" }).toString();
    } catch {
      return text;
    }
  };
  let keyId: string | undefined;
  if (e.JWT_PRIVATE_KEY?.trim().startsWith("{") === true) {
    try {
      const kid = (JSON.parse(e.JWT_PRIVATE_KEY) as { kid?: unknown }).kid;
      if (typeof kid === "string" && kid !== "") keyId = kid;
    } catch {
      // Not JSON: jwtKeyProblems says so.
    }
  }
  return {
    privateKey: asPem(e.JWT_PRIVATE_KEY, readPrivateKey, "pkcs8"),
    publicKey: asPem(e.JWT_PUBLIC_KEY, readPublicKey, "spki"),
    keyId,
  };
}
