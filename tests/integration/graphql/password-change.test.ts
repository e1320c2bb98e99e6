// passwordChange (SPEC §5.7, §3.2 step 5): its guards, the validation of the new password, and
// the sessions it ends and starts.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { answerOf } from "../../support/answers.js";
import { aRegisteredUser, aVerifiedUser, logIn } from "../../support/builders.js";
import {
  ME,
  PASSWORD_CHANGE,
  REFRESH_TOKEN,
  TOKEN_AUTH_USERNAME,
} from "../../support/operations.js";
import { startTestApp, testDatabases, type TestApp } from "../../support/test-app.js";

const NEW_PASSWORD = "Brand-New-Secret-77";
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

interface PasswordChangeAnswer {
  success: boolean;
  errors: unknown;
  token: string | null;
  refreshToken: string | null;
}

function failed(errors: unknown): PasswordChangeAnswer {
  return { success: false, errors, token: null, refreshToken: null };
}

describe.each(testDatabases())("passwordChange on %s", (database) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(database);
  });
  afterAll(async () => {
    await app.close();
  });

  async function changePassword(
    token: string | undefined,
    variables: { old: string; p1: string; p2: string },
  ) {
    const response = await app.gql(
      PASSWORD_CHANGE,
      variables,
      token === undefined ? {} : { token },
    );
    return answerOf(response, "passwordChange") as PasswordChangeAnswer;
  }

  it("answers UNAUTHENTICATED without a token", async () => {
    const answer = await changePassword(undefined, {
      old: "whatever",
      p1: NEW_PASSWORD,
      p2: NEW_PASSWORD,
    });
    expect(answer).toEqual(failed(UNAUTHENTICATED));
  });

  it("answers NOT_VERIFIED to an unverified user, before checking the old password", async () => {
    const user = await aRegisteredUser(app);
    const answer = await changePassword(user.token, {
      old: "Wrong-Password-1",
      p1: NEW_PASSWORD,
      p2: NEW_PASSWORD,
    });
    expect(answer).toEqual(failed(NOT_VERIFIED));
  });

  it("answers INVALID_PASSWORD under oldPassword when the old password is wrong", async () => {
    const user = await aVerifiedUser(app);
    const answer = await changePassword(user.token, {
      old: "Wrong-Password-1",
      p1: NEW_PASSWORD,
      p2: "different",
    });
    expect(answer).toEqual(
      failed({ oldPassword: [{ message: "Invalid password.", code: "invalid_password" }] }),
    );
  });

  it("answers password_mismatch under newPassword2 when the new passwords differ", async () => {
    const user = await aVerifiedUser(app);
    const answer = await changePassword(user.token, {
      old: user.password,
      p1: NEW_PASSWORD,
      p2: `${NEW_PASSWORD}x`,
    });
    expect(answer).toEqual(
      failed({
        newPassword2: [
          { message: "The two password fields didn’t match.", code: "password_mismatch" },
        ],
      }),
    );
  });

  it("answers every failing validator under newPassword2 for a weak password", async () => {
    const user = await aVerifiedUser(app);
    const answer = await changePassword(user.token, {
      old: user.password,
      p1: "1234567",
      p2: "1234567",
    });
    expect(answer).toEqual(
      failed({
        newPassword2: [
          {
            message: "This password is too short. It must contain at least 8 characters.",
            code: "password_too_short",
          },
          { message: "This password is too common.", code: "password_too_common" },
          { message: "This password is entirely numeric.", code: "password_entirely_numeric" },
        ],
      }),
    );
    // Nothing changed: the old password still logs in.
    await logIn(app, user);
  });

  it("answers a fresh access token and refresh token that work", async () => {
    const user = await aVerifiedUser(app);
    const answer = await changePassword(user.token, {
      old: user.password,
      p1: NEW_PASSWORD,
      p2: NEW_PASSWORD,
    });
    expect(answer).toMatchObject({ success: true, errors: null });
    expect(answer.refreshToken).toMatch(/^[0-9a-f]{40}$/);

    const me = await app.gql(ME, {}, { token: answer.token! });
    expect(me.body.data?.me).toMatchObject({ username: user.username });
    const refreshed = await app.gql(REFRESH_TOKEN, { refreshToken: answer.refreshToken });
    expect(refreshed.body.data?.refreshToken).toMatchObject({ success: true, errors: null });
  });

  it("revokes the refresh tokens issued before the change", async () => {
    const user = await aVerifiedUser(app);
    const session = await logIn(app, user);
    await changePassword(user.token, { old: user.password, p1: NEW_PASSWORD, p2: NEW_PASSWORD });
    for (const refreshToken of [user.refreshToken, session.refreshToken]) {
      const refreshed = await app.gql(REFRESH_TOKEN, { refreshToken });
      expect(refreshed.body.data?.refreshToken).toMatchObject({
        success: false,
        errors: INVALID_TOKEN,
        token: null,
      });
    }
  });

  it("stops the access tokens issued before the change from authenticating", async () => {
    // Regression: django-graphql-jwt #11, #27. The reference keeps old JWTs valid after a
    // password change until they expire (SPEC §5.7, §3.2 step 5).
    const user = await aVerifiedUser(app);
    const session = await logIn(app, user);
    const answer = await changePassword(user.token, {
      old: user.password,
      p1: NEW_PASSWORD,
      p2: NEW_PASSWORD,
    });
    expect(answer).toMatchObject({ success: true, errors: null });
    for (const token of [user.token, session.token]) {
      const me = await app.gql(ME, {}, { token });
      expect(me.body).toEqual({ data: { me: null } });
    }
  });

  it("makes the new password, and no longer the old one, log in", async () => {
    const user = await aVerifiedUser(app);
    await changePassword(user.token, { old: user.password, p1: NEW_PASSWORD, p2: NEW_PASSWORD });
    const withOld = await app.gql(TOKEN_AUTH_USERNAME, {
      username: user.username,
      password: user.password,
    });
    expect(withOld.body.data?.tokenAuth).toMatchObject({
      success: false,
      errors: INVALID_CREDENTIALS,
    });
    await logIn(app, { username: user.username, password: NEW_PASSWORD });
  });

  it("does not set lastLogin", async () => {
    // SPEC §2.1: only tokenAuth counts as a login.
    const user = await aVerifiedUser(app);
    const answer = await changePassword(user.token, {
      old: user.password,
      p1: NEW_PASSWORD,
      p2: NEW_PASSWORD,
    });
    const me = await app.gql(ME, {}, { token: answer.token! });
    expect(me.body.data?.me).toMatchObject({ username: user.username, lastLogin: null });
  });
});
