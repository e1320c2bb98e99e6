// What staff do in the admin reaches webhook receivers too (issue 19): adding a user, changing
// one, marking verified, deactivating, signing out everywhere, setting a password, ending
// sessions, resetting the second factor, deleting; and the admin's own sign-ins, failed or not.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findUserByUsername } from "../../../src/accounts/users-store.js";
import {
  aLoggedInSuperuser,
  anAdminClient,
  userChangeForm,
  type AdminClient,
} from "../../support/admin-client.js";
import { STRONG_PASSWORD } from "../../support/builders.js";
import { aUserWithTotp } from "../../support/second-factor.js";
import { startTestApp, testDatabases, unique, type TestApp } from "../../support/test-app.js";
import {
  isAboutUser,
  startWebhookReceiver,
  type WebhookReceiver,
} from "../../support/webhook-receiver.js";

describe.each(testDatabases())("staff changes as webhook events (%s)", (database) => {
  let app: TestApp;
  let receiver: WebhookReceiver;
  let admin: AdminClient;
  let rootName: string;

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    app = await startTestApp(database, {
      WEBHOOKS: JSON.stringify([
        { name: "all", url: receiver.url, secret: `whsec_${randomBytes(32).toString("base64")}` },
      ]),
    });
    const root = await aLoggedInSuperuser(app);
    admin = root.client;
    rootName = root.user.username;
  });
  afterAll(async () => {
    await app.close();
    await receiver.close();
  });

  async function eventsOf(id: number, count: number) {
    await receiver.waitFor(
      (hooks) => hooks.filter((hook) => isAboutUser(hook, id)).length >= count,
    );
    return receiver.accepted().filter((hook) => isAboutUser(hook, id));
  }

  it("sends each staff change about a user, saying staff made it", async () => {
    const username = unique("staffed");
    await admin.get("/admin/users/add/");
    const added = await admin.post("/admin/users/add/", {
      username,
      email: `${username}@example.com`,
      password1: STRONG_PASSWORD,
      password2: STRONG_PASSWORD,
    });
    expect(added.status).toBe(302);
    const id = (await findUserByUsername(app.deps.db, username))?.id ?? 0;
    const page = await admin.get(`/admin/users/${String(id)}/change/`);
    await admin.post(`/admin/users/${String(id)}/change/`, {
      ...userChangeForm(page.html),
      first_name: "Grace",
    });
    const bulk = (action: string) =>
      admin.post("/admin/users/action/", { action, _selected_action: [String(id)] });
    await admin.get("/admin/users/");
    await bulk("mark_verified");
    await bulk("log_out_everywhere");
    await admin.get(`/admin/users/${String(id)}/password/`);
    await admin.post(`/admin/users/${String(id)}/password/`, {
      password1: "New-Horse-77",
      password2: "New-Horse-77",
    });
    await admin.get("/admin/users/");
    await bulk("deactivate");
    await admin.post(`/admin/users/${String(id)}/delete/`, {});

    const hooks = await eventsOf(id, 7);
    expect(hooks.map((hook) => hook.json.type)).toEqual([
      "user.registered",
      "user.updated",
      "user.verified",
      "session.revoked",
      "user.password_changed",
      "user.updated",
      "user.deleted",
    ]);
    expect(hooks.map((hook) => hook.json.data.by)).toEqual([
      "staff",
      "staff",
      undefined,
      "staff",
      "staff",
      "staff",
      "staff",
    ]);
    expect(hooks[1]?.json.data.user).toMatchObject({ firstName: "Grace" });
    expect(hooks[5]?.json.data.user).toMatchObject({ isActive: false });
    expect(hooks[6]?.json.data).toMatchObject({ permanently: true });
  });

  it("sends the second factor's reset and sessions ended by staff", async () => {
    const user = await aUserWithTotp(app);
    const id = (await findUserByUsername(app.deps.db, user.username))?.id ?? 0;
    await admin.get(`/admin/users/${String(id)}/change/`);
    await admin.post(`/admin/users/${String(id)}/reset-2fa/`, {});
    await admin.post(`/admin/users/${String(id)}/sessions/end/`, {});
    const hooks = await eventsOf(id, 5);
    expect(hooks.slice(-2).map((hook) => [hook.json.type, hook.json.data.by])).toEqual([
      ["totp.disabled", "staff"],
      ["session.revoked", "staff"],
    ]);
  });

  it("sends the admin's own sign-ins, and refused ones without what was typed", async () => {
    const rootId = (await findUserByUsername(app.deps.db, rootName))?.id ?? 0;
    const visitor = anAdminClient(app);
    await visitor.get("/admin/login/");
    await visitor.post("/admin/login/", { username: rootName, password: "guessed-Wrong-1" });
    await visitor.logIn(rootName, STRONG_PASSWORD);
    // Made by createsuperuser and signed in once before: two events already.
    const hooks = await eventsOf(rootId, 4);
    const last = hooks.slice(-2);
    expect(last.map((hook) => hook.json.type)).toEqual(["user.sign_in_failed", "user.signed_in"]);
    expect(last[0]?.json.data).toMatchObject({ method: "admin" });
    expect(last[1]?.json.data).toMatchObject({ via: "admin" });
    expect(last[0]?.body).not.toContain("guessed-Wrong-1");
  });
});
