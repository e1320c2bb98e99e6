// Passkeys (issue 18, WEBAUTHN_RP_ID) in real Chromium: its DevTools virtual authenticator
// creates and signs as a platform authenticator would, on a page at http://localhost:<port>.
// Then the attacks: a replayed, expired, foreign or forged assertion, a cloned authenticator
// (its counter going back), another user's challenge, a removed passkey.
import { generateAuthenticationOptions } from "@simplewebauthn/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findUserByUsername } from "../../../src/accounts/users-store.js";
import { aLoggedInSuperuser } from "../../support/admin-client.js";
import { aVerifiedUser, logIn, type RegisteredUser } from "../../support/builders.js";
import { ME } from "../../support/operations.js";
import {
  RATE_LIMITED,
  aClientIp,
  fromClient,
  startFreshWindows,
} from "../../support/rate-limits.js";
import {
  AUTHENTICATION_OPTIONS,
  INVALID_PASSKEY,
  PASSKEY_AUTH,
  REGISTRATION_OPTIONS,
  REGISTER_PASSKEY,
  REMOVE_PASSKEY,
  forgedAssertion,
  passkeyCeremonies,
} from "../../support/passkeys.js";
import { aUserWithTotp } from "../../support/second-factor.js";
import { startTestApp, testDatabases, type TestApp } from "../../support/test-app.js";
import { startWebAuthnBrowser, type WebAuthnBrowser } from "../../support/webauthn-browser.js";

const MY_PASSKEYS = `{ me { username passkeys { id name createdAt lastUsedAt } } }`;
const SESSIONS = `{ sessions { id current } }`;

describe.each(testDatabases())("passkeys on %s", (database) => {
  let browser: WebAuthnBrowser;
  let app: TestApp;
  beforeAll(async () => {
    browser = await startWebAuthnBrowser();
    app = await startTestApp(database, {
      WEBAUTHN_RP_ID: browser.rpId,
      WEBAUTHN_ORIGINS: browser.origin,
      WEBAUTHN_RP_NAME: "Gatehouse tests",
    });
  }, 60_000);
  afterAll(async () => {
    await app.close();
    await browser.close();
  });

  const { registerPasskeyFor, assertionOptions, assertion, signIn, json } = passkeyCeremonies(
    () => ({ app, browser }),
  );

  it("registers a passkey and signs in with it alone, into a session that can be ended", async () => {
    const user = await aVerifiedUser(app);
    const registered = await registerPasskeyFor(user);
    expect(registered).toMatchObject({ success: true, errors: null, passkey: { name: "Laptop" } });

    const { signed } = await assertion();
    const signedIn = await signIn(signed);
    expect(signedIn).toMatchObject({
      success: true,
      errors: null,
      token: expect.any(String) as unknown,
      refreshToken: expect.any(String) as unknown,
      user: { username: user.username },
    });
    const access = signedIn.token ?? "";
    const mine = (await app.gql(MY_PASSKEYS, {}, { token: access })).body.data?.me as {
      passkeys: { id: string; lastUsedAt: string | null }[];
    };
    expect(mine.passkeys).toEqual([
      expect.objectContaining({
        id: registered.passkey?.id,
        name: "Laptop",
        lastUsedAt: expect.any(String) as unknown,
      }),
    ]);

    const sessions = (await app.gql(SESSIONS, {}, { token: access })).body.data?.sessions as {
      id: string;
      current: boolean;
    }[];
    const current = sessions.find((session) => session.current);
    const ended = await app.gql(
      `mutation ($id: ID!) { revokeSession(id: $id) { success errors } }`,
      { id: current?.id },
      { token: user.token },
    );
    expect(ended.body.data?.revokeSession).toEqual({ success: true, errors: null });
    expect((await app.gql(ME, {}, { token: access })).body.data?.me).toBeNull();
  });

  it("offers the user's passkeys when a username is given", async () => {
    const user = await aVerifiedUser(app);
    const registered = await registerPasskeyFor(user);
    const { options, signed } = await assertion(user.username);
    expect(options.allowCredentials?.map((credential) => credential.id)).toEqual([
      registered.passkey?.id,
    ]);
    expect(await signIn(signed)).toMatchObject({
      success: true,
      user: { username: user.username },
    });
  });

  it("answers a name with no passkey, or no account, as it answers a user with one", async () => {
    const withPasskey = await aVerifiedUser(app);
    const realId = (await registerPasskeyFor(withPasskey)).passkey?.id;
    const without = await aVerifiedUser(app);
    const offered = async (name: string) => (await assertionOptions(name)).options;
    const real = await offered(withPasskey.username);
    expect(real.allowCredentials?.map((credential) => credential.id)).toEqual([realId]);

    const shapeOf = (options: object) =>
      JSON.stringify(options, (key, value: unknown) =>
        key === "challenge" || key === "id" ? "…" : value,
      ).replace(/"transports":\[[^\]]*\]/, '"transports":[…]');
    const nobody = `nobody_${without.username}`;
    for (const name of [without.username, nobody]) {
      const decoy = await offered(name);
      expect(shapeOf(decoy)).toBe(shapeOf(real));
      const [id] = decoy.allowCredentials?.map((credential) => credential.id) ?? [];
      expect(id).toMatch(/^[A-Za-z0-9_-]{43}$/);
      // The same at every call, whatever the case, so asking twice tells nothing either.
      expect((await offered(name.toUpperCase())).allowCredentials?.[0]?.id).toBe(id);
    }
    const decoyOf = async (name: string) => (await offered(name)).allowCredentials?.[0]?.id;
    expect(await decoyOf(without.username)).not.toBe(await decoyOf(nobody));
    // No authenticator holds a decoy: the browser finds nothing to sign with.
    await expect(browser.get(await offered(nobody))).rejects.toThrow();
  });

  it("refuses an assertion presented a second time", async () => {
    const user = await aVerifiedUser(app);
    await registerPasskeyFor(user);
    const { signed } = await assertion(user.username);
    expect(await signIn(signed)).toMatchObject({ success: true });
    expect(await signIn(signed)).toMatchObject({ success: false, errors: INVALID_PASSKEY });
  });

  it("refuses an assertion of a challenge past its five minutes", async () => {
    const user = await aVerifiedUser(app);
    await registerPasskeyFor(user);
    const { signed } = await assertion(user.username);
    app.clock.advance(5 * 60 + 1);
    expect(await signIn(signed)).toMatchObject({ success: false, errors: INVALID_PASSKEY });
  });

  it("refuses an assertion of a challenge it never issued", async () => {
    const user = await aVerifiedUser(app);
    await registerPasskeyFor(user);
    const foreign = await generateAuthenticationOptions({ rpID: browser.rpId });
    const signed = await browser.get(foreign);
    expect(await signIn(signed)).toMatchObject({ success: false, errors: INVALID_PASSKEY });
  });

  it("refuses an altered assertion and one of another user's challenge", async () => {
    const owner = await aVerifiedUser(app);
    const other = await aVerifiedUser(app);
    const ownerPasskey = (await registerPasskeyFor(owner)).passkey?.id ?? "";
    await registerPasskeyFor(other);
    const { signed } = await assertion(owner.username);
    const response = signed.response as Record<string, string>;
    const signature = response.signature ?? "";
    const flipped = signature.endsWith("AA") ? "BB" : "AA";
    const altered = {
      ...signed,
      response: { ...response, signature: signature.slice(0, -2) + flipped },
    };
    expect(await signIn(altered)).toMatchObject({ success: false, errors: INVALID_PASSKEY });

    // A challenge issued for `other` (with a username) signed by the owner's passkey.
    const { options } = await assertionOptions(other.username);
    const signedByOwner = await browser.get({
      ...options,
      allowCredentials: [{ id: ownerPasskey, type: "public-key" }],
    });
    expect(await signIn(signedByOwner)).toMatchObject({ success: false, errors: INVALID_PASSKEY });
  });

  it("refuses a signature counter that went back (a cloned authenticator)", async () => {
    const user = await aVerifiedUser(app);
    const registered = await registerPasskeyFor(user);
    await app.deps.db
      .updateTable("passkeys")
      .set({ sign_count: 1_000_000 })
      .where("id", "=", registered.passkey?.id ?? "")
      .execute();
    const { signed } = await assertion(user.username);
    expect(await signIn(signed)).toMatchObject({ success: false, errors: INVALID_PASSKEY });
  });

  it("lets a user with TOTP on sign in with a passkey alone", async () => {
    const user = await aUserWithTotp(app);
    await registerPasskeyFor(user);
    const { signed } = await assertion(user.username);
    expect(await signIn(signed)).toMatchObject({
      success: true,
      user: { username: user.username },
    });
  });

  it("refuses the passkey of a deactivated account, and one that was removed", async () => {
    const user: RegisteredUser = await aVerifiedUser(app);
    const removedId = (await registerPasskeyFor(user)).passkey?.id ?? "";
    const removed = await app.gql(
      REMOVE_PASSKEY,
      { id: removedId, password: user.password },
      { token: user.token },
    );
    expect(removed.body.data?.removePasskey).toEqual({ success: true, errors: null });
    const { options } = await assertionOptions();
    const signedWithRemoved = await browser.get({
      ...options,
      allowCredentials: [{ id: removedId, type: "public-key" }],
    });
    expect(await signIn(signedWithRemoved)).toMatchObject({
      success: false,
      errors: INVALID_PASSKEY,
    });

    const other = await aVerifiedUser(app);
    await registerPasskeyFor(other);
    await app.deps.db
      .updateTable("users")
      .set({ is_active: false as never })
      .where("username", "=", other.username)
      .execute();
    const second = await assertion(other.username);
    expect(await signIn(second.signed)).toMatchObject({
      success: false,
      errors: {
        nonFieldErrors: [
          { message: "Please, enter valid credentials.", code: "invalid_credentials" },
        ],
      },
    });
  });

  it("registers only for the user its options were issued to, and only when signed in", async () => {
    const owner = await aVerifiedUser(app);
    const thief = await logIn(app, await aVerifiedUser(app));
    const options = await app.gql(REGISTRATION_OPTIONS, {}, { token: owner.token });
    const created = await browser.create(
      JSON.parse(
        (options.body.data?.passkeyRegistrationOptions as { options: string }).options,
      ) as object,
    );
    const stolen = await app.gql(
      REGISTER_PASSKEY,
      { credential: json(created) },
      { token: thief.token },
    );
    expect(stolen.body.data?.registerPasskey).toMatchObject({
      success: false,
      errors: INVALID_PASSKEY,
    });
    const anonymous = await app.gql(REGISTRATION_OPTIONS, {});
    expect(anonymous.body.data?.passkeyRegistrationOptions).toMatchObject({
      success: false,
      errors: { nonFieldErrors: [{ message: "Unauthenticated.", code: "unauthenticated" }] },
    });
  });

  it("lists a user's passkeys in the admin, where staff remove one (not another user's)", async () => {
    const { client: admin } = await aLoggedInSuperuser(app);
    const user = await aVerifiedUser(app);
    const other = await aVerifiedUser(app);
    const passkeyId = (await registerPasskeyFor(user, "Lost phone")).passkey?.id ?? "";
    const othersId = (await registerPasskeyFor(other, "Desk")).passkey?.id ?? "";
    const id = (await findUserByUsername(app.deps.db, user.username))?.id ?? 0;
    const page = await admin.get(`/admin/users/${String(id)}/change/`);
    expect(page.html).toContain('<legend id="passkeys-heading">Passkeys</legend>');
    expect(page.html).toContain("Lost phone");

    const path = `/admin/users/${String(id)}/passkeys/remove/`;
    expect((await admin.post(path, { passkey: othersId })).status).toBe(302);
    expect((await admin.post(path, { passkey: passkeyId })).status).toBe(302);
    const history = await admin.get(`/admin/users/${String(id)}/history/`);
    expect(history.html).toContain("Removed a passkey.");
    const remaining = await app.deps.db.selectFrom("passkeys").select("id").execute();
    const ids = remaining.map((row) => row.id);
    expect(ids).toContain(othersId);
    expect(ids).not.toContain(passkeyId);
  });

  it("shows a user's passkeys to no one else", async () => {
    const owner = await aVerifiedUser(app);
    await registerPasskeyFor(owner);
    const other = await aVerifiedUser(app);
    const seen = await app.gql(
      `query ($username: String!) { users(username: $username) { edges { node { username passkeys { id } } } } }`,
      { username: owner.username },
      { token: other.token },
    );
    const edges = (
      seen.body.data?.users as { edges: { node: { passkeys: unknown } }[] } | undefined
    )?.edges;
    for (const edge of edges ?? []) expect(edge.node.passkeys).toBeNull();
  });
});

describe("passkeys' rate limits", () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp("sqlite", {
      WEBAUTHN_RP_ID: "localhost",
      WEBAUTHN_ORIGINS: "http://localhost:3000",
      RATE_LIMITS: "true",
      TRUST_PROXY: "true",
    });
  });
  afterAll(async () => {
    await app.close();
  });

  it("count every assertion against its credential, from whichever client", async () => {
    startFreshWindows(app);
    const forged = forgedAssertion("http://localhost:3000");
    const errors = [];
    for (let attempt = 0; attempt < 6; attempt += 1) {
      const answer = await app.gql(
        PASSKEY_AUTH,
        { credential: JSON.stringify(forged) },
        fromClient(aClientIp()),
      );
      errors.push((answer.body.data?.passkeyAuth as { errors: unknown }).errors);
    }
    expect(errors).toEqual([...Array<unknown>(5).fill(INVALID_PASSKEY), RATE_LIMITED]);
  });
});

describe("passkeys with PREVENT_USER_ENUMERATION off", () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp("sqlite", {
      WEBAUTHN_RP_ID: "localhost",
      WEBAUTHN_ORIGINS: "http://localhost:3000",
      PREVENT_USER_ENUMERATION: "false",
    });
  });
  afterAll(async () => {
    await app.close();
  });

  it("offers nothing for a name without passkeys, as the browser's own list is then used", async () => {
    const answer = await app.gql(AUTHENTICATION_OPTIONS, { username: "nobody" });
    const payload = answer.body.data?.passkeyAuthenticationOptions as { options: string };
    expect(JSON.parse(payload.options)).not.toHaveProperty("allowCredentials");
  });
});

describe("without WEBAUTHN_RP_ID", () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp("sqlite");
  });
  afterAll(async () => {
    await app.close();
  });

  it("has no passkey operations in its schema", async () => {
    const answer = await app.gql(REGISTRATION_OPTIONS, {});
    expect(answer.status).toBe(400);
    expect(answer.body.errors?.[0]?.message).toMatch(
      /Cannot query field "passkeyRegistrationOptions"/,
    );
  });
});
