// JWT key settings are checked at start (issue 19): a key that does not parse, does not fit
// JWT_ALGORITHM, or a public key that is not the private key's half stops the server with the
// reason; a setting the algorithm does not use is refused, not ignored.
import { generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../../src/config/config.js";
import { problemsOf } from "../../support/config-problems.js";

const ed25519 = generateKeyPairSync("ed25519");
const p256 = generateKeyPairSync("ec", { namedCurve: "P-256" });
const pkcs8 = (key: typeof ed25519.privateKey) =>
  key.export({ type: "pkcs8", format: "pem" }).toString();
const spki = (key: typeof ed25519.publicKey) =>
  key.export({ type: "spki", format: "pem" }).toString();

describe("JWT key settings", () => {
  it("takes a PEM or a JWK private key, and keeps a JWK's kid", () => {
    expect(
      loadConfig({ JWT_ALGORITHM: "EdDSA", JWT_PRIVATE_KEY: pkcs8(ed25519.privateKey) }).jwt
        .privateKey,
    ).toBe(pkcs8(ed25519.privateKey));
    const jwk = { ...p256.privateKey.export({ format: "jwk" }), kid: "k-2026" };
    const config = loadConfig({
      JWT_ALGORITHM: "ES256",
      JWT_PRIVATE_KEY: JSON.stringify(jwk),
      JWT_PUBLIC_KEY: spki(p256.publicKey),
    });
    expect(config.jwt).toMatchObject({ privateKey: pkcs8(p256.privateKey), keyId: "k-2026" });
  });

  it("needs no key at all for an asymmetric algorithm: Gatehouse then stores its own", () => {
    expect(loadConfig({ JWT_ALGORITHM: "EdDSA" }).jwt.privateKey).toBeUndefined();
  });

  it("refuses keys that do not parse or do not fit the algorithm", () => {
    expect(problemsOf({ JWT_ALGORITHM: "EdDSA", JWT_PRIVATE_KEY: "not a key" })).toEqual([
      expect.stringMatching(/^JWT_PRIVATE_KEY is not a PEM or JWK private key \(.+\)$/),
    ]);
    expect(problemsOf({ JWT_ALGORITHM: "ES384", JWT_PRIVATE_KEY: pkcs8(p256.privateKey) })).toEqual(
      ["JWT_PRIVATE_KEY does not fit ES384"],
    );
    const weakRsa = generateKeyPairSync("rsa", { modulusLength: 1024 });
    expect(
      problemsOf({ JWT_ALGORITHM: "RS256", JWT_PRIVATE_KEY: pkcs8(weakRsa.privateKey) }),
    ).toEqual(["JWT_PRIVATE_KEY does not fit RS256"]);
    const publicOnly = JSON.stringify(ed25519.publicKey.export({ format: "jwk" }));
    expect(problemsOf({ JWT_ALGORITHM: "EdDSA", JWT_PRIVATE_KEY: publicOnly })).toEqual([
      "JWT_PRIVATE_KEY is not a PEM or JWK private key (the JWK has no private part (d))",
    ]);
  });

  it("refuses a public key that is not the private key's other half", () => {
    const other = generateKeyPairSync("ed25519");
    expect(
      problemsOf({
        JWT_ALGORITHM: "EdDSA",
        JWT_PRIVATE_KEY: pkcs8(ed25519.privateKey),
        JWT_PUBLIC_KEY: spki(other.publicKey),
      }),
    ).toEqual(["JWT_PUBLIC_KEY is not JWT_PRIVATE_KEY's public key"]);
    expect(
      problemsOf({
        JWT_ALGORITHM: "EdDSA",
        JWT_PRIVATE_KEY: pkcs8(ed25519.privateKey),
        JWT_PUBLIC_KEY: "garbage",
      }),
    ).toEqual([expect.stringMatching(/^JWT_PUBLIC_KEY is not a PEM or JWK public key/)]);
  });

  it("refuses the settings an algorithm does not use", () => {
    expect(
      problemsOf({ JWT_ALGORITHM: "HS256", JWT_PRIVATE_KEY: pkcs8(ed25519.privateKey) }),
    ).toEqual(["JWT_PRIVATE_KEY and JWT_PUBLIC_KEY are for RS*, ES* and EdDSA, not HS256"]);
    expect(problemsOf({ JWT_ALGORITHM: "EdDSA", JWT_SECRET_KEY: "s".repeat(40) })).toEqual([
      "JWT_SECRET_KEY is for HS* only; EdDSA signs with JWT_PRIVATE_KEY",
    ]);
    expect(problemsOf({ JWT_ALGORITHM: "EdDSA", JWT_PUBLIC_KEY: spki(ed25519.publicKey) })).toEqual(
      [
        "JWT_PUBLIC_KEY needs JWT_PRIVATE_KEY (unset both and Gatehouse generates, stores and rotates its keys)",
      ],
    );
  });
});
