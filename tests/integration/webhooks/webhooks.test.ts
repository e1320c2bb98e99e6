// Webhooks (issue 19): account changes reach another service's receiver, signed in the Standard
// Webhooks format (checked with the standardwebhooks package), written in the change's own
// transaction, retried with backoff while the receiver is down, in order per user, marked failed
// after the last attempt and sent again, under the same webhook-id, when replayed.
import { randomBytes } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { recordWebhookEvent, userEvent } from "../../../src/accounts/webhooks/events.js";
import { listDeliveries } from "../../../src/accounts/webhooks/deliveries-store.js";
import { findUserByNaturalKey } from "../../../src/accounts/natural-key.js";
import { aLoggedInSuperuser } from "../../support/admin-client.js";
import { aRegisteredUser, aVerifiedUser, logIn } from "../../support/builders.js";
import { TOKEN_AUTH_USERNAME, UPDATE_ACCOUNT, VERIFY_ACCOUNT } from "../../support/operations.js";
import { startTestApp, testDatabases, unique, type TestApp } from "../../support/test-app.js";
import { startWebhookReceiver, type WebhookReceiver } from "../../support/webhook-receiver.js";

const newSecret = () => `whsec_${randomBytes(32).toString("base64")}`;

describe.each(testDatabases())("webhooks on %s", (database) => {
  let app: TestApp;
  let receiver: WebhookReceiver;
  let filtered: WebhookReceiver;
  const secret = newSecret();
  const filteredSecret = newSecret();

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    filtered = await startWebhookReceiver();
    app = await startTestApp(database, {
      WEBHOOKS: JSON.stringify([
        { name: "everything", url: receiver.url, secret },
        { name: "sign-ins", url: filtered.url, secret: filteredSecret, events: ["user.signed_in"] },
      ]),
      WEBHOOK_MAX_ATTEMPTS: "3",
    });
  });
  afterAll(async () => {
    await app.close();
    await receiver.close();
    await filtered.close();
  });
  afterEach(() => {
    receiver.answerWith(200);
  });

  const hooksAbout = (hooks: typeof receiver.received, username: string) =>
    hooks.filter(
      (hook) => (hook.json.data.user as { username?: string } | null)?.username === username,
    );

  it("sends a signed event for each change, with the user and nothing secret", async () => {
    const user = await aVerifiedUser(app);
    await logIn(app, user);
    await receiver.waitFor((hooks) => hooksAbout(hooks, user.username).length >= 3);
    const hooks = hooksAbout(receiver.accepted(), user.username);
    expect(hooks.map((hook) => hook.json.type)).toEqual([
      "user.registered",
      "user.verified",
      "user.signed_in",
    ]);
    for (const hook of hooks) {
      expect(receiver.verify(hook, secret)).toEqual(hook.json);
      expect(hook.headers["content-type"]).toBe("application/json");
      expect(hook.id).toMatch(/^msg_[0-9a-f]{32}$/);
      expect(hook.body).not.toContain("argon2");
      expect(hook.body).not.toContain(user.password);
    }
    expect(hooks[0]?.json.data.user).toMatchObject({
      username: user.username,
      email: user.email,
      verified: false,
    });
    expect(hooks[1]?.json.data.user).toMatchObject({ verified: true });
    // Another receiver's secret does not verify these requests.
    expect(() => receiver.verify(hooks[0]!, newSecret())).toThrow();
    // A body changed on the way does not verify either.
    const tampered = { ...hooks[0]!, body: hooks[0]!.body.replace("registered", "deleted") };
    expect(() => receiver.verify(tampered, secret)).toThrow();
  });

  it("sends a subscription only the types it asked for", async () => {
    const user = await aVerifiedUser(app);
    await logIn(app, user);
    await filtered.waitFor((hooks) => hooksAbout(hooks, user.username).length >= 1);
    await receiver.waitFor((hooks) => hooksAbout(hooks, user.username).length >= 3);
    expect(hooksAbout(filtered.received, user.username).map((hook) => hook.json.type)).toEqual([
      "user.signed_in",
    ]);
    filtered.verify(hooksAbout(filtered.received, user.username)[0]!, filteredSecret);
  });

  it("reports refused sign-ins without the identifier that was typed", async () => {
    const user = await aVerifiedUser(app);
    const wrong = await app.gql(TOKEN_AUTH_USERNAME, {
      username: user.username,
      password: "not-the-password",
    });
    expect(wrong.body.data?.tokenAuth).toMatchObject({ success: false });
    const stranger = unique("nobody");
    await app.gql(TOKEN_AUTH_USERNAME, { username: stranger, password: "whatever-1" });
    await receiver.waitFor((hooks) =>
      hooks.some(
        (hook) => hook.json.type === "user.sign_in_failed" && hook.json.data.user === null,
      ),
    );
    await receiver.waitFor((hooks) =>
      hooksAbout(hooks, user.username).some((hook) => hook.json.type === "user.sign_in_failed"),
    );
    const failures = receiver.accepted().filter((hook) => hook.json.type === "user.sign_in_failed");
    expect(failures.map((hook) => hook.body).join()).not.toContain(stranger);
    expect(failures.map((hook) => hook.body).join()).not.toContain("not-the-password");
  });

  it("writes nothing for a change that rolls back", async () => {
    const user = await aVerifiedUser(app);
    const stored = await findUserByNaturalKey(app.deps, user.username);
    await expect(
      app.deps.db.transaction().execute(async (tx) => {
        await recordWebhookEvent(app.deps, tx, userEvent("user.updated", stored!));
        throw new Error("the change fails after its event was written");
      }),
    ).rejects.toThrow("the change fails");
    await app.gql(UPDATE_ACCOUNT, { firstName: "After" }, { token: user.token });
    await receiver.waitFor((hooks) =>
      hooksAbout(hooks, user.username).some((hook) => hook.json.type === "user.updated"),
    );
    const updates = hooksAbout(receiver.accepted(), user.username).filter(
      (hook) => hook.json.type === "user.updated",
    );
    expect(updates.map((hook) => (hook.json.data.user as { username: string }).username)).toEqual([
      user.username,
    ]);
    const rows = await listDeliveries(app.deps.db, { limit: 1000 });
    // Only the committed update was written (and only for the subscription that takes updates).
    expect(
      rows.filter((row) => row.userId === stored!.id && row.eventType === "user.updated"),
    ).toHaveLength(1);
  });

  it("retries with backoff while the receiver fails, keeping each user's events in order", async () => {
    const first = await aVerifiedUser(app);
    await receiver.waitFor((hooks) => hooksAbout(hooks, first.username).length >= 2);
    receiver.answerWith(503);
    const attemptsBefore = receiver.received.length;
    await app.gql(UPDATE_ACCOUNT, { firstName: "One" }, { token: first.token });
    await app.gql(UPDATE_ACCOUNT, { firstName: "Two" }, { token: first.token });
    // The first update is tried once and fails; the second waits behind it, untried.
    await waitUntil(() => receiver.received.length > attemptsBefore);
    await app.deps.webhooks.deliverDue();
    const tried = hooksAbout(receiver.received.slice(attemptsBefore), first.username);
    expect(new Set(tried.map((hook) => hook.id)).size).toBe(1);
    expect((tried[0]?.json.data.user as { firstName: string }).firstName).toBe("One");
    receiver.answerWith(200);
    // Not before the backoff has passed.
    await app.deps.webhooks.deliverDue();
    expect(hooksAbout(receiver.accepted(), first.username)).toHaveLength(2);
    app.clock.advance(6);
    await app.deps.webhooks.deliverDue();
    await receiver.waitFor((hooks) => hooksAbout(hooks, first.username).length >= 4);
    const delivered = hooksAbout(receiver.accepted(), first.username);
    expect(delivered.map((hook) => hook.json.type)).toEqual([
      "user.registered",
      "user.verified",
      "user.updated",
      "user.updated",
    ]);
    expect(delivered[2]?.id).toBe(tried[0]?.id);
    expect(
      delivered.map((hook) => (hook.json.data.user as { firstName: string }).firstName),
    ).toEqual(["", "", "One", "Two"]);
  });

  it("marks a delivery failed after the last attempt, and a replay sends it again under its id", async () => {
    receiver.answerWith(500);
    const user = await aRegisteredUser(app);
    await waitUntil(() => hooksAbout(receiver.received, user.username).length >= 1);
    const stored = await findUserByNaturalKey(app.deps, user.username);
    const failedOfUser = async () =>
      (await listDeliveries(app.deps.db, { status: "failed", limit: 100 })).filter(
        (row) => row.userId === stored!.id,
      );
    // Each pass past the backoff makes one more attempt (the worker's own passes may make it).
    for (let passes = 0; (await failedOfUser()).length === 0; passes++) {
      if (passes > 200) throw new Error("the delivery never failed for good");
      app.clock.advance(3600);
      await app.deps.webhooks.deliverDue();
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const failed = await failedOfUser();
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ attempts: 3, lastStatus: 500, eventType: "user.registered" });
    const ids = new Set(hooksAbout(receiver.received, user.username).map((hook) => hook.id));
    expect(ids.size).toBe(1);
    // A failed delivery no longer holds back the user's next events.
    receiver.answerWith(200);
    await app.gql(VERIFY_ACCOUNT, { token: user.activationToken });
    await receiver.waitFor((hooks) =>
      hooksAbout(hooks, user.username).some((hook) => hook.json.type === "user.verified"),
    );
    // Staff replay it from the admin's list, where it shows as failed with its last answer.
    const { client } = await aLoggedInSuperuser(app);
    const list = await client.get("/admin/webhooks/?status=failed");
    expect(list.html).toContain(failed[0]!.messageId);
    const replayPath = `/admin/webhooks/deliveries/${String(failed[0]!.id)}/replay/`;
    expect(list.html).toContain(replayPath);
    expect((await client.post(replayPath, {})).location).toBe("/admin/webhooks/");
    const again = await client.post(replayPath, {});
    expect((await client.get(again.location ?? "")).html).toContain(
      "Only a failed delivery can be replayed.",
    );
    await app.deps.webhooks.deliverDue();
    const replayed = hooksAbout(receiver.accepted(), user.username).find(
      (hook) => hook.json.type === "user.registered",
    );
    // Same id and bytes: a receiver that took it before drops it (its timestamp is the replay's).
    expect(replayed?.id).toBe([...ids][0]);
    expect(replayed?.body).toBe(hooksAbout(receiver.received, user.username)[0]?.body);
  });

  it("does not follow a redirect with the signed payload", async () => {
    receiver.answerWith(302);
    const user = await aRegisteredUser(app);
    const stored = await findUserByNaturalKey(app.deps, user.username);
    const deliveriesOfUser = async () =>
      (await listDeliveries(app.deps.db, { limit: 100 })).filter(
        (row) => row.userId === stored!.id,
      );
    for (let tries = 0; (await deliveriesOfUser())[0]?.attempts !== 1; tries++) {
      if (tries > 400) throw new Error("the delivery was not attempted");
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(await deliveriesOfUser()).toMatchObject([
      { status: "pending", lastStatus: 302, attempts: 1 },
    ]);
  });

  it("keeps signing secrets sealed in the database", async () => {
    const rows = await app.deps.db.selectFrom("webhook_subscriptions").select("secret").execute();
    expect(rows.length).toBeGreaterThanOrEqual(2);
    for (const row of rows) {
      expect(row.secret).not.toContain(secret.slice(6, 20));
      expect(row.secret).not.toContain(filteredSecret.slice(6, 20));
      expect(row.secret.startsWith("v1.")).toBe(true);
    }
  });
});

async function waitUntil(predicate: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
