// `gatehouse webhooks prune` (issue 19): delivered events older than the cut go with their
// deliveries; pending and failed ones stay, whatever their age, since they may still be sent.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pruneDeliveredEvents } from "../../../src/accounts/webhooks/subscriptions.js";
import { listDeliveries } from "../../../src/accounts/webhooks/deliveries-store.js";
import { aRegisteredUser } from "../../support/builders.js";
import { runCli } from "../../support/cli.js";
import { startTestApp, testDatabases, type TestApp } from "../../support/test-app.js";
import { startWebhookReceiver, type WebhookReceiver } from "../../support/webhook-receiver.js";

const DAY = 86_400;

describe.each(testDatabases())("pruning webhook events on %s", (database) => {
  let app: TestApp;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    app = await startTestApp(database, {
      WEBHOOKS: JSON.stringify([
        { name: "r", url: receiver.url, secret: `whsec_${randomBytes(32).toString("base64")}` },
      ]),
      WEBHOOK_MAX_ATTEMPTS: "1",
    });
  });
  afterAll(async () => {
    await app.close();
    await receiver.close();
  });

  it("deletes only old delivered events", async () => {
    const delivered = await aRegisteredUser(app);
    await receiver.waitFor((hooks) => hooks.some((hook) => hook.body.includes(delivered.username)));
    receiver.answerWith(500);
    await aRegisteredUser(app);
    await app.deps.webhooks.deliverDue();
    const statuses = async () =>
      (await listDeliveries(app.deps.db, { limit: 100 })).map((row) => row.status).sort();
    await expect.poll(statuses).toEqual(["delivered", "failed"]);
    receiver.answerWith(200);

    expect(await pruneDeliveredEvents(app.deps, 30 * DAY)).toBe(0);
    app.clock.advance(31 * DAY);
    expect(await pruneDeliveredEvents(app.deps, 30 * DAY)).toBe(1);
    expect(await statuses()).toEqual(["failed"]);
    expect(await app.deps.db.selectFrom("webhook_events").select("id").execute()).toHaveLength(1);
  });
});

describe("gatehouse webhooks prune", () => {
  const directory = mkdtempSync(join(tmpdir(), "gatehouse-webhooks-"));
  const env = { DATABASE_URL: `sqlite:${join(directory, "hooks.sqlite")}` };
  afterAll(() => {
    rmSync(directory, { recursive: true, force: true });
  });

  it("says how many events went, and refuses a duration it cannot read", async () => {
    expect(await runCli(["webhooks", "prune", "--older-than", "7d"], { env })).toMatchObject({
      code: 0,
      stdout: "Deleted 0 delivered webhook event(s).\n",
    });
    const refused = await runCli(["webhooks", "prune", "--older-than", "a while"], { env });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('--older-than: "a while" is not a duration');
  });
});
