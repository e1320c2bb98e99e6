// register (SPEC §5.1) as a client sees it: the answer, the mail, and what a later login finds,
// including the registration settings that change the schema (passwordless, no unverified login).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { logInAnswer as logInAs } from "../../support/answers.js";
import { aVerifiedUser, STRONG_PASSWORD } from "../../support/builders.js";
import {
  PASSWORD_SET,
  REGISTER,
  SEND_SECONDARY_EMAIL_ACTIVATION,
  VERIFY_ACCOUNT,
  VERIFY_SECONDARY_EMAIL,
} from "../../support/operations.js";
import { tokenFromMail } from "../../support/smtp-sink.js";
import { startTestApp, testDatabases, unique, type TestApp } from "../../support/test-app.js";

const REQUIRED = { message: "This field is required.", code: "required" };
const INVALID_EMAIL = { message: "Enter a valid email address.", code: "invalid" };
const INVALID_USERNAME = {
  message:
    "Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters.",
  code: "invalid",
};
const USERNAME_TAKEN = { message: "A user with that username already exists.", code: "unique" };
const PRIMARY_EMAIL_TAKEN = { message: "User with this Email already exists.", code: "unique" };
const EMAIL_IN_USE = { message: "A user with that email already exists.", code: "unique" };
const PASSWORD_MISMATCH = {
  message: "The two password fields didn\u2019t match.",
  code: "password_mismatch",
};
const TOO_SIMILAR_TO_USERNAME = {
  message: "The password is too similar to the username.",
  code: "password_too_similar",
};
const TOO_SIMILAR_TO_EMAIL = {
  message: "The password is too similar to the email.",
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
const EMAIL_FAIL = { message: "Failed to send email.", code: "email_fail" };
const PASSWORD_ALREADY_SET = {
  message: "Password already set for account.",
  code: "password_already_set",
};

const REGISTER_WITHOUT_PASSWORDS = `mutation ($email: String!, $username: String!) {
  register(email: $email, username: $username) { success errors token refreshToken }
}`;
const REGISTER_SUCCESS_ONLY = `mutation ($email: String!, $username: String!, $password1: String!, $password2: String!) {
  register(email: $email, username: $username, password1: $password1, password2: $password2) { success errors }
}`;
const REGISTER_TYPE_FIELDS = `{
  mutation: __type(name: "Mutation") { fields { name args { name } } }
  payload: __type(name: "Register") { fields { name } }
}`;

interface SchemaTypes {
  mutation: { fields: { name: string; args: { name: string }[] }[] };
  payload: { fields: { name: string }[] };
}

async function schemaTypes(app: TestApp): Promise<SchemaTypes> {
  const response = await app.gql(REGISTER_TYPE_FIELDS);
  return response.body.data as SchemaTypes;
}

interface RegisterArgs {
  username: string;
  email: string;
  password1: string;
  password2: string;
}

function registration(overrides: Partial<RegisterArgs> = {}): RegisterArgs {
  const username = overrides.username ?? unique("reg");
  return {
    username,
    email: overrides.email ?? `${username}@example.com`,
    password1: overrides.password1 ?? STRONG_PASSWORD,
    password2: overrides.password2 ?? overrides.password1 ?? STRONG_PASSWORD,
  };
}

async function register(app: TestApp, overrides: Partial<RegisterArgs> = {}) {
  const args = registration(overrides);
  const response = await app.gql(REGISTER, { ...args });
  expect(response.status).toBe(200);
  return response.body.data?.register as {
    success: boolean;
    errors: unknown;
    token: string | null;
    refreshToken: string | null;
  };
}

function failure(errors: Record<string, unknown>) {
  return { success: false, errors, token: null, refreshToken: null };
}

describe.each(testDatabases())("register on %s", (database) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(database);
  });
  afterAll(async () => {
    await app.close();
  });

  it("creates an unverified user, answers tokens and mails one activation link to the site domain", async () => {
    const args = registration();
    const answer = await register(app, args);

    expect(answer).toMatchObject({ success: true, errors: null });
    expect(answer.token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(answer.refreshToken).toMatch(/^[0-9a-f]{40}$/);
    const mails = app.mailsTo(args.email);
    expect(mails).toHaveLength(1);
    expect(mails[0]?.subject).toBe("Activate your account on app.example.test");
    const link = /http:\/\/app\.example\.test\/activate\/([A-Za-z0-9_:-]+)/.exec(
      mails[0]?.text ?? "",
    );
    expect(link?.[1]).toBeDefined();
    const verified = await app.gql(VERIFY_ACCOUNT, { token: link?.[1] });
    expect(verified.body.data?.verifyAccount).toEqual({ success: true, errors: null });
    expect((await logInAs(app, args.username, args.password1)).user).toMatchObject({
      username: args.username,
      verified: true,
    });
  });

  it("reports every required field when all are empty", async () => {
    const answer = await register(app, { username: "", email: "", password1: "", password2: "" });
    expect(answer).toEqual(
      failure({
        username: [REQUIRED],
        email: [REQUIRED],
        password1: [REQUIRED],
        password2: [REQUIRED],
      }),
    );
  });

  it("refuses an invalid email address", async () => {
    const answer = await register(app, { email: "not-an-email" });
    expect(answer).toEqual(failure({ email: [INVALID_EMAIL] }));
  });

  it("refuses a username with characters outside letters, digits and @.+-_", async () => {
    const answer = await register(app, {
      username: "bad name!",
      email: `${unique("e")}@example.com`,
    });
    expect(answer).toEqual(failure({ username: [INVALID_USERNAME] }));
  });

  it("refuses a username over 150 characters, counting characters rather than bytes", async () => {
    const answer = await register(app, {
      username: "\u00fc".repeat(151),
      email: `${unique("e")}@example.com`,
    });
    expect(answer).toEqual(
      failure({
        username: [
          {
            message: "Ensure this value has at most 150 characters (it has 151).",
            code: "max_length",
          },
        ],
      }),
    );
  });

  it("accepts a username of exactly 150 characters", async () => {
    const username = unique("l").padEnd(150, "z");
    const answer = await register(app, { username, email: `${unique("e")}@example.com` });
    expect(answer).toMatchObject({ success: true, errors: null });
  });

  it("refuses a username and an email that already exist, reporting both", async () => {
    const first = registration();
    expect(await register(app, first)).toMatchObject({ success: true });
    const answer = await register(app, { username: first.username, email: first.email });
    expect(answer).toEqual(failure({ username: [USERNAME_TAKEN], email: [PRIMARY_EMAIL_TAKEN] }));
  });

  // SPEC §2.2 [FIX]: uniqueness ignores case for usernames and emails.
  it("refuses a username that differs from an existing one only in case", async () => {
    const first = registration({ username: unique("Alice") });
    expect(await register(app, first)).toMatchObject({ success: true });
    const answer = await register(app, {
      username: first.username.toLowerCase(),
      email: `${unique("e")}@example.com`,
    });
    expect(answer).toEqual(failure({ username: [USERNAME_TAKEN] }));
  });

  it("refuses an email that differs from an existing one only in case", async () => {
    // Regression: django-graphql-jwt #327. The reference compares emails exactly, so
    // Alice@example.com and alice@example.com become two accounts (SPEC §2.2).
    const local = unique("Case.Sensitive");
    expect(await register(app, { email: `${local}@example.com` })).toMatchObject({ success: true });
    const answer = await register(app, { email: `${local.toLowerCase()}@EXAMPLE.COM` });
    expect(answer).toEqual(failure({ email: [PRIMARY_EMAIL_TAKEN] }));
  });

  it("refuses an email that is another user's secondary email with EMAIL_IN_USE", async () => {
    const owner = await aVerifiedUser(app);
    const secondary = `${unique("second")}@example.com`;
    const sent = await app.gql(
      SEND_SECONDARY_EMAIL_ACTIVATION,
      { email: secondary, password: owner.password },
      { token: owner.token },
    );
    expect(sent.body.data?.sendSecondaryEmailActivation).toEqual({ success: true, errors: null });
    const confirmed = await app.gql(VERIFY_SECONDARY_EMAIL, {
      token: await app.mailToken(secondary),
    });
    expect(confirmed.body.data?.verifySecondaryEmail).toEqual({ success: true, errors: null });

    expect(await register(app, { email: secondary })).toEqual(failure({ email: [EMAIL_IN_USE] }));
    expect(
      await register(app, {
        email: secondary.toUpperCase().replace("@EXAMPLE.COM", "@example.com"),
      }),
    ).toEqual(failure({ email: [EMAIL_IN_USE] }));
  });

  it("refuses two different passwords under password2 without running the validators", async () => {
    const answer = await register(app, { password1: STRONG_PASSWORD, password2: "123" });
    expect(answer).toEqual(failure({ password2: [PASSWORD_MISMATCH] }));
  });

  it("refuses a password too similar to the username", async () => {
    const username = unique("similar");
    const answer = await register(app, { username, password1: `${username}1` });
    expect(answer).toEqual(failure({ password2: [TOO_SIMILAR_TO_USERNAME] }));
  });

  it("refuses a password too similar to a part of the email", async () => {
    const answer = await register(app, {
      email: `${unique("e")}.thatcher@example.com`,
      password1: "Thatcher!9",
    });
    expect(answer).toEqual(failure({ password2: [TOO_SIMILAR_TO_EMAIL] }));
  });

  it("refuses a password shorter than 8 characters", async () => {
    expect(await register(app, { password1: "Xk9#qz" })).toEqual(
      failure({ password2: [TOO_SHORT] }),
    );
  });

  it("refuses a common password", async () => {
    expect(await register(app, { password1: "password" })).toEqual(
      failure({ password2: [TOO_COMMON] }),
    );
  });

  it("refuses an entirely numeric password", async () => {
    expect(await register(app, { password1: "80502619374" })).toEqual(
      failure({ password2: [ENTIRELY_NUMERIC] }),
    );
  });

  it("reports all four validator failures together, in validator order", async () => {
    const answer = await register(app, {
      username: "1234567",
      email: `${unique("e")}@example.com`,
      password1: "1234567",
    });
    expect(answer).toEqual(
      failure({ password2: [TOO_SIMILAR_TO_USERNAME, TOO_SHORT, TOO_COMMON, ENTIRELY_NUMERIC] }),
    );
  });

  it("still compares the password with a username that is taken, as Django's form does", async () => {
    const first = registration();
    expect(await register(app, first)).toMatchObject({ success: true });
    const answer = await register(app, {
      username: first.username,
      email: `${unique("e")}@example.com`,
      password1: `${first.username}1`,
    });
    expect(answer).toEqual(
      failure({ username: [USERNAME_TAKEN], password2: [TOO_SIMILAR_TO_USERNAME] }),
    );
  });

  it("skips the similarity check against a username that is itself invalid", async () => {
    const answer = await register(app, {
      username: "1234567!",
      email: `${unique("e")}@example.com`,
      password1: "1234567!",
    });
    expect(answer).toEqual(failure({ username: [INVALID_USERNAME] }));
  });

  it("trims and NFKC-normalises the username, and the tokens belong to the normalised name", async () => {
    const suffix = unique("x");
    const answer = await register(app, {
      username: `  \uff2a\uff4f\uff45\ufb01${suffix}  `,
      email: `${suffix}@example.com`,
    });
    expect(answer).toMatchObject({ success: true, errors: null });
    const login = await logInAs(app, `Joefi${suffix}`, STRONG_PASSWORD);
    expect(login).toMatchObject({ success: true, user: { username: `Joefi${suffix}` } });
    const verified = await app.gql(
      `mutation ($token: String!) { verifyToken(token: $token) { success payload } }`,
      {
        token: answer.token,
      },
    );
    expect(verified.body.data?.verifyToken).toMatchObject({
      success: true,
      payload: { username: `Joefi${suffix}` },
    });
  });

  it("lower-cases the email domain, keeps the local part and trims surrounding spaces", async () => {
    const username = unique("mixed");
    const answer = await register(app, { username, email: `  MiXed.${username}@Example.COM ` });
    expect(answer).toMatchObject({ success: true, errors: null });
    const stored = `MiXed.${username}@example.com`;
    expect((await logInAs(app, username, STRONG_PASSWORD)).user).toMatchObject({ email: stored });
    expect(app.mailsTo(stored)).toHaveLength(1);
  });

  it("answers EMAIL_FAIL and creates no user when the activation mail cannot be sent", async () => {
    const args = registration();
    app.smtp.failNext(1);
    expect(await register(app, args)).toEqual(failure({ nonFieldErrors: [EMAIL_FAIL] }));
    expect(app.mailsTo(args.email)).toHaveLength(0);
    expect(await logInAs(app, args.username, args.password1)).toMatchObject({
      success: false,
      user: null,
    });

    expect(await register(app, args)).toMatchObject({ success: true, errors: null });
    expect(app.mailsTo(args.email)).toHaveLength(1);
  });

  it("lets exactly one of 20 concurrent registrations of the same username succeed", async () => {
    const username = unique("race");
    const attempts = Array.from({ length: 20 }, (_, index) =>
      registration({ username, email: `${username}.${index}@example.com` }),
    );
    const answers = await Promise.all(attempts.map((args) => register(app, args)));

    const winners = answers.filter((answer) => answer.success);
    expect(winners).toHaveLength(1);
    for (const answer of answers.filter((candidate) => !candidate.success)) {
      expect(answer).toEqual(failure({ username: [USERNAME_TAKEN] }));
    }
    const mailed = attempts.filter((args) => app.mailsTo(args.email).length > 0);
    expect(mailed).toHaveLength(1);
  });

  it("lets exactly one of 20 concurrent registrations of the same email succeed", async () => {
    const email = `${unique("race")}@example.com`;
    const answers = await Promise.all(Array.from({ length: 20 }, () => register(app, { email })));

    expect(answers.filter((answer) => answer.success)).toHaveLength(1);
    for (const answer of answers.filter((candidate) => !candidate.success)) {
      expect(answer).toEqual(failure({ email: [PRIMARY_EMAIL_TAKEN] }));
    }
    expect(app.mailsTo(email)).toHaveLength(1);
  });
});

describe.each(testDatabases())("register with passwordless registration on %s", (database) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(database, {
      ALLOW_PASSWORDLESS_REGISTRATION: "true",
      SEND_PASSWORD_SET_EMAIL: "true",
    });
  });
  afterAll(async () => {
    await app.close();
  });

  it("has no password arguments", async () => {
    const { fields } = (await schemaTypes(app)).mutation;
    expect(fields.find((field) => field.name === "register")?.args.map((arg) => arg.name)).toEqual([
      "email",
      "username",
    ]);
  });

  it("answers success without tokens and mails a password-set link; the set password then logs in", async () => {
    const username = unique("nopw");
    const email = `${username}@example.com`;
    const response = await app.gql(REGISTER_WITHOUT_PASSWORDS, { email, username });
    expect(response.body.data?.register).toEqual({
      success: true,
      errors: null,
      token: null,
      refreshToken: null,
    });

    const mail = await app.smtp.waitFor(
      (m) => m.envelopeTo.includes(email) && m.subject === "Set your password on app.example.test",
    );
    expect(mail.text).toMatch(/http:\/\/app\.example\.test\/password-set\/[A-Za-z0-9_:-]+/);
    // SEND_ACTIVATION_EMAIL is on too: the activation mail goes out as well (SPEC §5.1 step 5).
    const activation = await app.smtp.waitFor(
      (m) =>
        m.envelopeTo.includes(email) && m.subject === "Activate your account on app.example.test",
    );
    expect(activation.text).toMatch(/http:\/\/app\.example\.test\/activate\//);
    const token = tokenFromMail(mail);
    expect(await logInAs(app, username, STRONG_PASSWORD)).toMatchObject({
      success: false,
      user: null,
    });

    const set = await app.gql(PASSWORD_SET, { token, p1: STRONG_PASSWORD, p2: STRONG_PASSWORD });
    expect(set.body.data?.passwordSet).toEqual({ success: true, errors: null });
    expect(await logInAs(app, username, STRONG_PASSWORD)).toMatchObject({
      success: true,
      user: { username, verified: true },
    });

    const again = await app.gql(PASSWORD_SET, {
      token,
      p1: "Another-Horse-43",
      p2: "Another-Horse-43",
    });
    expect(again.body.data?.passwordSet).toEqual({
      success: false,
      errors: { nonFieldErrors: [PASSWORD_ALREADY_SET] },
    });
    expect(await logInAs(app, username, STRONG_PASSWORD)).toMatchObject({ success: true });
  });

  it("validates the password chosen with passwordSet against the user", async () => {
    const username = unique("nopw");
    const email = `${username}@example.com`;
    await app.gql(REGISTER_WITHOUT_PASSWORDS, { email, username });
    const mail = await app.smtp.waitFor(
      (m) => m.envelopeTo.includes(email) && m.subject === "Set your password on app.example.test",
    );
    const token = tokenFromMail(mail);

    const weak = await app.gql(PASSWORD_SET, { token, p1: `${username}1`, p2: `${username}1` });
    expect(weak.body.data?.passwordSet).toEqual({
      success: false,
      errors: { newPassword2: [TOO_SIMILAR_TO_USERNAME] },
    });
    const mismatch = await app.gql(PASSWORD_SET, {
      token,
      p1: STRONG_PASSWORD,
      p2: "Another-Horse-43",
    });
    expect(mismatch.body.data?.passwordSet).toEqual({
      success: false,
      errors: { newPassword2: [PASSWORD_MISMATCH] },
    });
    const set = await app.gql(PASSWORD_SET, { token, p1: STRONG_PASSWORD, p2: STRONG_PASSWORD });
    expect(set.body.data?.passwordSet).toEqual({ success: true, errors: null });
  });
});

describe.each(testDatabases())("register without unverified login on %s", (database) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(database, { ALLOW_LOGIN_NOT_VERIFIED: "false" });
  });
  afterAll(async () => {
    await app.close();
  });

  it("has only success and errors in its answer type", async () => {
    const { fields } = (await schemaTypes(app)).payload;
    expect(fields.map((field) => field.name).sort()).toEqual(["errors", "success"]);
  });

  it("answers success and mails the activation link", async () => {
    const args = registration();
    const response = await app.gql(REGISTER_SUCCESS_ONLY, { ...args });
    expect(response.body.data?.register).toEqual({ success: true, errors: null });
    expect(app.mailsTo(args.email)).toHaveLength(1);
  });

  it("rejects a query for the token as a GraphQL validation error", async () => {
    const response = await app.gql(REGISTER, { ...registration() });
    expect(response.status).toBe(400);
    expect(response.body.errors?.[0]?.message).toBe(
      'Cannot query field "token" on type "Register".',
    );
  });
});
