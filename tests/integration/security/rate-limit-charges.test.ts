// Which requests the mail limits charge (README, Security): those that send or could send mail.
// A register refused for its own fields is answered from the form and not charged; one that
// clashes with an account is charged, as its answer says whether the account exists. In
// development, requests from this machine skip the per-IP limits; production keeps them all.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { aVerifiedUser, STRONG_PASSWORD } from "../../support/builders.js";
import { REGISTER, SEND_PASSWORD_RESET_EMAIL } from "../../support/operations.js";
import {
  aClientIp,
  fromClient,
  RATE_LIMITED,
  startFreshWindows,
} from "../../support/rate-limits.js";
import { startTestApp, unique, type TestApp } from "../../support/test-app.js";

const EMAIL_PER_IP = 10;
const USERNAME_TAKEN = { message: "A user with that username already exists.", code: "unique" };
const TOO_COMMON = { message: "This password is too common.", code: "password_too_common" };

function registration(fields: Record<string, string> = {}) {
  const username = unique("r");
  return {
    email: `${username}@example.com`,
    username,
    password1: STRONG_PASSWORD,
    password2: STRONG_PASSWORD,
    ...fields,
  };
}

async function answer(app: TestApp, query: string, variables: object, ip?: string) {
  const response = await app.gql(
    query,
    variables as Record<string, unknown>,
    ip === undefined ? {} : fromClient(ip),
  );
  expect(response.body.errors).toBeUndefined();
  return Object.values(response.body.data ?? {})[0] as { success: boolean; errors: unknown };
}

describe("the mail limits on register", () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp("sqlite", { RATE_LIMITS: "true", TRUST_PROXY: "true" });
  });
  afterAll(async () => {
    await app.close();
  });
  beforeEach(() => {
    startFreshWindows(app);
  });

  it("does not charge registrations refused for their own fields", async () => {
    const ip = aClientIp();
    for (let request = 1; request <= EMAIL_PER_IP + 5; request += 1) {
      const weak = registration({ password1: "password", password2: "password" });
      expect((await answer(app, REGISTER, weak, ip)).errors).toEqual({ password2: [TOO_COMMON] });
      const mismatched = registration({ password2: "Other-Horse-43" });
      expect((await answer(app, REGISTER, mismatched, ip)).success).toBe(false);
      const malformed = registration({ email: "not-an-address" });
      expect((await answer(app, REGISTER, malformed, ip)).success).toBe(false);
    }
    expect(await answer(app, REGISTER, registration(), ip)).toMatchObject({ success: true });
  });

  it("charges a registration that clashes with an account, so clashes cannot probe for free", async () => {
    const taken = await aVerifiedUser(app);
    startFreshWindows(app);
    const ip = aClientIp();
    for (let request = 1; request <= EMAIL_PER_IP; request += 1) {
      const clash = registration({ username: taken.username });
      expect((await answer(app, REGISTER, clash, ip)).errors).toEqual({
        username: [USERNAME_TAKEN],
      });
    }
    const refused = await answer(app, REGISTER, registration({ username: taken.username }), ip);
    expect(refused.errors).toEqual(RATE_LIMITED);
  });

  it("answers a malformed form without looking up the names it holds", async () => {
    const taken = await aVerifiedUser(app);
    // A taken username beside a weak password: the lookup would need a charge, so only the
    // password's errors are answered (with rate limits off, both are: see the next suite).
    const mixed = registration({
      username: taken.username,
      password1: "password",
      password2: "password",
    });
    expect((await answer(app, REGISTER, mixed, aClientIp())).errors).toEqual({
      password2: [TOO_COMMON],
    });
  });

  it("does not charge a password reset request for a malformed address", async () => {
    const ip = aClientIp();
    for (let request = 1; request <= EMAIL_PER_IP + 2; request += 1) {
      const refused = await answer(app, SEND_PASSWORD_RESET_EMAIL, { email: "nobody@" }, ip);
      expect(refused.success).toBe(false);
      expect(refused.errors).not.toEqual(RATE_LIMITED);
    }
    const email = `${unique("reset")}@example.com`;
    expect(await answer(app, SEND_PASSWORD_RESET_EMAIL, { email }, ip)).toEqual({
      success: true,
      errors: null,
    });
  });
});

describe("register with rate limits off", () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp("sqlite", { RATE_LIMITS: "false" });
  });
  afterAll(async () => {
    await app.close();
  });

  it("answers every field error together, uniqueness included (SPEC §5.1)", async () => {
    const taken = await aVerifiedUser(app);
    const mixed = registration({
      username: taken.username,
      password1: "password",
      password2: "password",
    });
    expect((await answer(app, REGISTER, mixed)).errors).toEqual({
      username: [USERNAME_TAKEN],
      password2: [TOO_COMMON],
    });
  });
});

describe("rate limits for requests from this machine", () => {
  /** Mail requests from 127.0.0.1 (no proxy) to new addresses: how many succeed before a refusal. */
  async function mailRequestsAllowed(app: TestApp, requests: number): Promise<number> {
    startFreshWindows(app);
    let allowed = 0;
    for (let request = 1; request <= requests; request += 1) {
      const email = `${unique("local")}@example.com`;
      const result = await answer(app, SEND_PASSWORD_RESET_EMAIL, { email });
      if (result.success) allowed += 1;
    }
    return allowed;
  }

  describe("in development", () => {
    let app: TestApp;
    beforeAll(async () => {
      app = await startTestApp("sqlite", { NODE_ENV: "development", RATE_LIMITS: "true" });
    });
    afterAll(async () => {
      await app.close();
    });

    it("skips the per-IP mail limit for a client on the loopback address", async () => {
      expect(app.config.rateLimitLoopbackExempt).toBe(true);
      expect(await mailRequestsAllowed(app, EMAIL_PER_IP + 5)).toBe(EMAIL_PER_IP + 5);
    });

    it("still limits the mails to one address", async () => {
      startFreshWindows(app);
      const email = `${unique("inbox")}@example.com`;
      const answers = [];
      for (let request = 1; request <= 4; request += 1)
        answers.push(await answer(app, SEND_PASSWORD_RESET_EMAIL, { email }));
      expect(answers.map((result) => result.errors)).toEqual([null, null, null, RATE_LIMITED]);
    });
  });

  describe("in production", () => {
    let app: TestApp;
    beforeAll(async () => {
      app = await startTestApp("sqlite", {
        NODE_ENV: "production",
        RATE_LIMITS: "true",
        SECRET_KEY: "production-secret-key-0123456789abcdef",
        JWT_SECRET_KEY: "production-jwt-secret-key-0123456789abcdef",
      });
    });
    afterAll(async () => {
      await app.close();
    });

    it("keeps the per-IP mail limit for a client on the loopback address", async () => {
      expect(app.config.rateLimitLoopbackExempt).toBe(false);
      expect(await mailRequestsAllowed(app, EMAIL_PER_IP + 2)).toBe(EMAIL_PER_IP);
    });
  });

  describe("in development behind a proxy (TRUST_PROXY)", () => {
    let app: TestApp;
    beforeAll(async () => {
      app = await startTestApp("sqlite", {
        NODE_ENV: "development",
        RATE_LIMITS: "true",
        TRUST_PROXY: "true",
      });
    });
    afterAll(async () => {
      await app.close();
    });

    it("keeps the per-IP limit, even for a forwarded address that claims to be 127.0.0.1", async () => {
      expect(app.config.rateLimitLoopbackExempt).toBe(false);
      startFreshWindows(app);
      const answers = [];
      for (let request = 1; request <= EMAIL_PER_IP + 1; request += 1) {
        const email = `${unique("proxied")}@example.com`;
        answers.push(await answer(app, SEND_PASSWORD_RESET_EMAIL, { email }, "127.0.0.1"));
      }
      expect(answers.at(-1)?.errors).toEqual(RATE_LIMITED);
      expect(answers.filter((result) => result.success)).toHaveLength(EMAIL_PER_IP);
    });
  });
});
