// sendPasswordResetEmail, passwordReset and passwordSet (SPEC §5.4–§5.6, §7.3): where the link
// goes, what the token allows once, and which sessions survive a reset.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { logInAnswer, outboxMessagesTo } from "../../support/answers.js";
import {
  aRegisteredUser,
  aVerifiedUser,
  logIn,
  type RegisteredUser,
} from "../../support/builders.js";
import {
  DELETE_ACCOUNT,
  ME,
  PASSWORD_CHANGE,
  PASSWORD_RESET,
  PASSWORD_SET,
  REFRESH_TOKEN,
  SEND_PASSWORD_RESET_EMAIL,
  SEND_SECONDARY_EMAIL_ACTIVATION,
  TOKEN_AUTH_EMAIL,
  VERIFY_SECONDARY_EMAIL,
} from "../../support/operations.js";
import { startTestApp, testDatabases, unique, type TestApp } from "../../support/test-app.js";

const NEW_PASSWORD = "Battery-Staple-77";
const INVALID_TOKEN = { message: "Invalid token.", code: "invalid_token" };
const EXPIRED_TOKEN = { message: "Expired token.", code: "expired_token" };
const INVALID_CREDENTIALS = {
  message: "Please, enter valid credentials.",
  code: "invalid_credentials",
};
const REQUIRED = { message: "This field is required.", code: "required" };
const PASSWORD_MISMATCH = {
  message: "The two password fields didn\u2019t match.",
  code: "password_mismatch",
};
const TOO_SIMILAR_TO_USERNAME = {
  message: "The password is too similar to the username.",
  code: "password_too_similar",
};
const TOO_SHORT = {
  message: "This password is too short. It must contain at least 8 characters.",
  code: "password_too_short",
};
const TOO_COMMON = { message: "This password is too common.", code: "password_too_common" };
const ENTIRELY_NUMERIC = {
  message: "This password is entirely numeric.",
  code: "password_entirely_numeric",
};
const ONE_HOUR = 3600;

async function sendReset(app: TestApp, email: string) {
  const response = await app.gql(SEND_PASSWORD_RESET_EMAIL, { email });
  return response.body.data?.sendPasswordResetEmail as unknown;
}

async function resetPassword(app: TestApp, token: string, p1 = NEW_PASSWORD, p2 = p1) {
  const response = await app.gql(PASSWORD_RESET, { token, p1, p2 });
  return response.body.data?.passwordReset as unknown;
}

/** Asks for a reset link for `email` and returns its token once the outbox has delivered it. */
async function resetTokenFor(app: TestApp, email: string): Promise<string> {
  expect(await sendReset(app, email)).toEqual({ success: true, errors: null });
  return app.mailToken(email);
}

async function addSecondaryEmail(app: TestApp, user: RegisteredUser): Promise<string> {
  const secondary = `${unique("second")}@example.com`;
  const sent = await app.gql(
    SEND_SECONDARY_EMAIL_ACTIVATION,
    { email: secondary, password: user.password },
    { token: user.token },
  );
  expect(sent.body.data?.sendSecondaryEmailActivation).toEqual({ success: true, errors: null });
  const confirmed = await app.gql(VERIFY_SECONDARY_EMAIL, {
    token: await app.mailToken(secondary),
  });
  expect(confirmed.body.data?.verifySecondaryEmail).toEqual({ success: true, errors: null });
  return secondary;
}

describe.each(testDatabases())("sendPasswordResetEmail and passwordReset on %s", (database) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(database);
  });
  afterAll(async () => {
    await app.close();
  });

  it("mails a reset link to the primary address, and the new password replaces the old one", async () => {
    const user = await aVerifiedUser(app);
    const token = await resetTokenFor(app, user.email);
    const mail = app.mailsTo(user.email).at(-1);
    expect(mail?.subject).toBe("Reset your password on app.example.test");
    expect(mail?.text).toContain(`http://app.example.test/password-reset/${token}`);

    expect(await resetPassword(app, token)).toEqual({ success: true, errors: null });
    expect(await logInAnswer(app, user.username, NEW_PASSWORD)).toMatchObject({
      success: true,
      errors: null,
    });
    expect(await logInAnswer(app, user.username, user.password)).toMatchObject({
      success: false,
      errors: { nonFieldErrors: [INVALID_CREDENTIALS] },
    });
  });

  it("mails the link to the secondary address when that is the one given", async () => {
    const user = await aVerifiedUser(app);
    const secondary = await addSecondaryEmail(app, user);
    const token = await resetTokenFor(app, secondary);
    expect(await outboxMessagesTo(app, user.email)).toBe(1);

    expect(await resetPassword(app, token)).toEqual({ success: true, errors: null });
    const login = await app.gql(TOKEN_AUTH_EMAIL, { email: secondary, password: NEW_PASSWORD });
    expect(login.body.data?.tokenAuth).toMatchObject({
      success: true,
      user: { username: user.username },
    });
  });

  it("answers success and queues nothing for an unknown address", async () => {
    const email = `${unique("nobody")}@example.com`;
    expect(await sendReset(app, email)).toEqual({ success: true, errors: null });
    expect(await outboxMessagesTo(app, email)).toBe(0);
  });

  // SPEC §5.4 [FIX]: a deactivated account gets no mail but the same answer.
  it("answers success and queues nothing for a deactivated user", async () => {
    const user = await aVerifiedUser(app);
    const deleted = await app.gql(
      DELETE_ACCOUNT,
      { password: user.password },
      { token: user.token },
    );
    expect(deleted.body.data?.deleteAccount).toEqual({ success: true, errors: null });
    expect(await sendReset(app, user.email)).toEqual({ success: true, errors: null });
    expect(await outboxMessagesTo(app, user.email)).toBe(1);
  });

  it("gives the same answer for an unknown, a verified and an unverified address", async () => {
    // Regression: django-graphql-auth #112. The reference answers resendActivationEmail with
    // ALREADY_VERIFIED for verified accounts, revealing that they exist (SPEC §5.3, §5.4).
    const verified = await aVerifiedUser(app);
    const unverified = await aRegisteredUser(app);
    const answers = [];
    for (const email of [`${unique("nobody")}@example.com`, verified.email, unverified.email]) {
      const response = await app.gql(SEND_PASSWORD_RESET_EMAIL, { email });
      answers.push(response.body);
    }
    const expected = { data: { sendPasswordResetEmail: { success: true, errors: null } } };
    expect(answers).toEqual([expected, expected, expected]);
  });

  it("refuses an invalid address under email", async () => {
    expect(await sendReset(app, "not-an-email")).toEqual({
      success: false,
      errors: { email: [{ message: "Enter a valid email address.", code: "invalid" }] },
    });
  });

  it("answers INVALID_TOKEN when a used reset token is presented again", async () => {
    // Regression: django-graphql-auth #148. The reference accepts the same reset link for its
    // whole hour, so a leaked link resets the password again (SPEC §5.5, §7.3).
    const user = await aVerifiedUser(app);
    const token = await resetTokenFor(app, user.email);
    expect(await resetPassword(app, token)).toEqual({ success: true, errors: null });
    expect(await resetPassword(app, token, "Third-Password-99")).toEqual({
      success: false,
      errors: { nonFieldErrors: [INVALID_TOKEN] },
    });
    expect(await logInAnswer(app, user.username, NEW_PASSWORD)).toMatchObject({ success: true });
  });

  it("answers INVALID_TOKEN for a token issued before the password was changed", async () => {
    const user = await aVerifiedUser(app);
    const token = await resetTokenFor(app, user.email);
    const changed = await app.gql(
      PASSWORD_CHANGE,
      { old: user.password, p1: NEW_PASSWORD, p2: NEW_PASSWORD },
      { token: user.token },
    );
    expect(changed.body.data?.passwordChange).toMatchObject({ success: true, errors: null });

    expect(await resetPassword(app, token, "Third-Password-99")).toEqual({
      success: false,
      errors: { nonFieldErrors: [INVALID_TOKEN] },
    });
    expect(await logInAnswer(app, user.username, NEW_PASSWORD)).toMatchObject({ success: true });
  });

  it("answers INVALID_TOKEN for an older reset token once a newer one was used", async () => {
    const user = await aVerifiedUser(app);
    const older = await resetTokenFor(app, user.email);
    const newer = await resetTokenFor(app, user.email);
    expect(await resetPassword(app, newer)).toEqual({ success: true, errors: null });
    expect(await resetPassword(app, older, "Third-Password-99")).toEqual({
      success: false,
      errors: { nonFieldErrors: [INVALID_TOKEN] },
    });
  });

  it("reports a bad token before any password error", async () => {
    expect(await resetPassword(app, "not-a-token", "123", "456")).toEqual({
      success: false,
      errors: { nonFieldErrors: [INVALID_TOKEN] },
    });
    expect(await resetPassword(app, "not-a-token", "", "")).toEqual({
      success: false,
      errors: { nonFieldErrors: [INVALID_TOKEN] },
    });
  });

  it("refuses different new passwords under newPassword2 and leaves the token usable", async () => {
    const user = await aVerifiedUser(app);
    const token = await resetTokenFor(app, user.email);
    expect(await resetPassword(app, token, NEW_PASSWORD, "123")).toEqual({
      success: false,
      errors: { newPassword2: [PASSWORD_MISMATCH] },
    });
    expect(await resetPassword(app, token)).toEqual({ success: true, errors: null });
  });

  it("refuses empty new passwords under both fields", async () => {
    const user = await aVerifiedUser(app);
    const token = await resetTokenFor(app, user.email);
    expect(await resetPassword(app, token, "", "")).toEqual({
      success: false,
      errors: { newPassword1: [REQUIRED], newPassword2: [REQUIRED] },
    });
  });

  it("refuses a weak new password with the validator errors under newPassword2", async () => {
    const user = await aVerifiedUser(app);
    const token = await resetTokenFor(app, user.email);
    expect(await resetPassword(app, token, "123")).toEqual({
      success: false,
      errors: { newPassword2: [TOO_SHORT, TOO_COMMON, ENTIRELY_NUMERIC] },
    });
    expect(await resetPassword(app, token, `${user.username}1`)).toEqual({
      success: false,
      errors: { newPassword2: [TOO_SIMILAR_TO_USERNAME] },
    });
    expect(await logInAnswer(app, user.username, user.password)).toMatchObject({ success: true });
  });

  it("verifies an unverified user", async () => {
    const user = await aRegisteredUser(app);
    const token = await resetTokenFor(app, user.email);
    expect(await resetPassword(app, token)).toEqual({ success: true, errors: null });
    expect(await logInAnswer(app, user.username, NEW_PASSWORD)).toMatchObject({
      success: true,
      user: { verified: true },
    });
  });

  it("revokes every refresh token and access token issued before the reset", async () => {
    const user = await aVerifiedUser(app);
    const session = await logIn(app, user);
    const token = await resetTokenFor(app, user.email);
    expect(await resetPassword(app, token)).toEqual({ success: true, errors: null });

    for (const refreshToken of [user.refreshToken, session.refreshToken]) {
      const refreshed = await app.gql(REFRESH_TOKEN, { refreshToken });
      expect(refreshed.body.data?.refreshToken).toMatchObject({
        success: false,
        errors: { nonFieldErrors: [INVALID_TOKEN] },
        token: null,
      });
    }
    for (const accessToken of [user.token, session.token]) {
      const me = await app.gql(ME, {}, { token: accessToken });
      expect(me.body.data?.me).toBeNull();
    }
    const fresh = await logIn(app, { username: user.username, password: NEW_PASSWORD });
    const me = await app.gql(ME, {}, { token: fresh.token });
    expect(me.body.data?.me).toMatchObject({ username: user.username });
  });

  it("answers INVALID_TOKEN to passwordSet for a reset token", async () => {
    const user = await aVerifiedUser(app);
    const token = await resetTokenFor(app, user.email);
    const set = await app.gql(PASSWORD_SET, { token, p1: NEW_PASSWORD, p2: NEW_PASSWORD });
    expect(set.body.data?.passwordSet).toEqual({
      success: false,
      errors: { nonFieldErrors: [INVALID_TOKEN] },
    });
    expect(await resetPassword(app, token)).toEqual({ success: true, errors: null });
  });

  it("answers EXPIRED_TOKEN one second after the 1-hour lifetime, before any password error", async () => {
    const user = await aVerifiedUser(app);
    const token = await resetTokenFor(app, user.email);
    app.clock.advance(ONE_HOUR + 1);
    expect(await resetPassword(app, token, "123")).toEqual({
      success: false,
      errors: { nonFieldErrors: [EXPIRED_TOKEN] },
    });
    expect(await resetPassword(app, token)).toEqual({
      success: false,
      errors: { nonFieldErrors: [EXPIRED_TOKEN] },
    });
    expect(await logInAnswer(app, user.username, user.password)).toMatchObject({ success: true });
  });
});
