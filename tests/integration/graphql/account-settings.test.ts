// updateAccount, archiveAccount and deleteAccount (SPEC §5.8–§5.10): guards, partial updates,
// and the sessions that archiving and deleting end.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { answerOf, userIdOf } from "../../support/answers.js";
import { aRegisteredUser, aVerifiedUser, logIn } from "../../support/builders.js";
import {
  ARCHIVE_ACCOUNT,
  DELETE_ACCOUNT,
  ME,
  REFRESH_TOKEN,
  TOKEN_AUTH_USERNAME,
  UPDATE_ACCOUNT,
} from "../../support/operations.js";
import { startTestApp, testDatabases, type TestApp } from "../../support/test-app.js";

const UNAUTHENTICATED = {
  nonFieldErrors: [{ message: "Unauthenticated.", code: "unauthenticated" }],
};
const NOT_VERIFIED = {
  nonFieldErrors: [{ message: "Please verify your account.", code: "not_verified" }],
};
const INVALID_TOKEN = { nonFieldErrors: [{ message: "Invalid token.", code: "invalid_token" }] };
const INVALID_CREDENTIALS = {
  nonFieldErrors: [{ message: "Please, enter valid credentials.", code: "invalid_credentials" }],
};
const WRONG_PASSWORD = { password: [{ message: "Invalid password.", code: "invalid_password" }] };

interface MeAnswer {
  username: string;
  firstName: string;
  lastName: string;
  archived: boolean;
  isActive: boolean;
}

async function me(app: TestApp, token: string): Promise<MeAnswer | null> {
  return answerOf(await app.gql(ME, {}, { token }), "me") as MeAnswer | null;
}

async function userRowCount(
  app: TestApp,
  table: "users" | "user_status" | "refresh_tokens",
  userId: number,
) {
  const column = table === "users" ? "id" : "user_id";
  const rows = await app.deps.db
    .selectFrom(table)
    .select(column)
    .where(column, "=", userId)
    .execute();
  return rows.length;
}

describe.each(testDatabases())("account settings on %s", (database) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(database);
  });
  afterAll(async () => {
    await app.close();
  });

  async function updateAccount(token: string | undefined, variables: Record<string, unknown>) {
    const response = await app.gql(UPDATE_ACCOUNT, variables, token === undefined ? {} : { token });
    return answerOf(response, "updateAccount") as { success: boolean; errors: unknown };
  }

  describe("updateAccount", () => {
    it("changes the names it is given", async () => {
      const user = await aVerifiedUser(app);
      expect(await updateAccount(user.token, { firstName: "Ada", lastName: "Lovelace" })).toEqual({
        success: true,
        errors: null,
      });
      expect(await me(app, user.token)).toMatchObject({ firstName: "Ada", lastName: "Lovelace" });
    });

    it("keeps a field that is not sent", async () => {
      // SPEC §5.8 [FIX]: the reference blanks every field that was not sent (issue #69).
      const user = await aVerifiedUser(app);
      await updateAccount(user.token, { firstName: "Ada", lastName: "Lovelace" });
      const response = await app.gql(
        `mutation ($firstName: String) { updateAccount(firstName: $firstName) { success errors } }`,
        { firstName: "Grace" },
        { token: user.token },
      );
      expect(response.body.data?.updateAccount).toEqual({ success: true, errors: null });
      expect(await me(app, user.token)).toMatchObject({ firstName: "Grace", lastName: "Lovelace" });
    });

    it("keeps a field whose variable the request leaves out", async () => {
      // Regression: django-graphql-auth #68, #69. The reference blanks every updatable field the
      // request leaves out (the fix, PR #129, was never released) (SPEC §5.8).
      const user = await aVerifiedUser(app);
      await updateAccount(user.token, { firstName: "Ada", lastName: "Lovelace" });
      expect(await updateAccount(user.token, { lastName: "King" })).toEqual({
        success: true,
        errors: null,
      });
      expect(await me(app, user.token)).toMatchObject({ firstName: "Ada", lastName: "King" });
    });

    it("keeps a field that is sent as null", async () => {
      const user = await aVerifiedUser(app);
      await updateAccount(user.token, { firstName: "Ada", lastName: "Lovelace" });
      expect(await updateAccount(user.token, { firstName: null, lastName: "Byron" })).toEqual({
        success: true,
        errors: null,
      });
      expect(await me(app, user.token)).toMatchObject({ firstName: "Ada", lastName: "Byron" });
    });

    it("answers max_length under firstName for a name over 150 characters and changes nothing", async () => {
      const user = await aVerifiedUser(app);
      await updateAccount(user.token, { firstName: "Ada", lastName: "Lovelace" });
      const answer = await updateAccount(user.token, {
        firstName: "a".repeat(151),
        lastName: "Byron",
      });
      expect(answer).toEqual({
        success: false,
        errors: {
          firstName: [
            {
              message: "Ensure this value has at most 150 characters (it has 151).",
              code: "max_length",
            },
          ],
        },
      });
      expect(await me(app, user.token)).toMatchObject({ firstName: "Ada", lastName: "Lovelace" });
    });

    it("answers UNAUTHENTICATED without a token", async () => {
      expect(await updateAccount(undefined, { firstName: "Ada" })).toEqual({
        success: false,
        errors: UNAUTHENTICATED,
      });
    });

    it("answers NOT_VERIFIED to an unverified user and changes nothing", async () => {
      const user = await aRegisteredUser(app);
      expect(await updateAccount(user.token, { firstName: "Ada" })).toEqual({
        success: false,
        errors: NOT_VERIFIED,
      });
      expect(await me(app, user.token)).toMatchObject({ firstName: "" });
    });
  });

  describe("archiveAccount", () => {
    async function archive(token: string | undefined, password: string) {
      const response = await app.gql(
        ARCHIVE_ACCOUNT,
        { password },
        token === undefined ? {} : { token },
      );
      return answerOf(response, "archiveAccount") as { success: boolean; errors: unknown };
    }

    it("answers INVALID_PASSWORD under password when the password is wrong, and keeps the account", async () => {
      const user = await aVerifiedUser(app);
      expect(await archive(user.token, "Wrong-Password-1")).toEqual({
        success: false,
        errors: WRONG_PASSWORD,
      });
      expect(await me(app, user.token)).toMatchObject({ archived: false });
    });

    it("answers UNAUTHENTICATED without a token and NOT_VERIFIED to an unverified user", async () => {
      expect(await archive(undefined, "whatever")).toEqual({
        success: false,
        errors: UNAUTHENTICATED,
      });
      const user = await aRegisteredUser(app);
      expect(await archive(user.token, user.password)).toEqual({
        success: false,
        errors: NOT_VERIFIED,
      });
    });

    it("archives the account and ends its sessions", async () => {
      const user = await aVerifiedUser(app);
      const session = await logIn(app, user);
      expect(await archive(session.token, user.password)).toEqual({ success: true, errors: null });

      const status = await app.deps.db
        .selectFrom("user_status")
        .select("archived")
        .where("user_id", "=", await userIdOf(app, user.username))
        .executeTakeFirstOrThrow();
      expect(Boolean(status.archived)).toBe(true);
      // SPEC §3.2 step 5 [FIX]: access tokens issued before the archive stop working.
      expect(await me(app, session.token)).toBeNull();
      expect(await me(app, user.token)).toBeNull();
      for (const refreshToken of [user.refreshToken, session.refreshToken]) {
        const refreshed = await app.gql(REFRESH_TOKEN, { refreshToken });
        expect(refreshed.body.data?.refreshToken).toMatchObject({
          success: false,
          errors: INVALID_TOKEN,
        });
      }
    });

    it("lets the archived user log in again, which un-archives the account", async () => {
      const user = await aVerifiedUser(app);
      await archive(user.token, user.password);
      const login = await app.gql(TOKEN_AUTH_USERNAME, {
        username: user.username,
        password: user.password,
      });
      expect(login.body.data?.tokenAuth).toMatchObject({
        success: true,
        unarchiving: true,
        user: { archived: false },
      });
      const token = (login.body.data?.tokenAuth as { token: string }).token;
      expect(await me(app, token)).toMatchObject({ username: user.username, archived: false });
    });
  });

  describe("deleteAccount", () => {
    async function deleteAccount(token: string | undefined, password: string) {
      const response = await app.gql(
        DELETE_ACCOUNT,
        { password },
        token === undefined ? {} : { token },
      );
      return answerOf(response, "deleteAccount") as { success: boolean; errors: unknown };
    }

    it("answers INVALID_PASSWORD under password when the password is wrong, and keeps the account", async () => {
      const user = await aVerifiedUser(app);
      expect(await deleteAccount(user.token, "Wrong-Password-1")).toEqual({
        success: false,
        errors: WRONG_PASSWORD,
      });
      await logIn(app, user);
    });

    it("answers UNAUTHENTICATED without a token and NOT_VERIFIED to an unverified user", async () => {
      expect(await deleteAccount(undefined, "whatever")).toEqual({
        success: false,
        errors: UNAUTHENTICATED,
      });
      const user = await aRegisteredUser(app);
      expect(await deleteAccount(user.token, user.password)).toEqual({
        success: false,
        errors: NOT_VERIFIED,
      });
    });

    it("deactivates the account by default, so it can no longer log in", async () => {
      const user = await aVerifiedUser(app);
      expect(await deleteAccount(user.token, user.password)).toEqual({
        success: true,
        errors: null,
      });

      const login = await app.gql(TOKEN_AUTH_USERNAME, {
        username: user.username,
        password: user.password,
      });
      expect(login.body.data?.tokenAuth).toMatchObject({
        success: false,
        errors: INVALID_CREDENTIALS,
        token: null,
      });
      expect(await me(app, user.token)).toBeNull();
      const refreshed = await app.gql(REFRESH_TOKEN, { refreshToken: user.refreshToken });
      expect(refreshed.body.data?.refreshToken).toMatchObject({
        success: false,
        errors: INVALID_TOKEN,
      });
      // The row stays, inactive.
      const row = await app.deps.db
        .selectFrom("users")
        .select("is_active")
        .where("username", "=", user.username)
        .executeTakeFirstOrThrow();
      expect(Boolean(row.is_active)).toBe(false);
    });
  });
});

describe.each(testDatabases())("deleteAccount with ALLOW_DELETE_ACCOUNT=true on %s", (database) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(database, { ALLOW_DELETE_ACCOUNT: "true" });
  });
  afterAll(async () => {
    await app.close();
  });

  it("deletes the user together with its status row and refresh tokens", async () => {
    const user = await aVerifiedUser(app);
    await logIn(app, user);
    const userId = await userIdOf(app, user.username);
    expect(await userRowCount(app, "refresh_tokens", userId)).toBe(2);

    const response = await app.gql(
      DELETE_ACCOUNT,
      { password: user.password },
      { token: user.token },
    );
    expect(response.body.data?.deleteAccount).toEqual({ success: true, errors: null });
    expect(await userRowCount(app, "users", userId)).toBe(0);
    expect(await userRowCount(app, "user_status", userId)).toBe(0);
    expect(await userRowCount(app, "refresh_tokens", userId)).toBe(0);

    const login = await app.gql(TOKEN_AUTH_USERNAME, {
      username: user.username,
      password: user.password,
    });
    expect(login.body.data?.tokenAuth).toMatchObject({
      success: false,
      errors: INVALID_CREDENTIALS,
    });
    expect(await me(app, user.token)).toBeNull();
  });

  it("keeps the account when the password is wrong", async () => {
    const user = await aVerifiedUser(app);
    const response = await app.gql(
      DELETE_ACCOUNT,
      { password: "Wrong-Password-1" },
      { token: user.token },
    );
    expect(response.body.data?.deleteAccount).toEqual({ success: false, errors: WRONG_PASSWORD });
    expect(await userRowCount(app, "users", await userIdOf(app, user.username))).toBe(1);
  });
});
