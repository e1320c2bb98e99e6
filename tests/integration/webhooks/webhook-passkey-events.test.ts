// Passkeys in webhooks (issue 19): a passkey added or removed (by its owner or by staff), a
// sign-in with one saying so, and a forged or cloned assertion reported as a refused sign-in of
// the passkey's owner. Real ceremonies, signed by Chromium's virtual authenticator.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findUserByUsername } from "../../../src/accounts/users-store.js";
import { aLoggedInSuperuser } from "../../support/admin-client.js";
import { aVerifiedUser } from "../../support/builders.js";
import { INVALID_PASSKEY, REMOVE_PASSKEY, passkeyCeremonies } from "../../support/passkeys.js";
import { startTestApp, testDatabases, type TestApp } from "../../support/test-app.js";
import { startWebAuthnBrowser, type WebAuthnBrowser } from "../../support/webauthn-browser.js";
import {
  isAboutUser,
  startWebhookReceiver,
  type WebhookReceiver,
} from "../../support/webhook-receiver.js";

describe.each(testDatabases())("passkey webhook events on %s", (database) => {
  let browser: WebAuthnBrowser;
  let receiver: WebhookReceiver;
  let app: TestApp;
  const secret = `whsec_${randomBytes(32).toString("base64")}`;

  beforeAll(async () => {
    browser = await startWebAuthnBrowser();
    receiver = await startWebhookReceiver();
    app = await startTestApp(database, {
      WEBAUTHN_RP_ID: browser.rpId,
      WEBAUTHN_ORIGINS: browser.origin,
      WEBHOOKS: JSON.stringify([{ name: "all", url: receiver.url, secret }]),
    });
  }, 60_000);
  afterAll(async () => {
    await app.close();
    await receiver.close();
    await browser.close();
  });

  const { registerPasskeyFor, assertion, signIn } = passkeyCeremonies(() => ({ app, browser }));

  /** The user's events, once the last one (`lastType`) has arrived; each signature checked. */
  async function eventsAbout(id: number, lastType: string) {
    const about = (hooks: ReturnType<WebhookReceiver["accepted"]>) =>
      hooks.filter((hook) => isAboutUser(hook, id));
    await receiver.waitFor((hooks) => about(hooks).some((hook) => hook.json.type === lastType));
    const hooks = about(receiver.accepted());
    for (const hook of hooks) receiver.verify(hook, secret);
    return hooks;
  }

  it("reports a passkey added, signed in with, forged, cloned and removed", async () => {
    const user = await aVerifiedUser(app);
    const id = (await findUserByUsername(app.deps.db, user.username))?.id ?? 0;
    const passkey = (await registerPasskeyFor(user, "Work laptop")).passkey;
    expect(passkey).toMatchObject({ name: "Work laptop" });

    expect(await signIn((await assertion(user.username)).signed)).toMatchObject({ success: true });

    const { signed } = await assertion(user.username);
    const response = signed.response as Record<string, string>;
    const signature = response.signature ?? "";
    const forged = {
      ...signed,
      response: {
        ...response,
        signature: `${signature.slice(0, -2)}${signature.endsWith("AA") ? "BB" : "AA"}`,
      },
    };
    expect(await signIn(forged)).toMatchObject({ success: false, errors: INVALID_PASSKEY });

    await app.deps.db
      .updateTable("passkeys")
      .set({ sign_count: 1_000_000 })
      .where("id", "=", passkey?.id ?? "")
      .execute();
    expect(await signIn((await assertion(user.username)).signed)).toMatchObject({
      success: false,
      errors: INVALID_PASSKEY,
    });

    const removed = await app.gql(
      REMOVE_PASSKEY,
      { id: passkey?.id, password: user.password },
      { token: user.token },
    );
    expect(removed.body.data?.removePasskey).toEqual({ success: true, errors: null });

    const hooks = await eventsAbout(id, "passkey.removed");
    const ofPasskeys = hooks.filter(
      (hook) => !["user.registered", "user.verified"].includes(hook.json.type),
    );
    expect(ofPasskeys.map((hook) => [hook.json.type, hook.json.data])).toEqual([
      [
        "passkey.added",
        expect.objectContaining({ passkey: { id: passkey?.id, name: "Work laptop" }, by: "user" }),
      ],
      ["user.signed_in", expect.objectContaining({ method: "passkey", via: "api" })],
      [
        "user.sign_in_failed",
        expect.objectContaining({
          method: "passkey",
          user: expect.objectContaining({ id }) as unknown,
        }),
      ],
      [
        "user.sign_in_failed",
        expect.objectContaining({
          method: "passkey",
          user: expect.objectContaining({ id }) as unknown,
        }),
      ],
      ["passkey.removed", expect.objectContaining({ passkey: { id: passkey?.id }, by: "user" })],
    ]);
    for (const hook of hooks) expect(hook.body).not.toMatch(/publicKey|public_key|signature/i);
  });

  it("reports a refused assertion of an unknown credential without a user", async () => {
    const before = receiver.accepted().length;
    const user = await aVerifiedUser(app);
    const passkeyId = (await registerPasskeyFor(user)).passkey?.id ?? "";
    await app.deps.db.deleteFrom("passkeys").where("id", "=", passkeyId).execute();
    expect(await signIn((await assertion()).signed)).toMatchObject({ success: false });
    await receiver.waitFor((hooks) =>
      hooks.slice(before).some((hook) => hook.json.type === "user.sign_in_failed"),
    );
    const failed = receiver
      .accepted()
      .slice(before)
      .find((hook) => hook.json.type === "user.sign_in_failed");
    expect(failed?.json.data).toEqual({ user: null, method: "passkey", ip: "127.0.0.1" });
  });

  it("reports the refused passkey of a deactivated account with its owner", async () => {
    const user = await aVerifiedUser(app);
    const id = (await findUserByUsername(app.deps.db, user.username))?.id ?? 0;
    await registerPasskeyFor(user);
    await app.deps.db
      .updateTable("users")
      .set({ is_active: false as never })
      .where("id", "=", id)
      .execute();
    expect(await signIn((await assertion(user.username)).signed)).toMatchObject({
      success: false,
    });
    const hooks = await eventsAbout(id, "user.sign_in_failed");
    expect(hooks.find((hook) => hook.json.type === "user.sign_in_failed")?.json.data).toEqual({
      user: expect.objectContaining({ id, isActive: false }) as unknown,
      method: "passkey",
      ip: "127.0.0.1",
    });
  });

  it("reports staff removing a passkey, and nothing for one that was not there", async () => {
    const { client: admin } = await aLoggedInSuperuser(app);
    const user = await aVerifiedUser(app);
    const id = (await findUserByUsername(app.deps.db, user.username))?.id ?? 0;
    const passkeyId = (await registerPasskeyFor(user, "Lost phone")).passkey?.id ?? "";
    const path = `/admin/users/${String(id)}/passkeys/remove/`;
    expect((await admin.post(path, { passkey: "not-a-passkey" })).status).toBe(302);
    expect((await admin.post(path, { passkey: passkeyId })).status).toBe(302);
    const hooks = await eventsAbout(id, "passkey.removed");
    const removals = hooks.filter((hook) => hook.json.type === "passkey.removed");
    expect(removals.map((hook) => hook.json.data)).toEqual([
      expect.objectContaining({
        passkey: { id: passkeyId },
        by: "staff",
        user: expect.objectContaining({ id }) as unknown,
      }),
    ]);
  });
});
