// SPEC §11.4: RATE_LIMITS=false switches every limit off, and a refusal has the same shape in
// the relay style (SPEC §10) as any other error.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { aVerifiedUser, logIn } from "../../support/builders.js";
import {
  SEND_PASSWORD_RESET_EMAIL,
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

const INVALID_TOKEN = { nonFieldErrors: [{ message: "Invalid token.", code: "invalid_token" }] };

describe.each(testDatabases())("rate limits switched off on %s", (database) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(database, { RATE_LIMITS: "false", TRUST_PROXY: "true" });
  });
  afterAll(async () => {
    await app.close();
  });

  it("counts nothing and refuses nothing with RATE_LIMITS=false", async () => {
    const user = await aVerifiedUser(app);
    const ip = aClientIp();
    for (let attempt = 1; attempt <= 7; attempt += 1) {
      const response = await app.gql(
        TOKEN_AUTH_USERNAME,
        { username: user.username, password: user.password },
        fromClient(ip),
      );
      expect(response.body.data?.tokenAuth).toMatchObject({ success: true });
    }
    for (let request = 1; request <= 12; request += 1) {
      const response = await app.gql(
        SEND_PASSWORD_RESET_EMAIL,
        { email: user.email },
        fromClient(ip),
      );
      expect(response.body.data?.sendPasswordResetEmail).toEqual({ success: true, errors: null });
    }
    for (let request = 1; request <= 31; request += 1) {
      const response = await app.gql(VERIFY_TOKEN, { token: "not-a-token" }, fromClient(ip));
      expect(response.body.data?.verifyToken).toMatchObject({ errors: INVALID_TOKEN });
    }
    await logIn(app, user);
    const counters = await app.deps.db.selectFrom("rate_limit_counters").selectAll().execute();
    expect(counters).toEqual([]);
  });
});

describe("rate limits in relay style", () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp("sqlite", { RATE_LIMITS: "true", GRAPHQL_API_STYLE: "relay" });
  });
  afterAll(async () => {
    await app.close();
  });

  it("answers the same errors object, with the clientMutationId echoed", async () => {
    startFreshWindows(app);
    const email = `${unique("relay")}@example.com`;
    const answers = [];
    for (let request = 1; request <= 4; request += 1) {
      const response = await app.gql(
        `mutation ($input: SendPasswordResetEmailInput!) {
          sendPasswordResetEmail(input: $input) { success errors clientMutationId }
        }`,
        { input: { email, clientMutationId: `c-${request}` } },
      );
      answers.push(response.body.data?.sendPasswordResetEmail);
    }
    expect(answers[3]).toEqual({ success: false, errors: RATE_LIMITED, clientMutationId: "c-4" });
  });
});
