// verifyAccount and resendActivationEmail (SPEC §5.2, §5.3, §7.3): the answers a client sees and
// which mails leave, with user-enumeration prevention on (default) and in COMPAT_MODE.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { outboxMessagesTo } from "../../support/answers.js";
import { updateAccount } from "../../../src/accounts/account-settings.js";
import { findUserByUsername } from "../../../src/accounts/users-store.js";
import { aRegisteredUser, aVerifiedUser } from "../../support/builders.js";
import {
  RESEND_ACTIVATION_EMAIL,
  SEND_PASSWORD_RESET_EMAIL,
  TOKEN_AUTH_USERNAME,
  VERIFY_ACCOUNT,
} from "../../support/operations.js";
import { startTestApp, testDatabases, unique, type TestApp } from "../../support/test-app.js";

const INVALID_TOKEN = { message: "Invalid token.", code: "invalid_token" };
const EXPIRED_TOKEN = { message: "Expired token.", code: "expired_token" };
const ALREADY_VERIFIED = { message: "Account already verified.", code: "already_verified" };
const EMAIL_FAIL = { message: "Failed to send email.", code: "email_fail" };
const SEVEN_DAYS = 7 * 24 * 3600;

async function verifyAccount(app: TestApp, token: string) {
  const response = await app.gql(VERIFY_ACCOUNT, { token });
  return response.body.data?.verifyAccount as unknown;
}

async function resend(app: TestApp, email: string) {
  const response = await app.gql(RESEND_ACTIVATION_EMAIL, { email });
  return response.body.data?.resendActivationEmail as unknown;
}

async function isVerified(app: TestApp, user: { username: string; password: string }) {
  const response = await app.gql(TOKEN_AUTH_USERNAME, user);
  return (response.body.data?.tokenAuth as { user: { verified: boolean } }).user.verified;
}

function withSignatureChanged(token: string): string {
  const last = token.at(-1);
  return token.slice(0, -1) + (last === "A" ? "B" : "A");
}

/** The same signature over a payload naming someone else: a forgery without SECRET_KEY. */
function withUsernameReplaced(token: string, username: string): string {
  const [payload = "", timestamp = "", signature = ""] = token.split(":");
  const decoded = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as Record<
    string,
    unknown
  >;
  const forged = Buffer.from(JSON.stringify({ ...decoded, username }), "utf8").toString(
    "base64url",
  );
  return `${forged}:${timestamp}:${signature}`;
}

describe.each(testDatabases())("verifyAccount on %s", (database) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(database);
  });
  afterAll(async () => {
    await app.close();
  });

  it("verifies the account with the token of the activation mail", async () => {
    const user = await aRegisteredUser(app);
    expect(await isVerified(app, user)).toBe(false);
    expect(await verifyAccount(app, user.activationToken)).toEqual({ success: true, errors: null });
    expect(await isVerified(app, user)).toBe(true);
  });

  it("answers ALREADY_VERIFIED when the token is used again", async () => {
    const user = await aVerifiedUser(app);
    expect(await verifyAccount(app, user.activationToken)).toEqual({
      success: false,
      errors: { nonFieldErrors: [ALREADY_VERIFIED] },
    });
  });

  it("answers INVALID_TOKEN for garbage", async () => {
    expect(await verifyAccount(app, "not-a-token")).toEqual({
      success: false,
      errors: { nonFieldErrors: [INVALID_TOKEN] },
    });
    expect(await verifyAccount(app, "")).toEqual({
      success: false,
      errors: { nonFieldErrors: [INVALID_TOKEN] },
    });
  });

  it("answers INVALID_TOKEN for a token with a changed signature and leaves the user unverified", async () => {
    const user = await aRegisteredUser(app);
    const answer = await verifyAccount(app, withSignatureChanged(user.activationToken));
    expect(answer).toEqual({ success: false, errors: { nonFieldErrors: [INVALID_TOKEN] } });
    expect(await isVerified(app, user)).toBe(false);
  });

  it("answers INVALID_TOKEN for a token whose payload was rewritten to name another user", async () => {
    const attacker = await aRegisteredUser(app);
    const victim = await aRegisteredUser(app);
    const answer = await verifyAccount(
      app,
      withUsernameReplaced(attacker.activationToken, victim.username),
    );
    expect(answer).toEqual({ success: false, errors: { nonFieldErrors: [INVALID_TOKEN] } });
    expect(await isVerified(app, victim)).toBe(false);
  });

  it("accepts a token just inside its 7-day lifetime", async () => {
    const user = await aRegisteredUser(app);
    app.clock.advance(SEVEN_DAYS - 5);
    expect(await verifyAccount(app, user.activationToken)).toEqual({ success: true, errors: null });
  });

  it("answers EXPIRED_TOKEN one second after the 7-day lifetime", async () => {
    const user = await aRegisteredUser(app);
    app.clock.advance(SEVEN_DAYS + 1);
    expect(await verifyAccount(app, user.activationToken)).toEqual({
      success: false,
      errors: { nonFieldErrors: [EXPIRED_TOKEN] },
    });
    expect(await isVerified(app, user)).toBe(false);
  });

  // SPEC §7.3 [FIX]: an activation link is bound to the primary email it was sent to.
  it("answers INVALID_TOKEN for a token minted before the primary email changed", async () => {
    const user = await aVerifiedUser(app);
    const viewer = await findUserByUsername(app.deps.db, user.username);
    const newEmail = `${unique("moved")}@example.com`;
    await updateAccount(
      app.deps,
      viewer,
      {
        fields: { email: newEmail },
        argumentNames: {
          first_name: "firstName",
          last_name: "lastName",
          username: "username",
          email: "email",
        },
      },
      { host: undefined, isSecure: false, ip: undefined },
    );
    expect(await isVerified(app, user)).toBe(false);

    expect(await verifyAccount(app, user.activationToken)).toEqual({
      success: false,
      errors: { nonFieldErrors: [INVALID_TOKEN] },
    });
    expect(await isVerified(app, user)).toBe(false);
    expect(await verifyAccount(app, await app.mailToken(newEmail))).toEqual({
      success: true,
      errors: null,
    });
  });

  it("answers INVALID_TOKEN for a password-reset token", async () => {
    const user = await aRegisteredUser(app);
    const sent = await app.gql(SEND_PASSWORD_RESET_EMAIL, { email: user.email });
    expect(sent.body.data?.sendPasswordResetEmail).toEqual({ success: true, errors: null });
    const resetToken = await app.mailToken(user.email);
    expect(await verifyAccount(app, resetToken)).toEqual({
      success: false,
      errors: { nonFieldErrors: [INVALID_TOKEN] },
    });
    expect(await isVerified(app, user)).toBe(false);
  });
});

describe.each(testDatabases())("resendActivationEmail on %s", (database) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(database);
  });
  afterAll(async () => {
    await app.close();
  });

  it("answers success and queues nothing for an unknown address", async () => {
    const email = `${unique("nobody")}@example.com`;
    expect(await resend(app, email)).toEqual({ success: true, errors: null });
    expect(await outboxMessagesTo(app, email)).toBe(0);
  });

  // SPEC §5.3 [FIX]: with PREVENT_USER_ENUMERATION a verified account answers like any other.
  it("answers success and sends nothing to a verified user", async () => {
    const user = await aVerifiedUser(app);
    expect(await resend(app, user.email)).toEqual({ success: true, errors: null });
    expect(await outboxMessagesTo(app, user.email)).toBe(1);
    expect(app.mailsTo(user.email)).toHaveLength(1);
  });

  it("gives the same answer for an unknown, a verified and an unverified address", async () => {
    // Regression: django-graphql-auth #112. The reference answers resendActivationEmail with
    // ALREADY_VERIFIED for verified accounts, revealing that they exist (SPEC §5.3, §5.4).
    const verified = await aVerifiedUser(app);
    const unverified = await aRegisteredUser(app);
    const answers = [];
    for (const email of [`${unique("nobody")}@example.com`, verified.email, unverified.email]) {
      const response = await app.gql(RESEND_ACTIVATION_EMAIL, { email });
      answers.push(response.body);
    }
    const expected = { data: { resendActivationEmail: { success: true, errors: null } } };
    expect(answers).toEqual([expected, expected, expected]);
  });

  it("answers success and mails an unverified user a new activation link that verifies", async () => {
    const user = await aRegisteredUser(app);
    expect(await resend(app, user.email)).toEqual({ success: true, errors: null });
    const token = await app.mailToken(user.email);
    const mails = app.mailsTo(user.email);
    expect(mails).toHaveLength(2);
    expect(mails[1]?.subject).toBe("Activate your account on app.example.test");
    expect(mails[1]?.text).toContain(`http://app.example.test/activate/${token}`);
    expect(await verifyAccount(app, token)).toEqual({ success: true, errors: null });
  });

  it("finds the account ignoring the case of the address and mails its stored primary address", async () => {
    const username = unique("Case");
    const user = await aRegisteredUser(app, { username, email: `${username}@example.com` });
    expect(await resend(app, `${username.toLowerCase()}@EXAMPLE.COM`)).toEqual({
      success: true,
      errors: null,
    });
    const token = await app.mailToken(user.email);
    expect(await verifyAccount(app, token)).toEqual({ success: true, errors: null });
  });

  it("refuses an invalid address under email", async () => {
    expect(await resend(app, "not-an-email")).toEqual({
      success: false,
      errors: { email: [{ message: "Enter a valid email address.", code: "invalid" }] },
    });
  });

  it("refuses an empty address under email", async () => {
    expect(await resend(app, "")).toEqual({
      success: false,
      errors: { email: [{ message: "This field is required.", code: "required" }] },
    });
  });

  it("refuses an address over 254 characters", async () => {
    const email = `${"a".repeat(243)}@example.com`;
    expect(email).toHaveLength(255);
    expect(await resend(app, email)).toEqual({
      success: false,
      errors: {
        email: [
          {
            message: "Ensure this value has at most 254 characters (it has 255).",
            code: "max_length",
          },
        ],
      },
    });
  });
});

describe.each(testDatabases())("resendActivationEmail in COMPAT_MODE on %s", (database) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(database, { COMPAT_MODE: "true" });
  });
  afterAll(async () => {
    await app.close();
  });

  it("answers ALREADY_VERIFIED under email for a verified user, as the reference does", async () => {
    const user = await aVerifiedUser(app);
    expect(await resend(app, user.email)).toEqual({
      success: false,
      errors: { email: [ALREADY_VERIFIED] },
    });
    expect(app.mailsTo(user.email)).toHaveLength(1);
  });

  it("sends the mail before answering to an unverified user", async () => {
    const user = await aRegisteredUser(app);
    expect(await resend(app, user.email)).toEqual({ success: true, errors: null });
    expect(app.mailsTo(user.email)).toHaveLength(2);
    expect(await verifyAccount(app, await app.mailToken(user.email))).toEqual({
      success: true,
      errors: null,
    });
  });

  it("answers EMAIL_FAIL when the mail cannot be sent", async () => {
    const user = await aRegisteredUser(app);
    app.smtp.failNext(1);
    expect(await resend(app, user.email)).toEqual({
      success: false,
      errors: { nonFieldErrors: [EMAIL_FAIL] },
    });
    expect(app.mailsTo(user.email)).toHaveLength(1);
  });

  it("answers success for an unknown address", async () => {
    expect(await resend(app, `${unique("nobody")}@example.com`)).toEqual({
      success: true,
      errors: null,
    });
  });
});
