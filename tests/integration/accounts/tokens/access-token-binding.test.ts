// Access tokens are bound to the user's id and token version (issue 12, item 2): every revocation
// ends them at once, whatever the JWT settings, and a token never resolves to another account
// that later carries the same username. The claims stay exactly the reference's.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAccessTokens } from "../../../../src/accounts/tokens/jwt.js";
import { aVerifiedUser, logIn, type RegisteredUser } from "../../../support/builders.js";
import {
  ARCHIVE_ACCOUNT,
  DELETE_ACCOUNT,
  ME,
  PASSWORD_CHANGE,
  PASSWORD_RESET,
  REFRESH_TOKEN,
  SEND_PASSWORD_RESET_EMAIL,
  VERIFY_TOKEN,
} from "../../../support/operations.js";
import { startTestApp, testDatabases, unique, type TestApp } from "../../../support/test-app.js";

const NEW_PASSWORD = "Brand-New-Secret-77";
const RENAME = `mutation ($username: String) { updateAccount(username: $username) { success errors } }`;

function decodeSegment(token: string, index: 0 | 1): Record<string, unknown> {
  const segment = token.split(".")[index] ?? "";
  return JSON.parse(Buffer.from(segment, "base64url").toString("utf8")) as Record<string, unknown>;
}

async function meOf(app: TestApp, token: string): Promise<unknown> {
  const response = await app.gql(ME, {}, { token });
  return (response.body.data?.me as { username?: string } | null) ?? null;
}

async function verifies(app: TestApp, token: string): Promise<boolean> {
  const response = await app.gql(VERIFY_TOKEN, { token });
  return (response.body.data?.verifyToken as { success: boolean }).success;
}

describe.each(testDatabases())("access tokens bound to their user, on %s", (database) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(database, {
      // The reference omits origIat then, which let every token outlive its revocation.
      JWT_ALLOW_REFRESH: "false",
      ALLOW_DELETE_ACCOUNT: "true",
      UPDATE_MUTATION_FIELDS: '{"first_name": "String", "username": "String"}',
    });
  });
  afterAll(async () => {
    await app.close();
  });

  it("keeps the reference's claims and names the user in the signed header", async () => {
    const user = await aVerifiedUser(app);
    expect(Object.keys(decodeSegment(user.token, 1)).sort()).toEqual(["exp", "username"]);
    expect(decodeSegment(user.token, 0)).toMatchObject({ alg: "HS256", typ: "JWT" });
    expect(decodeSegment(user.token, 0)["uid"]).toEqual(expect.any(Number));
  });

  it("ends an access token at once when its user changes the password", async () => {
    const user = await aVerifiedUser(app);
    const changed = await app.gql(
      PASSWORD_CHANGE,
      { old: user.password, p1: NEW_PASSWORD, p2: NEW_PASSWORD },
      { token: user.token },
    );
    expect(changed.body.data?.passwordChange).toMatchObject({ success: true });
    expect(await meOf(app, user.token)).toBeNull();
    expect(await verifies(app, user.token)).toBe(false);
    const fresh = (changed.body.data?.passwordChange as { token: string }).token;
    expect(await meOf(app, fresh)).toMatchObject({ username: user.username });
  });

  it("ends an access token at once when its user resets the password", async () => {
    const user = await aVerifiedUser(app);
    await app.gql(SEND_PASSWORD_RESET_EMAIL, { email: user.email });
    const token = await app.mailToken(user.email);
    const reset = await app.gql(PASSWORD_RESET, { token, p1: NEW_PASSWORD, p2: NEW_PASSWORD });
    expect(reset.body.data?.passwordReset).toMatchObject({ success: true });
    expect(await meOf(app, user.token)).toBeNull();
    expect(await verifies(app, user.token)).toBe(false);
  });

  it("ends an access token at once when its user archives the account", async () => {
    const user = await aVerifiedUser(app);
    const archived = await app.gql(
      ARCHIVE_ACCOUNT,
      { password: user.password },
      { token: user.token },
    );
    expect(archived.body.data?.archiveAccount).toMatchObject({ success: true });
    expect(await meOf(app, user.token)).toBeNull();
  });

  it("does not let a renamed user's token act for whoever takes the old username", async () => {
    const user = await aVerifiedUser(app);
    const renamed = await app.gql(RENAME, { username: unique("renamed") }, { token: user.token });
    expect(renamed.body.data?.updateAccount).toMatchObject({ success: true });
    expect(await meOf(app, user.token)).toBeNull();
    await aVerifiedUser(app, { username: user.username, email: `${unique("taker")}@example.com` });
    expect(await meOf(app, user.token)).toBeNull();
    expect(await verifies(app, user.token)).toBe(false);
  });

  it("does not let a deleted user's token act for a namesake registered in the same second", async () => {
    const user = await aVerifiedUser(app);
    const deleted = await app.gql(
      DELETE_ACCOUNT,
      { password: user.password },
      { token: user.token },
    );
    expect(deleted.body.data?.deleteAccount).toMatchObject({ success: true });
    const namesake = await aVerifiedUser(app, {
      username: user.username,
      email: `${unique("namesake")}@example.com`,
    });
    expect(await meOf(app, namesake.token)).toMatchObject({ username: user.username });
    expect(await meOf(app, user.token)).toBeNull();
    expect(await verifies(app, user.token)).toBe(false);
  });
});

describe.each(testDatabases())(
  "refresh-token reuse ends the access tokens too, on %s",
  (database) => {
    let app: TestApp;
    beforeAll(async () => {
      app = await startTestApp(database);
    });
    afterAll(async () => {
      await app.close();
    });

    it("refuses the access token a thief minted from a stolen refresh token once reuse is detected", async () => {
      const user: RegisteredUser = await aVerifiedUser(app);
      const stolen = await app.gql(REFRESH_TOKEN, { refreshToken: user.refreshToken });
      const thiefToken = (stolen.body.data?.refreshToken as { token: string }).token;
      expect(await meOf(app, thiefToken)).toMatchObject({ username: user.username });
      // The victim's client still holds the replaced token and presents it: reuse.
      const replay = await app.gql(REFRESH_TOKEN, { refreshToken: user.refreshToken });
      expect(replay.body.data?.refreshToken).toMatchObject({ success: false });
      expect(await meOf(app, thiefToken)).toBeNull();
      expect(await verifies(app, thiefToken)).toBe(false);
      const again = await logIn(app, user);
      expect(await meOf(app, again.token)).toMatchObject({ username: user.username });
    });
  },
);

describe.each(testDatabases())("access tokens without our binding, on %s", (database) => {
  let strict: TestApp;
  let compat: TestApp;
  beforeAll(async () => {
    strict = await startTestApp(database);
    compat = await startTestApp(database, { COMPAT_MODE: "true", JWT_ALLOW_REFRESH: "false" });
  });
  afterAll(async () => {
    await strict.close();
    await compat.close();
  });

  const unboundToken = (app: TestApp, username: string) =>
    createAccessTokens(app.config.jwt).issue(username, Math.floor(app.clock.now().getTime() / 1000))
      .token;

  it("refuses one outside COMPAT_MODE", async () => {
    const user = await aVerifiedUser(strict);
    expect(await meOf(strict, unboundToken(strict, user.username))).toBeNull();
  });

  it("accepts a Django-minted one in COMPAT_MODE until the user's next revocation", async () => {
    const user = await aVerifiedUser(compat);
    const legacy = unboundToken(compat, user.username);
    expect(Object.keys(decodeSegment(legacy, 1)).sort()).toEqual(["exp", "username"]);
    expect(await meOf(compat, legacy)).toMatchObject({ username: user.username });
    const changed = await compat.gql(
      PASSWORD_CHANGE,
      { old: user.password, p1: NEW_PASSWORD, p2: NEW_PASSWORD },
      { token: user.token },
    );
    expect(changed.body.data?.passwordChange).toMatchObject({ success: true });
    expect(await meOf(compat, legacy)).toBeNull();
  });
});
