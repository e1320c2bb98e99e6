// tokenAuth (SPEC §5.14, §2.6, §7.2): which identifiers log in, the answers failures give, and
// what a successful login changes (lastLogin, archived, refresh-token rows, password re-hash).
import { pbkdf2Sync, randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { A_NUMBER } from "../../support/answers.js";
import {
  aRegisteredUser,
  aVerifiedUser,
  STRONG_PASSWORD,
  type RegisteredUser,
} from "../../support/builders.js";
import {
  ARCHIVE_ACCOUNT,
  ME,
  SEND_SECONDARY_EMAIL_ACTIVATION,
  TOKEN_AUTH_EMAIL,
  TOKEN_AUTH_USERNAME,
  VERIFY_ACCOUNT,
  VERIFY_SECONDARY_EMAIL,
} from "../../support/operations.js";
import {
  startTestApp,
  testDatabases,
  unique,
  type GraphQLResponse,
  type TestApp,
} from "../../support/test-app.js";

const INVALID_CREDENTIALS = {
  nonFieldErrors: [{ message: "Please, enter valid credentials.", code: "invalid_credentials" }],
};
const NOT_VERIFIED = {
  nonFieldErrors: [{ message: "Please verify your account.", code: "not_verified" }],
};
const IDENTIFIER_REQUIRED =
  "Must login with password and one of the following fields ['email', 'username'].";

/** Every output field of TOKEN_AUTH_USERNAME on a handled failure (SPEC §5.0). */
function failedLogin(errors: unknown) {
  return {
    success: false,
    errors,
    token: null,
    refreshToken: null,
    unarchiving: false,
    refreshExpiresIn: null,
    payload: null,
    user: null,
  };
}

interface TokenAuthAnswer {
  success: boolean;
  errors: unknown;
  token: string | null;
  refreshToken: string | null;
  unarchiving: boolean;
  refreshExpiresIn: number | null;
  payload: { username: string; exp: number; origIat: number } | null;
  user: {
    pk: number;
    username: string;
    email: string;
    archived: boolean;
    lastLogin: string | null;
  } | null;
}

function tokenAuthOf(response: GraphQLResponse): TokenAuthAnswer {
  expect(response.body.errors).toBeUndefined();
  return response.body.data?.tokenAuth as TokenAuthAnswer;
}

async function userRow(app: TestApp, username: string) {
  return app.deps.db
    .selectFrom("users")
    .selectAll()
    .where("username", "=", username)
    .executeTakeFirstOrThrow();
}

async function refreshTokenCount(app: TestApp, userId: number): Promise<number> {
  const rows = await app.deps.db
    .selectFrom("refresh_tokens")
    .select("id")
    .where("user_id", "=", userId)
    .execute();
  return rows.length;
}

describe.each(testDatabases())("tokenAuth on %s", (database) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(database);
  });
  afterAll(async () => {
    await app.close();
  });

  it("logs in by username and answers tokens, the user and the claims", async () => {
    const user = await aVerifiedUser(app);
    const answer = tokenAuthOf(
      await app.gql(TOKEN_AUTH_USERNAME, { username: user.username, password: user.password }),
    );
    expect(answer).toMatchObject({ success: true, errors: null, unarchiving: false });
    expect(answer.user).toMatchObject({
      username: user.username,
      email: user.email,
      archived: false,
    });
    expect(answer.token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(answer.refreshToken).toMatch(/^[0-9a-f]{40}$/);
    expect(answer.payload).toEqual({ username: user.username, exp: A_NUMBER, origIat: A_NUMBER });
    expect(answer.payload!.exp - answer.payload!.origIat).toBe(300);
    // refreshExpiresIn is the refresh token's expiry in unix seconds: 7 days after it was created.
    expect(answer.refreshExpiresIn! - answer.payload!.origIat).toBeGreaterThanOrEqual(
      7 * 86_400 - 1,
    );
    expect(answer.refreshExpiresIn! - answer.payload!.origIat).toBeLessThanOrEqual(7 * 86_400 + 1);
    const me = await app.gql(ME, {}, { token: answer.token! });
    expect(me.body.data?.me).toMatchObject({ username: user.username });
  });

  it("logs in by primary email", async () => {
    const user = await aVerifiedUser(app);
    const answer = tokenAuthOf(
      await app.gql(TOKEN_AUTH_EMAIL, { email: user.email, password: user.password }),
    );
    expect(answer).toMatchObject({
      success: true,
      errors: null,
      user: { username: user.username, email: user.email },
    });
  });

  it("logs in by email written in another case", async () => {
    // SPEC §2.2 [FIX]: the reference compares emails exactly.
    const username = unique("mixed");
    const user = await aVerifiedUser(app, { username, email: `${username}.Name@example.com` });
    const answer = tokenAuthOf(
      await app.gql(TOKEN_AUTH_EMAIL, {
        email: `${username.toUpperCase()}.NAME@EXAMPLE.COM`,
        password: user.password,
      }),
    );
    expect(answer).toMatchObject({
      success: true,
      errors: null,
      user: { username, email: user.email },
    });
  });

  it("logs in by a verified secondary email", async () => {
    const user = await aVerifiedUser(app);
    const secondary = `${unique("second")}@example.org`;
    const sent = await app.gql(
      SEND_SECONDARY_EMAIL_ACTIVATION,
      { email: secondary, password: user.password },
      { token: user.token },
    );
    expect(sent.body.data?.sendSecondaryEmailActivation).toEqual({ success: true, errors: null });
    const verified = await app.gql(VERIFY_SECONDARY_EMAIL, {
      token: await app.mailToken(secondary),
    });
    expect(verified.body.data?.verifySecondaryEmail).toEqual({ success: true, errors: null });

    const answer = tokenAuthOf(
      await app.gql(TOKEN_AUTH_EMAIL, { email: secondary, password: user.password }),
    );
    expect(answer).toMatchObject({
      success: true,
      errors: null,
      user: { username: user.username, email: user.email },
    });
  });

  it("answers a wrong password and an unknown user identically", async () => {
    const user = await aVerifiedUser(app);
    const wrongPassword = await app.gql(TOKEN_AUTH_USERNAME, {
      username: user.username,
      password: "Not-The-Password-1",
    });
    const unknownUser = await app.gql(TOKEN_AUTH_USERNAME, {
      username: unique("nobody"),
      password: user.password,
    });
    expect(tokenAuthOf(wrongPassword)).toEqual(failedLogin(INVALID_CREDENTIALS));
    expect(unknownUser.body).toEqual(wrongPassword.body);
  });

  it("answers INVALID_CREDENTIALS to an unknown email", async () => {
    const answer = tokenAuthOf(
      await app.gql(TOKEN_AUTH_EMAIL, {
        email: `${unique("nobody")}@example.com`,
        password: STRONG_PASSWORD,
      }),
    );
    expect(answer).toMatchObject({
      success: false,
      errors: INVALID_CREDENTIALS,
      token: null,
      user: null,
    });
  });

  it("answers INVALID_CREDENTIALS to an inactive user with the right password", async () => {
    const user = await aVerifiedUser(app);
    await app.deps.db
      .updateTable("users")
      .set({ is_active: false })
      .where("username", "=", user.username)
      .execute();
    const answer = tokenAuthOf(
      await app.gql(TOKEN_AUTH_USERNAME, { username: user.username, password: user.password }),
    );
    expect(answer).toEqual(failedLogin(INVALID_CREDENTIALS));
  });

  it("lets an unverified user log in by default", async () => {
    const user = await aRegisteredUser(app);
    const answer = tokenAuthOf(
      await app.gql(TOKEN_AUTH_USERNAME, { username: user.username, password: user.password }),
    );
    expect(answer).toMatchObject({ success: true, errors: null });
  });

  describe("without exactly one identifier", () => {
    const cases: [string, string, Record<string, unknown>][] = [
      [
        "neither username nor email",
        `mutation ($password: String!) { tokenAuth(password: $password) { success token } }`,
        {},
      ],
      [
        "both username and email",
        `mutation ($password: String!) { tokenAuth(password: $password, username: "someone", email: "someone@example.com") { success token } }`,
        {},
      ],
      [
        "an identifier passed explicitly as null besides another",
        `mutation ($password: String!) { tokenAuth(password: $password, username: "someone", email: null) { success token } }`,
        {},
      ],
      [
        "an identifier passed as a null variable besides another",
        `mutation ($password: String!, $email: String) { tokenAuth(password: $password, username: "someone", email: $email) { success token } }`,
        { email: null },
      ],
    ];
    it.each(cases)(
      "fails with a top-level error when given %s",
      async (_name, query, variables) => {
        const response = await app.gql(query, { password: STRONG_PASSWORD, ...variables });
        expect(response.status).toBe(200);
        expect(response.body.data).toEqual({ tokenAuth: null });
        expect(response.body.errors).toHaveLength(1);
        expect(response.body.errors?.[0]?.message).toBe(IDENTIFIER_REQUIRED);
      },
    );
  });

  it("sets lastLogin on login but not on registration", async () => {
    // Regression: django-graphql-auth #51, django-graphql-jwt #211. The reference never updates
    // last_login (SPEC §2.1, §5.14).
    const user = await aVerifiedUser(app);
    const afterRegister = await app.gql(ME, {}, { token: user.token });
    expect(afterRegister.body.data?.me).toMatchObject({ username: user.username, lastLogin: null });

    const before = app.clock.now().getTime();
    const answer = tokenAuthOf(
      await app.gql(TOKEN_AUTH_USERNAME, { username: user.username, password: user.password }),
    );
    const after = app.clock.now().getTime();
    const lastLogin = Date.parse(answer.user!.lastLogin!);
    expect(lastLogin).toBeGreaterThanOrEqual(before);
    expect(lastLogin).toBeLessThanOrEqual(after);
    const me = await app.gql(ME, {}, { token: answer.token! });
    expect(me.body.data?.me).toMatchObject({ lastLogin: answer.user!.lastLogin });
  });

  describe("for an archived user", () => {
    async function anArchivedUser(): Promise<RegisteredUser> {
      const user = await aVerifiedUser(app);
      const archived = await app.gql(
        ARCHIVE_ACCOUNT,
        { password: user.password },
        { token: user.token },
      );
      expect(archived.body.data?.archiveAccount).toEqual({ success: true, errors: null });
      return user;
    }

    it("keeps the account archived and answers unarchiving false when the password is wrong", async () => {
      // SPEC §13.1 [FIX]: the reference un-archives before checking the password, so anyone who
      // knows a username can un-archive that account, and it answers unarchiving: false on
      // failure (SPEC §5.14).
      const user = await anArchivedUser();
      const answer = tokenAuthOf(
        await app.gql(TOKEN_AUTH_USERNAME, {
          username: user.username,
          password: "Wrong-Password-99",
        }),
      );
      expect(answer).toEqual(failedLogin(INVALID_CREDENTIALS));
      const status = await app.deps.db
        .selectFrom("user_status")
        .innerJoin("users", "users.id", "user_status.user_id")
        .select("user_status.archived")
        .where("users.username", "=", user.username)
        .executeTakeFirstOrThrow();
      expect(Boolean(status.archived)).toBe(true);
      const right = tokenAuthOf(
        await app.gql(TOKEN_AUTH_USERNAME, { username: user.username, password: user.password }),
      );
      // Still archived after the failed attempt, so the right password reports the un-archiving.
      expect(right).toMatchObject({ success: true, unarchiving: true, user: { archived: false } });
    });

    it("un-archives the account and answers unarchiving true when the password is right", async () => {
      const user = await anArchivedUser();
      const answer = tokenAuthOf(
        await app.gql(TOKEN_AUTH_USERNAME, { username: user.username, password: user.password }),
      );
      expect(answer).toMatchObject({
        success: true,
        errors: null,
        unarchiving: true,
        user: { archived: false },
      });
      const again = tokenAuthOf(
        await app.gql(TOKEN_AUTH_USERNAME, { username: user.username, password: user.password }),
      );
      expect(again).toMatchObject({ success: true, unarchiving: false, user: { archived: false } });
    });
  });

  it("creates a refresh token row only when the refreshToken field is selected", async () => {
    const user = await aVerifiedUser(app);
    const { id } = await userRow(app, user.username);
    const initial = await refreshTokenCount(app, id);

    const withoutField = await app.gql(
      `mutation ($username: String!, $password: String!) { tokenAuth(username: $username, password: $password) { success token } }`,
      { username: user.username, password: user.password },
    );
    expect(withoutField.body.data?.tokenAuth).toMatchObject({ success: true });
    expect(await refreshTokenCount(app, id)).toBe(initial);

    await app.gql(TOKEN_AUTH_USERNAME, { username: user.username, password: user.password });
    expect(await refreshTokenCount(app, id)).toBe(initial + 1);
  });

  it("re-hashes an imported Django PBKDF2 password with argon2id on login", async () => {
    const user = await aVerifiedUser(app);
    const salt = randomBytes(16).toString("hex").slice(0, 22);
    const iterations = 260_000;
    const derived = pbkdf2Sync(user.password, salt, iterations, 32, "sha256").toString("base64");
    const djangoHash = `pbkdf2_sha256$${iterations}$${salt}$${derived}`;
    await app.deps.db
      .updateTable("users")
      .set({ password: djangoHash })
      .where("username", "=", user.username)
      .execute();

    const answer = tokenAuthOf(
      await app.gql(TOKEN_AUTH_USERNAME, { username: user.username, password: user.password }),
    );
    expect(answer).toMatchObject({ success: true, errors: null });
    const { password } = await userRow(app, user.username);
    expect(password).toMatch(/^argon2\$argon2id\$/);
    const again = tokenAuthOf(
      await app.gql(TOKEN_AUTH_USERNAME, { username: user.username, password: user.password }),
    );
    expect(again).toMatchObject({ success: true, errors: null });
  });

  it("refuses an imported Django PBKDF2 password when the password is wrong and keeps the hash", async () => {
    const user = await aVerifiedUser(app);
    const salt = "abcdefghijklmnopqrstuv";
    const derived = pbkdf2Sync(user.password, salt, 260_000, 32, "sha256").toString("base64");
    const djangoHash = `pbkdf2_sha256$260000$${salt}$${derived}`;
    await app.deps.db
      .updateTable("users")
      .set({ password: djangoHash })
      .where("username", "=", user.username)
      .execute();

    const answer = tokenAuthOf(
      await app.gql(TOKEN_AUTH_USERNAME, {
        username: user.username,
        password: "Wrong-Password-99",
      }),
    );
    expect(answer).toEqual(failedLogin(INVALID_CREDENTIALS));
    expect((await userRow(app, user.username)).password).toBe(djangoHash);
  });
});

describe.each(testDatabases())(
  "tokenAuth with ALLOW_LOGIN_NOT_VERIFIED=false on %s",
  (database) => {
    let app: TestApp;
    beforeAll(async () => {
      app = await startTestApp(database, { ALLOW_LOGIN_NOT_VERIFIED: "false" });
    });
    afterAll(async () => {
      await app.close();
    });

    // Register has no token fields in this mode (SPEC §4), so the shared builders do not apply.
    async function anUnverifiedAccount() {
      const username = unique("user");
      const email = `${username}@example.com`;
      const response = await app.gql(
        `mutation ($email: String!, $username: String!, $password: String!) {
        register(email: $email, username: $username, password1: $password, password2: $password) { success errors }
      }`,
        { email, username, password: STRONG_PASSWORD },
      );
      expect(response.body.data?.register).toEqual({ success: true, errors: null });
      return { username, password: STRONG_PASSWORD, activationToken: await app.mailToken(email) };
    }

    async function aVerifiedAccount() {
      const user = await anUnverifiedAccount();
      const verified = await app.gql(VERIFY_ACCOUNT, { token: user.activationToken });
      expect(verified.body.data?.verifyAccount).toEqual({ success: true, errors: null });
      return user;
    }

    it("answers NOT_VERIFIED to an unverified user with the right password", async () => {
      const user = await anUnverifiedAccount();
      const answer = tokenAuthOf(
        await app.gql(TOKEN_AUTH_USERNAME, { username: user.username, password: user.password }),
      );
      expect(answer).toEqual(failedLogin(NOT_VERIFIED));
    });

    it("answers INVALID_CREDENTIALS to an unverified user with a wrong password", async () => {
      const user = await anUnverifiedAccount();
      const answer = tokenAuthOf(
        await app.gql(TOKEN_AUTH_USERNAME, {
          username: user.username,
          password: "Wrong-Password-99",
        }),
      );
      expect(answer).toEqual(failedLogin(INVALID_CREDENTIALS));
    });

    it("logs in a verified user", async () => {
      const user = await aVerifiedAccount();
      const answer = tokenAuthOf(
        await app.gql(TOKEN_AUTH_USERNAME, { username: user.username, password: user.password }),
      );
      expect(answer).toMatchObject({
        success: true,
        errors: null,
        user: { username: user.username },
      });
    });
  },
);
