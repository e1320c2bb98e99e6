// Sign-in links by email (issue 18, ALLOW_EMAIL_SIGN_IN): the mail, the session the link opens,
// and the attacks on it — a replayed, expired, superseded, forged or concurrent link, an address
// probed for an account, a flood of requests.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { outboxMessagesTo } from "../../support/answers.js";
import { aRegisteredUser, aVerifiedUser, type RegisteredUser } from "../../support/builders.js";
import { ME, PASSWORD_CHANGE, SEND_PASSWORD_RESET_EMAIL } from "../../support/operations.js";
import {
  RATE_LIMITED,
  aClientIp,
  fromClient,
  startFreshWindows,
} from "../../support/rate-limits.js";
import { aUserWithTotp, nextCode, OTP_REQUIRED } from "../../support/second-factor.js";
import { startTestApp, testDatabases, unique, type TestApp } from "../../support/test-app.js";

const SEND_SIGN_IN_EMAIL = `mutation ($email: String!) { sendSignInEmail(email: $email) { success errors } }`;
const SIGN_IN_WITH_EMAIL_TOKEN = `mutation ($token: String!, $otp: String) {
  signInWithEmailToken(token: $token, otp: $otp) {
    success errors token refreshToken user { username verified archived }
  }
}`;
const SESSIONS = `{ sessions { id current } }`;
const REVOKE_SESSION = `mutation ($id: ID!) { revokeSession(id: $id) { success errors } }`;

const INVALID_TOKEN = { nonFieldErrors: [{ message: "Invalid token.", code: "invalid_token" }] };
const EXPIRED_TOKEN = { nonFieldErrors: [{ message: "Expired token.", code: "expired_token" }] };
const SENT = { success: true, errors: null };

interface SignedIn {
  success: boolean;
  errors: unknown;
  token: string | null;
  refreshToken: string | null;
  user: { username: string; verified: boolean; archived: boolean } | null;
}

describe.each(testDatabases())("email sign-in links on %s", (database) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(database, { ALLOW_EMAIL_SIGN_IN: "true" });
  });
  afterAll(async () => {
    await app.close();
  });

  const send = async (email: string, options?: { headers: Record<string, string> }) =>
    (await app.gql(SEND_SIGN_IN_EMAIL, { email }, options)).body.data?.sendSignInEmail as unknown;
  const signIn = async (token: string, otp?: string) =>
    (await app.gql(SIGN_IN_WITH_EMAIL_TOKEN, { token, otp })).body.data
      ?.signInWithEmailToken as SignedIn;
  const linkFor = async (user: { email: string }) => {
    expect(await send(user.email)).toEqual(SENT);
    return app.mailToken(user.email);
  };
  const meOf = async (token: string) =>
    (await app.gql(ME, {}, { token })).body.data?.me as { username: string } | null;

  it("mails a link that signs in once, into a session the user can list and end", async () => {
    const user = await aVerifiedUser(app);
    const token = await linkFor(user);
    const mail = app.mailsTo(user.email).at(-1);
    expect(mail?.subject).toBe("Sign in to app.example.test");
    expect(mail?.text).toContain(`http://app.example.test/sign-in/${token}`);
    expect(mail?.html).toContain(`/sign-in/${token}`);

    const methods: string[] = [];
    const stopListening = app.deps.events.on("user_logged_in", ({ method }) => {
      methods.push(method);
    });
    const signedIn = await signIn(token);
    stopListening();
    expect(methods).toEqual(["email_link"]);
    expect(signedIn).toMatchObject({
      success: true,
      errors: null,
      token: expect.any(String) as unknown,
      refreshToken: expect.any(String) as unknown,
      user: { username: user.username, verified: true, archived: false },
    });
    const access = signedIn.token ?? "";
    expect(await meOf(access)).toMatchObject({ username: user.username });

    const sessions = (await app.gql(SESSIONS, {}, { token: access })).body.data?.sessions as {
      id: string;
      current: boolean;
    }[];
    const current = sessions.find((session) => session.current);
    expect(current).toBeDefined();
    const revoked = await app.gql(REVOKE_SESSION, { id: current?.id }, { token: user.token });
    expect(revoked.body.data?.revokeSession).toEqual(SENT);
    expect(await meOf(access)).toBeNull();

    expect(await signIn(token)).toMatchObject({ success: false, errors: INVALID_TOKEN });
  });

  it("verifies an unverified account: the address has just been proven", async () => {
    const user = await aRegisteredUser(app);
    const signedIn = await signIn(await linkFor(user));
    expect(signedIn).toMatchObject({ success: true, user: { verified: true } });
  });

  it("answers the same, and mails nothing, for an unknown address", async () => {
    const known = await aVerifiedUser(app);
    const unknown = `${unique("nobody")}@example.com`;
    const answers = [
      (await app.gql(SEND_SIGN_IN_EMAIL, { email: unknown })).body,
      (await app.gql(SEND_SIGN_IN_EMAIL, { email: known.email })).body,
    ];
    expect(answers[0]).toEqual(answers[1]);
    expect(answers[0]).toEqual({ data: { sendSignInEmail: SENT } });
    await app.mailToken(known.email);
    expect(await outboxMessagesTo(app, unknown)).toBe(0);
  });

  it("refuses a malformed address under email", async () => {
    expect(await send("not-an-email")).toEqual({
      success: false,
      errors: { email: [{ message: "Enter a valid email address.", code: "invalid" }] },
    });
  });

  it("refuses a link past EXPIRATION_SIGN_IN_TOKEN (15 minutes)", async () => {
    const user = await aVerifiedUser(app);
    const token = await linkFor(user);
    app.clock.advance(15 * 60 + 1);
    expect(await signIn(token)).toMatchObject({ success: false, errors: EXPIRED_TOKEN });
  });

  it("refuses an older link once a newer one was mailed", async () => {
    const user = await aVerifiedUser(app);
    const older = await linkFor(user);
    const newer = await linkFor(user);
    expect(await signIn(older)).toMatchObject({ success: false, errors: INVALID_TOKEN });
    expect(await signIn(newer)).toMatchObject({ success: true });
  });

  it("refuses a link mailed before the password changed", async () => {
    const user = await aVerifiedUser(app);
    const token = await linkFor(user);
    const changed = await app.gql(
      PASSWORD_CHANGE,
      { old: user.password, p1: "Battery-Staple-77", p2: "Battery-Staple-77" },
      { token: user.token },
    );
    expect(changed.body.data?.passwordChange).toMatchObject({ success: true });
    expect(await signIn(token)).toMatchObject({ success: false, errors: INVALID_TOKEN });
  });

  it("signs in once when the same link is presented twice at the same moment", async () => {
    const user = await aVerifiedUser(app);
    const token = await linkFor(user);
    const answers = await Promise.all([signIn(token), signIn(token), signIn(token)]);
    expect(answers.filter((answer) => answer.success)).toHaveLength(1);
    expect(answers.filter((answer) => !answer.success).map((answer) => answer.errors)).toEqual([
      INVALID_TOKEN,
      INVALID_TOKEN,
    ]);
  });

  it("refuses altered, foreign and other actions' tokens", async () => {
    const user = await aVerifiedUser(app);
    const token = await linkFor(user);
    const [payload = "", issuedAt = "", signature = ""] = token.split(":");
    const altered = `${payload}:${issuedAt}:${signature.slice(0, -1)}${signature.endsWith("A") ? "B" : "A"}`;
    expect(await signIn(altered)).toMatchObject({ success: false, errors: INVALID_TOKEN });
    expect(await signIn("garbage")).toMatchObject({ success: false, errors: INVALID_TOKEN });
    expect(await signIn(user.activationToken)).toMatchObject({
      success: false,
      errors: INVALID_TOKEN,
    });
    expect(
      (await app.gql(SEND_PASSWORD_RESET_EMAIL, { email: user.email })).body.data
        ?.sendPasswordResetEmail,
    ).toEqual(SENT);
    const resetToken = await app.mailToken(user.email);
    expect(await signIn(resetToken)).toMatchObject({ success: false, errors: INVALID_TOKEN });
    // None of these spent the real link.
    expect(await signIn(token)).toMatchObject({ success: true });
  });

  it("asks a user with TOTP for a code, and the link survives the missing code", async () => {
    const user = await aUserWithTotp(app);
    const token = await linkFor(user);
    expect(await signIn(token)).toMatchObject({ success: false, errors: OTP_REQUIRED });
    // The next step's code: the current one confirmed the setup, and a code works once.
    expect(await signIn(token, nextCode(app, user.secret))).toMatchObject({
      success: true,
      user: { username: user.username },
    });
  });

  it("refuses the link of an account deactivated since it was mailed", async () => {
    const user: RegisteredUser = await aVerifiedUser(app);
    const token = await linkFor(user);
    await app.deps.db
      .updateTable("users")
      .set({ is_active: false as never })
      .where("username", "=", user.username)
      .execute();
    expect(await signIn(token)).toMatchObject({ success: false, errors: INVALID_TOKEN });
  });
});

describe.each(testDatabases())("email sign-in links' rate limits on %s", (database) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(database, {
      ALLOW_EMAIL_SIGN_IN: "true",
      RATE_LIMITS: "true",
      TRUST_PROXY: "true",
    });
  });
  afterAll(async () => {
    await app.close();
  });

  it("limits the mails to one address, known or not, with the same answer", async () => {
    const known = await aVerifiedUser(app);
    // After the registration mail, which counted against the same address.
    startFreshWindows(app);
    for (const email of [known.email, `${unique("nobody")}@example.com`]) {
      const answers = [];
      for (let request = 1; request <= 4; request += 1) {
        const response = await app.gql(SEND_SIGN_IN_EMAIL, { email }, fromClient(aClientIp()));
        answers.push((response.body.data?.sendSignInEmail as { errors: unknown }).errors);
      }
      expect(answers).toEqual([null, null, null, RATE_LIMITED]);
    }
  });

  it("counts every token presented against the client's token limit", async () => {
    startFreshWindows(app);
    const client = fromClient(aClientIp());
    const errors = [];
    for (let attempt = 0; attempt < 40; attempt += 1) {
      const response = await app.gql(
        SIGN_IN_WITH_EMAIL_TOKEN,
        { token: `forged-${String(attempt)}` },
        client,
      );
      errors.push((response.body.data?.signInWithEmailToken as { errors: unknown }).errors);
    }
    expect(errors).toContainEqual(RATE_LIMITED);
    expect(errors[0]).toEqual(INVALID_TOKEN);
  });
});

describe("without ALLOW_EMAIL_SIGN_IN", () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp("sqlite");
  });
  afterAll(async () => {
    await app.close();
  });

  it("has neither mutation in its schema", async () => {
    const sent = await app.gql(SEND_SIGN_IN_EMAIL, { email: "someone@example.com" });
    expect(sent.status).toBe(400);
    expect(sent.body.errors?.[0]?.message).toMatch(/Cannot query field "sendSignInEmail"/);
    const used = await app.gql(SIGN_IN_WITH_EMAIL_TOKEN, { token: "x" });
    expect(used.body.errors?.[0]?.message).toMatch(/Cannot query field "signInWithEmailToken"/);
  });
});
