// Every mutation that checks the caller's password is a password oracle like tokenAuth (issue 12,
// item 1): it counts against the same per-user and per-IP sign-in limits before any hashing, and
// one request may have one password checked, so aliases cannot batch guesses.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { aVerifiedUser, type RegisteredUser } from "../../../support/builders.js";
import {
  ARCHIVE_ACCOUNT,
  DELETE_ACCOUNT,
  REMOVE_SECONDARY_EMAIL,
  SEND_SECONDARY_EMAIL_ACTIVATION,
  SWAP_EMAILS,
  TOKEN_AUTH_USERNAME,
  VERIFY_SECONDARY_EMAIL,
} from "../../../support/operations.js";
import {
  aClientIp,
  fromClient,
  RATE_LIMITED,
  startFreshWindows,
} from "../../../support/rate-limits.js";
import { startTestApp, testDatabases, unique, type TestApp } from "../../../support/test-app.js";

const WRONG = "Not-The-Password-1";
const ONE_CHECK_PER_REQUEST = {
  nonFieldErrors: [
    { message: "Only one password can be checked per request.", code: "password_check_limit" },
  ],
};

/** Three guesses in one request, the right one in the middle, new passwords that differ. */
const BATCHED_PASSWORD_CHANGE = `mutation ($a: String!, $b: String!, $c: String!) {
  a: passwordChange(oldPassword: $a, newPassword1: "Brand-New-Secret-77", newPassword2: "x") { success errors }
  b: passwordChange(oldPassword: $b, newPassword1: "Brand-New-Secret-77", newPassword2: "x") { success errors }
  c: passwordChange(oldPassword: $c, newPassword1: "Brand-New-Secret-77", newPassword2: "x") { success errors }
}`;
const BATCHED_SIGN_IN = `mutation ($username: String!, $a: String!, $b: String!) {
  a: tokenAuth(username: $username, password: $a) { success errors }
  b: tokenAuth(username: $username, password: $b) { success errors }
}`;
const PASSWORD_CHANGE = `mutation ($old: String!) {
  passwordChange(oldPassword: $old, newPassword1: "Brand-New-Secret-77", newPassword2: "x") { success errors }
}`;

type Errors = Record<string, { code: string }[]> | null;

function errorsOf(data: Record<string, unknown> | null | undefined, field: string): Errors {
  return (data?.[field] as { errors: Errors } | undefined)?.errors ?? null;
}

describe.each(testDatabases())("password checks on %s", (database) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(database, {
      RATE_LIMITS: "true",
      TRUST_PROXY: "true",
      ALLOW_DELETE_ACCOUNT: "true",
      // The builders register every user from one address; only the password limits are tested.
      RATE_LIMIT_EMAIL_PER_IP: "1000/1h",
      RATE_LIMIT_LOGIN_PER_IP: "4/1m",
    });
  });
  afterAll(async () => {
    await app.close();
  });
  beforeEach(() => {
    startFreshWindows(app);
  });

  it("checks one password per request: further aliases are refused, so the right guess is not revealed", async () => {
    const user = await aVerifiedUser(app);
    const response = await app.gql(
      BATCHED_PASSWORD_CHANGE,
      { a: WRONG, b: user.password, c: "Another-Wrong-2" },
      { token: user.token, ...fromClient(aClientIp()) },
    );
    expect(errorsOf(response.body.data, "a")).toEqual({
      oldPassword: [{ message: "Invalid password.", code: "invalid_password" }],
    });
    expect(errorsOf(response.body.data, "b")).toEqual(ONE_CHECK_PER_REQUEST);
    expect(errorsOf(response.body.data, "c")).toEqual(ONE_CHECK_PER_REQUEST);
  });

  it("refuses a second tokenAuth in the same request", async () => {
    const user = await aVerifiedUser(app);
    const response = await app.gql(
      BATCHED_SIGN_IN,
      { username: user.username, a: WRONG, b: user.password },
      fromClient(aClientIp()),
    );
    expect(errorsOf(response.body.data, "a")).toMatchObject({
      nonFieldErrors: [{ code: "invalid_credentials" }],
    });
    expect(errorsOf(response.body.data, "b")).toEqual(ONE_CHECK_PER_REQUEST);
  });

  it("counts passwordChange guesses against the user's sign-in limit, which tokenAuth then shares", async () => {
    const user = await aVerifiedUser(app);
    for (let attempt = 0; attempt < 5; attempt++) {
      const guess = await app.gql(
        PASSWORD_CHANGE,
        { old: `${WRONG}${String(attempt)}` },
        { token: user.token, ...fromClient(aClientIp()) },
      );
      expect(errorsOf(guess.body.data, "passwordChange")).toMatchObject({
        oldPassword: [{ code: "invalid_password" }],
      });
    }
    // The right password, from yet another address: the user's limit is used up.
    const right = await app.gql(
      PASSWORD_CHANGE,
      { old: user.password },
      { token: user.token, ...fromClient(aClientIp()) },
    );
    expect(errorsOf(right.body.data, "passwordChange")).toEqual(RATE_LIMITED);
    const signIn = await app.gql(
      TOKEN_AUTH_USERNAME,
      { username: user.username, password: user.password },
      fromClient(aClientIp()),
    );
    expect(errorsOf(signIn.body.data, "tokenAuth")).toEqual(RATE_LIMITED);
  });

  it("counts password checks of many users from one address against its per-IP limit", async () => {
    const ip = aClientIp();
    const users: RegisteredUser[] = [];
    for (let index = 0; index < 5; index++) users.push(await aVerifiedUser(app));
    const answers = [];
    for (const user of users) {
      const response = await app.gql(
        ARCHIVE_ACCOUNT,
        { password: WRONG },
        { token: user.token, ...fromClient(ip) },
      );
      answers.push(errorsOf(response.body.data, "archiveAccount"));
    }
    expect(answers.slice(0, 4).every((errors) => errors?.password?.[0]?.code)).toBe(true);
    expect(answers[4]).toEqual(RATE_LIMITED);
  });

  describe.each([
    ["archiveAccount", ARCHIVE_ACCOUNT, false],
    ["deleteAccount", DELETE_ACCOUNT, false],
    ["sendSecondaryEmailActivation", SEND_SECONDARY_EMAIL_ACTIVATION, false],
    ["swapEmails", SWAP_EMAILS, true],
    ["removeSecondaryEmail", REMOVE_SECONDARY_EMAIL, true],
  ] as const)("%s", (field, mutation, needsSecondaryEmail) => {
    async function aUser(): Promise<RegisteredUser> {
      const user = await aVerifiedUser(app);
      if (!needsSecondaryEmail) return user;
      const secondary = `${unique("second")}@example.com`;
      await app.gql(
        SEND_SECONDARY_EMAIL_ACTIVATION,
        { email: secondary, password: user.password },
        { token: user.token, ...fromClient(aClientIp()) },
      );
      const token = await app.mailToken(secondary);
      await app.gql(VERIFY_SECONDARY_EMAIL, { token });
      // The next minute window: the check above counted too. The access token lives 5 minutes.
      app.clock.advance(60);
      return user;
    }

    it("refuses the right password once five wrong ones used up the user's limit", async () => {
      const user = await aUser();
      const variables = (password: string) => ({
        password,
        email: `${unique("other")}@example.com`,
      });
      for (let attempt = 0; attempt < 5; attempt++) {
        const guess = await app.gql(mutation, variables(`${WRONG}${String(attempt)}`), {
          token: user.token,
          ...fromClient(aClientIp()),
        });
        expect(errorsOf(guess.body.data, field)).toMatchObject({
          password: [{ code: "invalid_password" }],
        });
      }
      const right = await app.gql(mutation, variables(user.password), {
        token: user.token,
        ...fromClient(aClientIp()),
      });
      expect(errorsOf(right.body.data, field)).toEqual(RATE_LIMITED);
    });
  });
});
