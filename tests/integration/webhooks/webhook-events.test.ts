// Every event type an account's life makes over GraphQL (issue 19), in the order it happened,
// with the payload the README documents: one user registers, verifies, signs in, changes their
// name and password, has a rotated refresh token replayed, signs out, turns TOTP on and off,
// archives the account, comes back, and deletes it.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { aRegisteredUser, logIn } from "../../support/builders.js";
import {
  ARCHIVE_ACCOUNT,
  DELETE_ACCOUNT,
  PASSWORD_CHANGE,
  REFRESH_TOKEN,
  REVOKE_TOKEN,
  TOKEN_AUTH_USERNAME,
  UPDATE_ACCOUNT,
  VERIFY_ACCOUNT,
} from "../../support/operations.js";
import { DISABLE_TOTP, nextCode, turnOnTotp } from "../../support/second-factor.js";
import { startTestApp, testDatabases, type TestApp } from "../../support/test-app.js";
import {
  isAboutUser,
  startWebhookReceiver,
  type WebhookReceiver,
} from "../../support/webhook-receiver.js";

const NEW_PASSWORD = "Another-Horse-43";

describe.each(testDatabases())("webhook events over an account's life on %s", (database) => {
  let app: TestApp;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    app = await startTestApp(database, {
      WEBHOOKS: JSON.stringify([
        { name: "all", url: receiver.url, secret: `whsec_${randomBytes(32).toString("base64")}` },
      ]),
    });
  });
  afterAll(async () => {
    await app.close();
    await receiver.close();
  });

  it("sends each change's event, in order", async () => {
    const user = await aRegisteredUser(app);
    const ok = (response: { body: { data?: Record<string, unknown> | null } }) => {
      const payload = Object.values(response.body.data ?? {})[0] as { success?: boolean };
      expect(payload.success, JSON.stringify(response.body)).toBe(true);
      return payload as Record<string, unknown> & { token: string; refreshToken: string };
    };
    ok(await app.gql(VERIFY_ACCOUNT, { token: user.activationToken }));
    const session = await logIn(app, user);
    ok(await app.gql(UPDATE_ACCOUNT, { firstName: "Ada" }, { token: session.token }));
    const rotated = ok(await app.gql(REFRESH_TOKEN, { refreshToken: session.refreshToken }));
    // The replaced token comes back: a thief's copy. Every session of the user ends.
    await app.gql(REFRESH_TOKEN, { refreshToken: session.refreshToken });
    expect(rotated.refreshToken).toEqual(expect.any(String));
    const changed = ok(
      await app.gql(
        PASSWORD_CHANGE,
        { old: user.password, p1: NEW_PASSWORD, p2: NEW_PASSWORD },
        { token: (await logIn(app, user)).token },
      ),
    );
    ok(await app.gql(REVOKE_TOKEN, { refreshToken: changed.refreshToken }));
    const fresh = { ...user, password: NEW_PASSWORD, token: "" };
    fresh.token = (await logIn(app, fresh)).token;
    const { secret } = await turnOnTotp(app, fresh);
    ok(
      await app.gql(
        DISABLE_TOTP,
        { password: NEW_PASSWORD, code: nextCode(app, secret) },
        { token: fresh.token },
      ),
    );
    ok(await app.gql(ARCHIVE_ACCOUNT, { password: NEW_PASSWORD }, { token: fresh.token }));
    const back = ok(
      await app.gql(TOKEN_AUTH_USERNAME, { username: user.username, password: NEW_PASSWORD }),
    );
    ok(await app.gql(DELETE_ACCOUNT, { password: NEW_PASSWORD }, { token: back.token }));

    const id = (back.user as { pk: number }).pk;
    const expected = [
      "user.registered",
      "user.verified",
      "user.signed_in",
      "user.updated",
      "refresh_token.reuse_detected",
      "user.signed_in",
      "user.password_changed",
      "session.revoked",
      "user.signed_in",
      "totp.enabled",
      "totp.disabled",
      "user.archived",
      "user.signed_in",
      "user.deleted",
    ];
    await receiver.waitFor(
      (hooks) => hooks.filter((hook) => isAboutUser(hook, id)).length >= expected.length,
    );
    const hooks = receiver.accepted().filter((hook) => isAboutUser(hook, id));
    expect(hooks.map((hook) => hook.json.type)).toEqual(expected);
    const data = (type: string) => hooks.find((hook) => hook.json.type === type)?.json.data;
    expect(data("user.signed_in")).toMatchObject({ method: "password", via: "api" });
    expect(data("user.updated")).toMatchObject({ user: { id, firstName: "Ada" } });
    expect(data("refresh_token.reuse_detected")).toMatchObject({ userId: id });
    expect(data("session.revoked")).toMatchObject({
      userId: id,
      sessionIds: [expect.any(String)],
      by: "user",
    });
    expect(data("user.archived")).toMatchObject({ user: { id, archived: true } });
    expect(data("user.deleted")).toMatchObject({
      user: { id, isActive: false },
      permanently: false,
    });
    for (const hook of hooks) {
      expect(hook.json.timestamp).toMatch(/^\d{4}-\d\d-\d\dT/);
      expect(hook.body).not.toContain(NEW_PASSWORD);
      expect(hook.body).not.toContain(secret);
    }
  });
});
