// Second-factor codes are guesses like passwords (issue 16): each code checked spends a sign-in
// attempt of the user (RATE_LIMIT_LOGIN_PER_IDENTIFIER, by natural key) and of the client
// (RATE_LIMIT_LOGIN_PER_IP), before it is compared, on the same counters as tokenAuth.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { aVerifiedUser, logIn } from "../../support/builders.js";
import { TOKEN_AUTH_USERNAME } from "../../support/operations.js";
import {
  aClientIp,
  fromClient,
  RATE_LIMITED,
  startFreshWindows,
} from "../../support/rate-limits.js";
import {
  aUserWithTotp,
  CONFIRM_TOTP,
  currentCode,
  INVALID_OTP_DETAIL,
  SETUP_TOTP,
  TOKEN_AUTH_OTP,
} from "../../support/second-factor.js";
import { startTestApp, testDatabases, unique, type TestApp } from "../../support/test-app.js";

describe.each(testDatabases())("second-factor rate limits on %s", (database) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(database, { RATE_LIMITS: "true", TRUST_PROXY: "true" });
  });
  afterAll(async () => {
    await app.close();
  });
  beforeEach(() => {
    startFreshWindows(app);
  });

  async function signIn(
    user: { username: string; password: string },
    otp: string,
    ip: string,
  ): Promise<Record<string, unknown>> {
    const response = await app.gql(
      TOKEN_AUTH_OTP,
      { username: user.username, password: user.password, otp },
      fromClient(ip),
    );
    return response.body.data?.tokenAuth as Record<string, unknown>;
  }

  it("counts every code against the user's attempts: wrong codes use them up, then the right one is refused", async () => {
    const user = await aUserWithTotp(app);
    startFreshWindows(app);
    // Each sign-in spends two attempts of the user (its password, then its code): with 5 a
    // minute, the third one's code is refused before it is compared. Every try from a new address.
    const answers = [];
    for (let attempt = 1; attempt <= 3; attempt += 1)
      answers.push((await signIn(user, "000000", aClientIp())).errors);
    expect(answers).toEqual([
      { nonFieldErrors: [INVALID_OTP_DETAIL] },
      { nonFieldErrors: [INVALID_OTP_DETAIL] },
      RATE_LIMITED,
    ]);
    const refused = await signIn(user, currentCode(app, user.secret), aClientIp());
    expect(refused).toMatchObject({ success: false, errors: RATE_LIMITED, token: null });
    // The refused code was not consumed: in the next window it signs in.
    app.clock.advance(60);
    expect(await signIn(user, currentCode(app, user.secret), aClientIp())).toMatchObject({
      success: true,
    });
  });

  it("counts a code against the client's attempts, shared with password checks", async () => {
    const user = await aVerifiedUser(app);
    const setup = await app.gql(
      SETUP_TOTP,
      { password: user.password },
      { token: user.token, ...fromClient(aClientIp()) },
    );
    const { secret } = setup.body.data?.setupTotp as { secret: string };
    startFreshWindows(app);
    // A token of the new hour (the clock moved past the old one's expiry).
    const { token } = await logIn(app, user);
    const ip = aClientIp();
    for (let attempt = 1; attempt <= 20; attempt += 1) {
      const response = await app.gql(
        TOKEN_AUTH_USERNAME,
        { username: unique("nobody"), password: "Not-The-Password-1" },
        fromClient(ip),
      );
      expect(response.body.data?.tokenAuth).toMatchObject({
        errors: { nonFieldErrors: [{ code: "invalid_credentials" }] },
      });
    }
    const confirm = (from: string) =>
      app.gql(CONFIRM_TOTP, { code: currentCode(app, secret) }, { token, ...fromClient(from) });
    expect((await confirm(ip)).body.data?.confirmTotp).toEqual({
      success: false,
      errors: RATE_LIMITED,
      recoveryCodes: null,
    });
    expect((await confirm(aClientIp())).body.data?.confirmTotp).toMatchObject({ success: true });
  });

  it("refuses recovery codes alike once the user's attempts are used up", async () => {
    const user = await aUserWithTotp(app);
    startFreshWindows(app);
    for (let attempt = 1; attempt <= 2; attempt += 1)
      await signIn(user, "AAAAA-AAAAA", aClientIp());
    const [code = ""] = user.recoveryCodes;
    expect(await signIn(user, code, aClientIp())).toMatchObject({ errors: RATE_LIMITED });
    app.clock.advance(60);
    expect(await signIn(user, code, aClientIp())).toMatchObject({ success: true });
  });
});
