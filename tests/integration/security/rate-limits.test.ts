// SPEC §11.4 RATE_LIMITS over real HTTP, counted in the database: tokenAuth per identifier and
// per client IP, the mutations that send mail per address and per IP, the token mutations per
// IP, and the admin login on the tokenAuth counters (the off switch: rate-limit-settings). Each
// test starts in fresh windows (startFreshWindows) and sends from addresses of its own.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { STAFF_LOGIN_ERROR } from "../../../src/accounts/staff/access.js";
import { createSuperuser } from "../../../src/accounts/users.js";
import { AdminClient } from "../../support/admin-client.js";
import { outboxMessagesTo } from "../../support/answers.js";
import { aVerifiedUser, STRONG_PASSWORD } from "../../support/builders.js";
import {
  REFRESH_TOKEN,
  REGISTER,
  RESEND_ACTIVATION_EMAIL,
  REVOKE_TOKEN,
  SEND_PASSWORD_RESET_EMAIL,
  SEND_SECONDARY_EMAIL_ACTIVATION,
  TOKEN_AUTH_EMAIL,
  TOKEN_AUTH_USERNAME,
  VERIFY_TOKEN,
} from "../../support/operations.js";
import {
  aClientIp,
  fromClient,
  RATE_LIMITED,
  startFreshWindows,
} from "../../support/rate-limits.js";
import { startTestApp, testDatabases, unique, type TestApp } from "../../support/test-app.js";

const INVALID_CREDENTIALS = {
  nonFieldErrors: [{ message: "Please, enter valid credentials.", code: "invalid_credentials" }],
};
const INVALID_TOKEN = { nonFieldErrors: [{ message: "Invalid token.", code: "invalid_token" }] };
const WRONG_PASSWORD = "Not-The-Password-1";
const UPDATE_EMAIL = `mutation ($email: String, $firstName: String) {
  updateAccount(email: $email, firstName: $firstName) { success errors }
}`;

/** tokenAuth's whole answer once refused: every output null, as for any other failure. */
const REFUSED_SIGN_IN = {
  success: false,
  errors: RATE_LIMITED,
  token: null,
  refreshToken: null,
  unarchiving: false,
  refreshExpiresIn: null,
  payload: null,
  user: null,
};

describe.each(testDatabases())("rate limits on %s", (database) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(database, {
      RATE_LIMITS: "true",
      TRUST_PROXY: "true",
      UPDATE_MUTATION_FIELDS: "first_name,last_name,email",
    });
  });
  afterAll(async () => {
    await app.close();
  });
  beforeEach(() => {
    startFreshWindows(app);
  });

  async function signIn(username: string, password: string, ip: string) {
    const response = await app.gql(TOKEN_AUTH_USERNAME, { username, password }, fromClient(ip));
    return response.body.data?.tokenAuth as Record<string, unknown>;
  }

  async function mutation(query: string, variables: Record<string, unknown>, ip: string) {
    const response = await app.gql(query, variables, fromClient(ip));
    expect(response.body.errors).toBeUndefined();
    return Object.values(response.body.data ?? {})[0] as Record<string, unknown>;
  }

  describe("tokenAuth", () => {
    it("refuses the 6th attempt for one identifier within a minute, even with the right password", async () => {
      const user = await aVerifiedUser(app);
      for (let attempt = 1; attempt <= 5; attempt += 1) {
        // Case-folded: "Bob" and "bob" are one identifier. Each attempt from another address.
        const name = attempt % 2 === 0 ? user.username.toUpperCase() : user.username;
        expect(await signIn(name, WRONG_PASSWORD, aClientIp())).toMatchObject({
          success: false,
          errors: INVALID_CREDENTIALS,
        });
      }
      expect(await signIn(user.username, user.password, aClientIp())).toEqual(REFUSED_SIGN_IN);
    });

    it("counts successful sign-ins too", async () => {
      const user = await aVerifiedUser(app);
      for (let attempt = 1; attempt <= 5; attempt += 1) {
        expect(await signIn(user.username, user.password, aClientIp())).toMatchObject({
          success: true,
        });
      }
      expect(await signIn(user.username, user.password, aClientIp())).toEqual(REFUSED_SIGN_IN);
    });

    it("answers an identifier of no account exactly as one of an account", async () => {
      const user = await aVerifiedUser(app);
      const answers = async (username: string) => {
        const seen = [];
        for (let attempt = 1; attempt <= 7; attempt += 1) {
          seen.push(await signIn(username, WRONG_PASSWORD, aClientIp()));
        }
        return seen;
      };
      const known = await answers(user.username);
      const unknown = await answers(unique("nobody"));
      expect(unknown).toEqual(known);
      expect(known.map((answer) => answer.errors)).toEqual([
        ...Array<unknown>(5).fill(INVALID_CREDENTIALS),
        RATE_LIMITED,
        RATE_LIMITED,
      ]);
    });

    it("counts an email identifier on its own, case-folded", async () => {
      const user = await aVerifiedUser(app);
      for (let attempt = 1; attempt <= 5; attempt += 1) {
        const email = attempt % 2 === 0 ? user.email.toUpperCase() : user.email;
        const response = await app.gql(
          TOKEN_AUTH_EMAIL,
          { email, password: WRONG_PASSWORD },
          fromClient(aClientIp()),
        );
        expect(response.body.data?.tokenAuth).toMatchObject({ errors: INVALID_CREDENTIALS });
      }
      const refused = await app.gql(
        TOKEN_AUTH_EMAIL,
        { email: user.email, password: user.password },
        fromClient(aClientIp()),
      );
      expect(refused.body.data?.tokenAuth).toMatchObject({ success: false, errors: RATE_LIMITED });
      // The username is another identifier: it still has its own five attempts.
      expect(await signIn(user.username, user.password, aClientIp())).toMatchObject({
        success: true,
      });
    });

    it("refuses the 21st attempt from one client IP within a minute, whatever the identifier", async () => {
      const ip = aClientIp();
      for (let attempt = 1; attempt <= 20; attempt += 1) {
        expect(await signIn(unique("guess"), WRONG_PASSWORD, ip)).toMatchObject({
          errors: INVALID_CREDENTIALS,
        });
      }
      const user = await aVerifiedUser(app);
      expect(await signIn(user.username, user.password, ip)).toEqual(REFUSED_SIGN_IN);
      expect(await signIn(user.username, user.password, aClientIp())).toMatchObject({
        success: true,
      });
    });

    it("lets attempts through again once the window has passed", async () => {
      const user = await aVerifiedUser(app);
      const ip = aClientIp();
      for (let attempt = 1; attempt <= 5; attempt += 1) {
        await signIn(user.username, WRONG_PASSWORD, ip);
      }
      expect(await signIn(user.username, user.password, ip)).toEqual(REFUSED_SIGN_IN);
      app.clock.advance(60);
      expect(await signIn(user.username, user.password, ip)).toMatchObject({ success: true });
    });
  });

  describe("mutations that send mail", () => {
    it("refuses the 4th reset request for one address within an hour, account or not", async () => {
      const user = await aVerifiedUser(app);
      startFreshWindows(app); // the registration counted as a mail to this address
      for (const email of [user.email, `${unique("ghost")}@example.com`]) {
        const answers = [];
        for (const variant of [email, email.toUpperCase(), email, email]) {
          answers.push(await mutation(SEND_PASSWORD_RESET_EMAIL, { email: variant }, aClientIp()));
        }
        expect(answers).toEqual([
          { success: true, errors: null },
          { success: true, errors: null },
          { success: true, errors: null },
          { success: false, errors: RATE_LIMITED },
        ]);
      }
      // Three mails went to the account (one to the address as typed, in capitals) besides its
      // activation mail; the refused request queued none.
      const [local, domain] = user.email.split("@");
      const typedInCapitals = `${local?.toUpperCase()}@${domain}`;
      expect(await outboxMessagesTo(app, user.email)).toBe(1 + 2);
      expect(await outboxMessagesTo(app, typedInCapitals)).toBe(1);
    });

    it("counts resendActivationEmail and sendPasswordResetEmail against the same address", async () => {
      const email = `${unique("shared")}@example.com`;
      await mutation(RESEND_ACTIVATION_EMAIL, { email }, aClientIp());
      await mutation(SEND_PASSWORD_RESET_EMAIL, { email }, aClientIp());
      await mutation(RESEND_ACTIVATION_EMAIL, { email }, aClientIp());
      expect(await mutation(SEND_PASSWORD_RESET_EMAIL, { email }, aClientIp())).toEqual({
        success: false,
        errors: RATE_LIMITED,
      });
    });

    it("refuses the 11th mail request from one client IP within an hour, registrations included", async () => {
      const ip = aClientIp();
      const address = () => `${unique("m")}@example.com`;
      const register = (email: string) => ({
        email,
        username: unique("r"),
        password1: STRONG_PASSWORD,
        password2: STRONG_PASSWORD,
      });
      for (let request = 1; request <= 4; request += 1) {
        expect(await mutation(SEND_PASSWORD_RESET_EMAIL, { email: address() }, ip)).toMatchObject({
          success: true,
        });
        expect(await mutation(RESEND_ACTIVATION_EMAIL, { email: address() }, ip)).toMatchObject({
          success: true,
        });
      }
      expect(await mutation(REGISTER, register(address()), ip)).toMatchObject({ success: true });
      expect(await mutation(REGISTER, register(address()), ip)).toMatchObject({ success: true });

      const refusedEmail = address();
      expect(await mutation(REGISTER, register(refusedEmail), ip)).toEqual({
        success: false,
        errors: RATE_LIMITED,
        token: null,
        refreshToken: null,
      });
      expect(await mutation(SEND_PASSWORD_RESET_EMAIL, { email: address() }, aClientIp())).toEqual({
        success: true,
        errors: null,
      });
      expect(app.mailsTo(refusedEmail)).toEqual([]);
    });

    it("limits sendSecondaryEmailActivation by the new address", async () => {
      const target = `${unique("second")}@example.com`;
      const answers = [];
      for (let request = 1; request <= 4; request += 1) {
        const user = await aVerifiedUser(app);
        const response = await app.gql(
          SEND_SECONDARY_EMAIL_ACTIVATION,
          { email: target, password: user.password },
          { token: user.token, ...fromClient(aClientIp()) },
        );
        answers.push(response.body.data?.sendSecondaryEmailActivation);
      }
      expect(answers).toEqual([
        { success: true, errors: null },
        { success: true, errors: null },
        { success: true, errors: null },
        { success: false, errors: RATE_LIMITED },
      ]);
      expect(app.mailsTo(target)).toHaveLength(3);
    });

    it("counts a change of email in updateAccount as a mail request, other changes not", async () => {
      const ip = aClientIp();
      for (let request = 1; request <= 10; request += 1) {
        await mutation(SEND_PASSWORD_RESET_EMAIL, { email: `${unique("m")}@example.com` }, ip);
      }
      const user = await aVerifiedUser(app);
      const update = (variables: Record<string, unknown>) =>
        app.gql(UPDATE_EMAIL, variables, { token: user.token, ...fromClient(ip) });
      const renamed = await update({ firstName: "Ada" });
      expect(renamed.body.data?.updateAccount).toEqual({ success: true, errors: null });
      const moved = await update({ email: `${unique("moved")}@example.com` });
      expect(moved.body.data?.updateAccount).toEqual({ success: false, errors: RATE_LIMITED });
    });
  });

  describe("token mutations", () => {
    it("refuses the 31st verifyToken, refreshToken or revokeToken from one client IP within a minute", async () => {
      const ip = aClientIp();
      const calls = [
        () => mutation(VERIFY_TOKEN, { token: "not-a-token" }, ip),
        () => mutation(REFRESH_TOKEN, { refreshToken: "not-a-token" }, ip),
        () => mutation(REVOKE_TOKEN, { refreshToken: "not-a-token" }, ip),
      ];
      for (let request = 0; request < 30; request += 1) {
        const answer = await calls[request % 3]!();
        expect(answer).toMatchObject({ success: false, errors: INVALID_TOKEN });
      }
      const user = await aVerifiedUser(app);
      expect(await mutation(VERIFY_TOKEN, { token: user.token }, ip)).toEqual({
        success: false,
        errors: RATE_LIMITED,
        payload: null,
      });
      expect(await mutation(REFRESH_TOKEN, { refreshToken: user.refreshToken }, ip)).toEqual({
        success: false,
        errors: RATE_LIMITED,
        token: null,
        refreshToken: null,
        payload: null,
        refreshExpiresIn: null,
      });
      expect(await mutation(REVOKE_TOKEN, { refreshToken: user.refreshToken }, ip)).toEqual({
        success: false,
        errors: RATE_LIMITED,
        revoked: null,
      });
      // Refused before anything was done: the refresh token still works from elsewhere.
      expect(
        await mutation(REFRESH_TOKEN, { refreshToken: user.refreshToken }, aClientIp()),
      ).toMatchObject({ success: true });
    });
  });

  describe("the admin login", () => {
    async function aStaffMember() {
      const username = unique("staff");
      await createSuperuser(app.deps, {
        username,
        email: `${username}@example.com`,
        password: STRONG_PASSWORD,
      });
      return username;
    }

    async function adminLogIn(username: string, password: string) {
      const client = new AdminClient(app.url.replace(/\/graphql$/, ""));
      await client.get("/admin/login/");
      return client.post("/admin/login/", { username, password, next: "/admin/" });
    }

    it("shares the per-identifier counter with tokenAuth, refusing with the form's message", async () => {
      const username = await aStaffMember();
      for (let attempt = 1; attempt <= 3; attempt += 1) {
        await signIn(username, WRONG_PASSWORD, aClientIp());
      }
      for (let attempt = 1; attempt <= 2; attempt += 1) {
        expect((await adminLogIn(username, WRONG_PASSWORD)).status).toBe(200);
      }
      const refused = await adminLogIn(username, STRONG_PASSWORD);
      expect(refused.status).toBe(200);
      expect(refused.html).toContain(STAFF_LOGIN_ERROR.message);
      expect(refused.html).not.toContain("Too many attempts");
      expect(await signIn(username, STRONG_PASSWORD, aClientIp())).toEqual(REFUSED_SIGN_IN);
    });

    it("shares the per-IP counter with tokenAuth", async () => {
      // The admin client sends no X-Forwarded-For: its requests come from 127.0.0.1.
      const username = await aStaffMember();
      for (let attempt = 1; attempt <= 20; attempt += 1) {
        await signIn(unique("guess"), WRONG_PASSWORD, "127.0.0.1");
      }
      const refused = await adminLogIn(username, STRONG_PASSWORD);
      expect(refused.status).toBe(200);
      expect(refused.html).toContain(STAFF_LOGIN_ERROR.message);
      app.clock.advance(60);
      const accepted = await adminLogIn(username, STRONG_PASSWORD);
      expect(accepted.status).toBe(302);
    });
  });
});
