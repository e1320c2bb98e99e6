// Links minted by a Django deployment sharing SECRET_KEY carry no state binding; COMPAT_MODE
// accepts them so mails sent before a migration keep working, but each works once, like ours
// (issue 12, item 8): the reference accepted a reset link again for its whole hour.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signActionToken } from "../../../../src/accounts/tokens/action-tokens.js";
import { aVerifiedUser } from "../../../support/builders.js";
import {
  PASSWORD_RESET,
  REMOVE_SECONDARY_EMAIL,
  VERIFY_SECONDARY_EMAIL,
} from "../../../support/operations.js";
import { startTestApp, testDatabases, unique, type TestApp } from "../../../support/test-app.js";

const INVALID_TOKEN = { nonFieldErrors: [{ message: "Invalid token.", code: "invalid_token" }] };

describe.each(testDatabases())("Django-minted action links in COMPAT_MODE, on %s", (database) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(database, { COMPAT_MODE: "true" });
  });
  afterAll(async () => {
    await app.close();
  });

  const djangoLink = (payload: Record<string, string>) =>
    signActionToken(app.config.secretKey, payload, app.clock.now());

  it("resets the password with a Django reset link once, then answers INVALID_TOKEN", async () => {
    const user = await aVerifiedUser(app);
    const token = djangoLink({ username: user.username, action: "password_reset" });
    const first = await app.gql(PASSWORD_RESET, {
      token,
      p1: "Brand-New-Secret-77",
      p2: "Brand-New-Secret-77",
    });
    expect(first.body.data?.passwordReset).toEqual({ success: true, errors: null });
    const again = await app.gql(PASSWORD_RESET, {
      token,
      p1: "Another-Secret-88",
      p2: "Another-Secret-88",
    });
    expect(again.body.data?.passwordReset).toEqual({ success: false, errors: INVALID_TOKEN });
  });

  it("lets only one of two concurrent uses of a Django reset link succeed", async () => {
    const user = await aVerifiedUser(app);
    const token = djangoLink({ username: user.username, action: "password_reset" });
    const answers = await Promise.all(
      ["First-Secret-11x", "Second-Secret-22y"].map((password) =>
        app.gql(PASSWORD_RESET, { token, p1: password, p2: password }),
      ),
    );
    const outcomes = answers.map(
      (answer) => (answer.body.data?.passwordReset as { success: boolean }).success,
    );
    expect(outcomes.sort()).toEqual([false, true]);
  });

  it("does not re-add a removed secondary email from a used Django activation link", async () => {
    const user = await aVerifiedUser(app);
    const secondary = `${unique("second")}@example.com`;
    const token = djangoLink({
      username: user.username,
      action: "activation_secondary_email",
      secondary_email: secondary,
    });
    const verified = await app.gql(VERIFY_SECONDARY_EMAIL, { token });
    expect(verified.body.data?.verifySecondaryEmail).toEqual({ success: true, errors: null });
    const removed = await app.gql(
      REMOVE_SECONDARY_EMAIL,
      { password: user.password },
      { token: user.token },
    );
    expect(removed.body.data?.removeSecondaryEmail).toEqual({ success: true, errors: null });
    const replay = await app.gql(VERIFY_SECONDARY_EMAIL, { token });
    expect(replay.body.data?.verifySecondaryEmail).toEqual({
      success: false,
      errors: INVALID_TOKEN,
    });
  });
});
