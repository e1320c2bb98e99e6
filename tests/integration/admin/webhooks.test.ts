// Webhooks in the admin (issue 19): a superuser adds a subscription and is shown its secret once,
// receivers get what it asks for, signed with that secret; bad URLs are refused with the form,
// staff who are not superusers reach nothing, the WEBHOOKS setting's subscriptions stay the
// setting's, and a new secret replaces the old one at once.
import { randomBytes } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { listPermissions } from "../../../src/accounts/staff/groups-store.js";
import { findUserByUsername } from "../../../src/accounts/users-store.js";
import {
  aLoggedInSuperuser,
  anAdminClient,
  userChangeForm,
  type AdminClient,
} from "../../support/admin-client.js";
import { aRegisteredUser, aVerifiedUser, STRONG_PASSWORD } from "../../support/builders.js";
import { startTestApp, testDatabases, type TestApp } from "../../support/test-app.js";
import { startWebhookReceiver, type WebhookReceiver } from "../../support/webhook-receiver.js";

const secretShown = (html: string) => /<code class="secret">(whsec_[^<]+)<\/code>/.exec(html)?.[1];

describe.each(testDatabases())("webhooks in the admin (%s)", (database) => {
  let app: TestApp;
  let admin: AdminClient;
  let receiver: WebhookReceiver;
  let settingReceiver: WebhookReceiver;

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    settingReceiver = await startWebhookReceiver();
    app = await startTestApp(database, {
      WEBHOOKS: JSON.stringify([
        {
          name: "from-setting",
          url: settingReceiver.url,
          secret: `whsec_${randomBytes(32).toString("base64")}`,
          events: ["user.deleted"],
        },
      ]),
    });
    ({ client: admin } = await aLoggedInSuperuser(app));
  });
  afterAll(async () => {
    await app.close();
    await receiver.close();
    await settingReceiver.close();
  });
  afterEach(async () => {
    // Each test adds its own subscription to the one receiver: remove them after it.
    const list = await admin.get("/admin/webhooks/");
    for (const match of list.html.matchAll(/href="\/admin\/webhooks\/(\d+)\/change\/">http/g)) {
      await admin.post(`/admin/webhooks/${match[1] ?? ""}/delete/`, {});
    }
  });

  async function addSubscription(fields: Record<string, string | string[]>) {
    await admin.get("/admin/webhooks/add/");
    return admin.post("/admin/webhooks/add/", fields);
  }

  it("adds a subscription, shows its secret once, and signs deliveries with it", async () => {
    const added = await addSubscription({
      url: receiver.url,
      description: "CRM",
      is_active: "on",
      event_types: ["user.registered"],
    });
    expect(added.status).toBe(200);
    const secret = secretShown(added.html);
    expect(secret).toMatch(/^whsec_/);
    const id = /\/admin\/webhooks\/(\d+)\/change\//.exec(added.html)?.[1] ?? "";
    const page = await admin.get(`/admin/webhooks/${id}/change/`);
    expect(page.html).not.toContain(secret);
    expect((await admin.get("/admin/webhooks/")).html).not.toContain(secret);

    const user = await aVerifiedUser(app);
    await receiver.waitFor((hooks) =>
      hooks.some((hook) => JSON.stringify(hook.json).includes(user.username)),
    );
    const mine = receiver
      .accepted()
      .filter((hook) => JSON.stringify(hook.json).includes(user.username));
    // Only the type it asked for: the verification is not sent.
    expect(mine.map((hook) => hook.json.type)).toEqual(["user.registered"]);
    expect(receiver.verify(mine[0]!, secret!)).toEqual(mine[0]!.json);
  });

  it("signs with a secret staff give (a receiver moved here), and refuses a weak one", async () => {
    const given = `whsec_${randomBytes(32).toString("base64")}`;
    const added = await addSubscription({
      url: receiver.url,
      is_active: "on",
      secret: given,
      event_types: ["user.registered"],
    });
    expect(added.status).toBe(302);
    expect((await admin.get(added.location ?? "")).html).toContain("signing with the secret given");
    const user = await aRegisteredUser(app);
    await receiver.waitFor((hooks) =>
      hooks.some((hook) => JSON.stringify(hook.json).includes(user.username)),
    );
    const hook = receiver
      .accepted()
      .find((candidate) => JSON.stringify(candidate.json).includes(user.username))!;
    expect(receiver.verify(hook, given)).toEqual(hook.json);

    for (const weak of [
      "whsec_c2hvcnQ=",
      "correct horse battery staple",
      `whsec_${"A".repeat(200)}`,
    ]) {
      const refused = await addSubscription({ url: "https://weak.example/in", secret: weak });
      expect(refused.status).toBe(400);
      expect(refused.html).toContain("A signing secret is whsec_ followed by base64");
      expect(refused.html).not.toContain(weak);
    }
    expect((await admin.get("/admin/webhooks/")).html).not.toContain("weak.example");
  });

  it("refuses a URL a receiver cannot have, with the form and nothing saved", async () => {
    for (const url of [
      "ftp://files.example.com/in",
      "https://user:pw@hooks.example.com/",
      "nope",
    ]) {
      const refused = await addSubscription({ url, is_active: "on" });
      expect(refused.status).toBe(400);
      expect(refused.html).toContain("Please correct the errors below.");
      expect(secretShown(refused.html)).toBeUndefined();
    }
    const list = await admin.get("/admin/webhooks/");
    expect(list.html).not.toContain("files.example.com");
    expect(list.html).not.toContain("hooks.example.com");
  });

  it("refuses a form posted without the CSRF field", async () => {
    await admin.get("/admin/webhooks/add/");
    const forged = await admin.post(
      "/admin/webhooks/add/",
      { url: "https://attacker.example/in", is_active: "on" },
      { withCsrf: false },
    );
    expect(forged.status).toBe(403);
    expect((await admin.get("/admin/webhooks/")).html).not.toContain("attacker.example");
  });

  it("lets no staff member but a superuser see or add subscriptions", async () => {
    const permissions = await listPermissions(app.deps.db);
    const user = await aVerifiedUser(app);
    const id = (await findUserByUsername(app.deps.db, user.username))?.id ?? 0;
    const page = await admin.get(`/admin/users/${String(id)}/change/`);
    await admin.post(`/admin/users/${String(id)}/change/`, {
      ...userChangeForm(page.html),
      is_staff: "on",
      user_permissions: permissions.map((permission) => String(permission.id)),
    });
    const staff = anAdminClient(app);
    await staff.logIn(user.username, STRONG_PASSWORD);
    const home = await staff.get("/admin/");
    expect(home.html).toContain("/admin/users/");
    expect(home.html).not.toContain("/admin/webhooks/");
    expect((await staff.get("/admin/webhooks/")).status).toBe(403);
    expect((await staff.get("/admin/webhooks/add/")).status).toBe(403);
    const posted = await staff.post("/admin/webhooks/add/", {
      url: "https://staff.example/in",
      is_active: "on",
    });
    expect(posted.status).toBe(403);
    expect((await admin.get("/admin/webhooks/")).html).not.toContain("staff.example");
  });

  it("keeps the WEBHOOKS setting's subscriptions the setting's", async () => {
    const list = await admin.get("/admin/webhooks/");
    const id = new RegExp(
      `href="/admin/webhooks/(\\d+)/change/">${settingReceiver.url.replace(/[/.]/g, "\\$&")}<`,
    ).exec(list.html)?.[1];
    expect(id).toBeDefined();
    const page = await admin.get(`/admin/webhooks/${id ?? ""}/change/`);
    expect(page.html).toContain("comes from the WEBHOOKS setting (from-setting)");
    expect(page.html).toContain("<fieldset disabled>");
    const changed = await admin.post(`/admin/webhooks/${id ?? ""}/change/`, {
      url: "https://elsewhere.example/in",
      is_active: "on",
    });
    expect(changed.status).toBe(302);
    await admin.post(`/admin/webhooks/${id ?? ""}/delete/`, {});
    const after = await admin.get("/admin/webhooks/");
    expect(after.html).toContain(settingReceiver.url);
    expect(after.html).not.toContain("elsewhere.example");
  });

  it("replaces the secret at once when staff make a new one, and sends nothing while inactive", async () => {
    const added = await addSubscription({ url: receiver.url, is_active: "on" });
    const oldSecret = secretShown(added.html)!;
    const id = /\/admin\/webhooks\/(\d+)\/change\//.exec(added.html)?.[1] ?? "";
    await admin.get(`/admin/webhooks/${id}/change/`);
    const rotated = await admin.post(`/admin/webhooks/${id}/change/`, {
      url: receiver.url,
      is_active: "on",
      rotate_secret: "on",
    });
    const newSecret = secretShown(rotated.html)!;
    expect(newSecret).toMatch(/^whsec_/);
    expect(newSecret).not.toBe(oldSecret);
    const first = await aRegisteredUser(app);
    await receiver.waitFor((hooks) =>
      hooks.some((hook) => JSON.stringify(hook.json).includes(first.username)),
    );
    const hook = receiver
      .accepted()
      .find((candidate) => JSON.stringify(candidate.json).includes(first.username))!;
    expect(receiver.verify(hook, newSecret)).toEqual(hook.json);
    expect(() => receiver.verify(hook, oldSecret)).toThrow();

    await admin.get(`/admin/webhooks/${id}/change/`);
    await admin.post(`/admin/webhooks/${id}/change/`, { url: receiver.url });
    const second = await aRegisteredUser(app);
    await app.deps.webhooks.deliverDue();
    expect(
      receiver.received.some((candidate) =>
        JSON.stringify(candidate.json).includes(second.username),
      ),
    ).toBe(false);
  });
});
