// Other services verify Gatehouse's access tokens without its secret (issue 19): with
// JWT_ALGORITHM EdDSA/ES*/RS* and no configured key, Gatehouse makes and stores its keys, signs
// with the current one under its kid, and publishes the public keys at /.well-known/jwks.json.
// An independent JOSE implementation (jose) checks the tokens against that set, across a rotation.
import { createHmac, createPublicKey, generateKeyPairSync, type JsonWebKey } from "node:crypto";
import { createSigner } from "fast-jwt";
import {
  createLocalJWKSet,
  decodeProtectedHeader,
  jwtVerify,
  type JSONWebKeySet,
  type JWTPayload,
} from "jose";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  pruneSigningKeys,
  rotateSigningKey,
  signingKeyStatuses,
} from "../../../../src/accounts/tokens/signing-key-rotation.js";
import { createDeps, type Deps } from "../../../../src/deps.js";
import { aVerifiedUser, logIn } from "../../../support/builders.js";
import { ME } from "../../../support/operations.js";
import { startTestApp, testDatabases, type TestApp } from "../../../support/test-app.js";

const TOKEN_LIFETIME_SECONDS = 300;

async function publishedKeys(app: TestApp): Promise<{ set: JSONWebKeySet; cache: string | null }> {
  const response = await fetch(new URL("/.well-known/jwks.json", app.url));
  expect(response.status).toBe(200);
  return {
    set: (await response.json()) as JSONWebKeySet,
    cache: response.headers.get("cache-control"),
  };
}

/** What a service holding only the published set concludes: the payload, or why not. */
async function verifiedElsewhere(app: TestApp, token: string): Promise<JWTPayload | string> {
  const { set } = await publishedKeys(app);
  try {
    const { payload } = await jwtVerify(token, createLocalJWKSet(set), {
      currentDate: app.clock.now(),
    });
    return payload;
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  }
}

async function meOf(app: TestApp, token: string): Promise<string | null> {
  const response = await app.gql(ME, {}, { token });
  return (response.body.data?.me as { username: string } | null)?.username ?? null;
}

function hmacSigned(header: object, claims: object, secret: string): string {
  const encode = (part: object) => Buffer.from(JSON.stringify(part)).toString("base64url");
  const signingInput = `${encode(header)}.${encode(claims)}`;
  return `${signingInput}.${createHmac("sha256", secret).update(signingInput).digest("base64url")}`;
}

function kidOf(token: string): string | undefined {
  return decodeProtectedHeader(token).kid;
}

describe.each(testDatabases())("signing keys stored and published, on %s", (database) => {
  let app: TestApp;
  const others: Deps[] = [];

  /** Another server process on the same database and clock. */
  async function anotherProcess(config = app.config): Promise<Deps> {
    const deps = createDeps(config, { log: pino({ level: "silent" }), clock: app.clock });
    others.push(deps);
    await deps.signingKeys.start();
    return deps;
  }

  beforeAll(async () => {
    app = await startTestApp(database, {
      JWT_ALGORITHM: "EdDSA",
      JWT_EXPIRATION_DELTA: String(TOKEN_LIFETIME_SECONDS),
    });
  });
  afterAll(async () => {
    for (const deps of others) await deps.close();
    await app.close();
  });

  it("publishes the public key its tokens name, and nothing private", async () => {
    const user = await aVerifiedUser(app);
    const { set, cache } = await publishedKeys(app);
    expect(cache).toMatch(/^public, max-age=\d+$/);
    expect(set.keys).toHaveLength(1);
    const [key] = set.keys;
    expect(key).toMatchObject({ kty: "OKP", crv: "Ed25519", alg: "EdDSA", use: "sig" });
    expect(Object.keys(key ?? {}).sort()).toEqual(["alg", "crv", "kid", "kty", "use", "x"]);
    expect(kidOf(user.token)).toBe(key?.kid);
    expect(await verifiedElsewhere(app, user.token)).toMatchObject({ username: user.username });
  });

  it("keeps the private key sealed in the database", async () => {
    const rows = await app.deps.db.selectFrom("jwt_signing_keys").selectAll().execute();
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      expect(row.private_key).not.toContain("PRIVATE KEY");
      expect(row.private_key).toMatch(/^v1\./);
    }
  });

  it("names the key set in the discovery document, on our own host whatever Host says", async () => {
    const url = new URL("/.well-known/openid-configuration", app.url);
    const response = await fetch(url, { headers: { host: "evil.example" } });
    expect(await response.json()).toEqual({
      issuer: "http://app.example.test",
      jwks_uri: "http://app.example.test/.well-known/jwks.json",
    });
  });

  it("refuses tokens the published key did not sign, however they are dressed", async () => {
    const user = await aVerifiedUser(app);
    const kid = kidOf(user.token) ?? "";
    const [, payload] = user.token.split(".");
    const header = (fields: object) => Buffer.from(JSON.stringify(fields)).toString("base64url");
    const stranger = generateKeyPairSync("ed25519").privateKey.export({
      type: "pkcs8",
      format: "pem",
    });
    const { set } = await publishedKeys(app);
    const publicPem = createPublicKey({ key: set.keys[0] as JsonWebKey, format: "jwk" })
      .export({ type: "spki", format: "pem" })
      .toString();
    const claims = JSON.parse(Buffer.from(payload ?? "", "base64url").toString()) as object;
    const forgeries = {
      // Another Ed25519 key, claiming to be ours.
      strangersKey: createSigner({ key: stranger.toString(), algorithm: "EdDSA", kid })(claims),
      // HS256 keyed with our public key as the server holds it (algorithm confusion).
      publicKeyAsSecret: hmacSigned({ alg: "HS256", typ: "JWT", kid }, claims, publicPem),
      unsigned: `${header({ alg: "none", kid })}.${payload ?? ""}.`,
      unknownKid: `${header({ alg: "EdDSA", kid: "not-a-key" })}.${user.token.split(".").slice(1).join(".")}`,
    };
    for (const [name, token] of Object.entries(forgeries)) {
      expect({ name, me: await meOf(app, token) }).toEqual({ name, me: null });
      expect({ name, elsewhere: typeof (await verifiedElsewhere(app, token)) }).toEqual({
        name,
        elsewhere: "string",
      });
    }
  });

  it("rotates: the new key is published first, signs from its time, the old verifies until pruned", async () => {
    const before = await aVerifiedUser(app);
    const oldKid = kidOf(before.token);
    const rotated = await rotateSigningKey(app.deps, 60);
    await app.deps.signingKeys.refresh();

    // Published before it signs: a verifier caching the set knows it first.
    const published = (await publishedKeys(app)).set.keys.map((key) => key.kid);
    expect(published).toEqual([oldKid, rotated.kid]);
    expect(kidOf((await logIn(app, before)).token)).toBe(oldKid);

    app.clock.advance(61);
    const after = await logIn(app, before);
    expect(kidOf(after.token)).toBe(rotated.kid);
    // Both verify, here and with the published set alone.
    expect(await meOf(app, before.token)).toBe(before.username);
    expect(await meOf(app, after.token)).toBe(before.username);
    expect(await verifiedElsewhere(app, before.token)).toMatchObject({ username: before.username });
    expect(await verifiedElsewhere(app, after.token)).toMatchObject({ username: before.username });

    // The old key's tokens may still be presented: pruning keeps it.
    expect(await pruneSigningKeys(app.deps)).toEqual([]);
    expect((await signingKeyStatuses(app.deps)).map((key) => key.state)).toEqual([
      "previous",
      "current",
    ]);

    app.clock.advance(TOKEN_LIFETIME_SECONDS + 31);
    expect(await pruneSigningKeys(app.deps)).toEqual([oldKid]);
    await app.deps.signingKeys.refresh();
    expect((await publishedKeys(app)).set.keys.map((key) => key.kid)).toEqual([rotated.kid]);
    // Even with a clock that would still take the old token, nothing verifies it now.
    const { set } = await publishedKeys(app);
    await expect(
      jwtVerify(before.token, createLocalJWKSet(set), { currentDate: new Date(0) }),
    ).rejects.toMatchObject({ code: "ERR_JWKS_NO_MATCHING_KEY" });
    expect(await meOf(app, (await logIn(app, before)).token)).toBe(before.username);
  });

  it("lets every server process agree on the current key", async () => {
    const other = await anotherProcess();
    expect(other.signingKeys.signing().kid).toBe(app.deps.signingKeys.signing().kid);

    // A rotation made anywhere reaches every process before the key signs.
    const rotated = await rotateSigningKey(other, 60);
    await app.deps.signingKeys.refresh();
    await other.signingKeys.refresh();
    app.clock.advance(61);
    expect(app.deps.signingKeys.signing().kid).toBe(rotated.kid);
    expect(other.signingKeys.signing().kid).toBe(rotated.kid);
  });

  it("rereads the keys when a token names one it has not read yet (a rotation with no delay)", async () => {
    const other = await anotherProcess();
    const user = await aVerifiedUser(app);
    const rotated = await rotateSigningKey(other, 0);
    await other.signingKeys.refresh();
    const token = other.accessTokens.issue(user.username, Math.floor(Date.now() / 1000), {
      issuedAtSeconds: Math.floor(app.clock.now().getTime() / 1000),
    }).token;
    expect(kidOf(token)).toBe(rotated.kid);
    // The first sight of the kid starts a reread; it is known once that has finished.
    let checked = app.deps.accessTokens.check(token, app.clock.now().getTime() / 1000);
    for (let attempt = 0; attempt < 50 && !checked.ok; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      checked = app.deps.accessTokens.check(token, app.clock.now().getTime() / 1000);
    }
    expect(checked.ok).toBe(true);
  });

  it("has processes starting together on a new algorithm agree on one first key", async () => {
    const es256 = { ...app.config, jwt: { ...app.config.jwt, algorithm: "ES256" as const } };
    const started = await Promise.all([anotherProcess(es256), anotherProcess(es256)]);
    const kids = started.map((deps) => deps.signingKeys.signing().kid);
    expect(kids[0]).toBe(kids[1]);
    const es256Keys = (await signingKeyStatuses(app.deps)).filter(
      (key) => key.algorithm === "ES256",
    );
    expect(es256Keys).toHaveLength(1);
  });

  it("will not sign with a stored key SECRET_KEY no longer opens, and says why", async () => {
    const changed = createDeps(
      { ...app.config, secretKey: "another-secret-key-that-is-long-enough" },
      { log: pino({ level: "silent" }), clock: app.clock },
    );
    others.push(changed);
    await expect(changed.signingKeys.start()).rejects.toThrow(/does not decrypt under SECRET_KEY/);
  });
});

describe("the HS256 default", () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(testDatabases()[0] ?? "sqlite");
  });
  afterAll(async () => {
    await app.close();
  });

  it("publishes no key and names none in its tokens (a shared secret is never published)", async () => {
    const user = await aVerifiedUser(app);
    expect((await publishedKeys(app)).set).toEqual({ keys: [] });
    expect(decodeProtectedHeader(user.token)).not.toHaveProperty("kid");
  });
});
