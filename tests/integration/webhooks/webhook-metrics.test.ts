// Webhook queue depth and delivery failures in /metrics (issue 19): an operator sees deliveries
// pile up while a receiver is down, and the failed attempts.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { aRegisteredUser } from "../../support/builders.js";
import { parseSamples, valueOf } from "../../support/metrics-text.js";
import { startTestApp, testDatabases, type TestApp } from "../../support/test-app.js";
import { startWebhookReceiver } from "../../support/webhook-receiver.js";

describe.each(testDatabases())("webhook metrics on %s", (database) => {
  let app: TestApp;
  let downUrl: string;

  beforeAll(async () => {
    const receiver = await startWebhookReceiver();
    downUrl = receiver.url;
    await receiver.close();
    app = await startTestApp(database, {
      METRICS_ENABLED: "true",
      WEBHOOKS: JSON.stringify([
        { name: "down", url: downUrl, secret: `whsec_${randomBytes(32).toString("base64")}` },
      ]),
      WEBHOOK_MAX_ATTEMPTS: "2",
    });
  });
  afterAll(async () => {
    await app.close();
  });

  async function scrape() {
    const response = await fetch(new URL("/metrics", app.url));
    expect(response.status).toBe(200);
    return parseSamples(await response.text());
  }

  it("counts pending deliveries and failed attempts while the receiver is down", async () => {
    const before = await scrape();
    expect(valueOf(before, "gatehouse_webhook_deliveries_pending")).toBe(0);
    await aRegisteredUser(app);
    // The worker's own pass may be the one that attempts it: wait for the attempt's mark.
    let during = await scrape();
    for (let tries = 0; tries < 400; tries++) {
      const failures = valueOf(during, "gatehouse_webhook_delivery_failures_total", {
        final: "false",
      });
      if ((failures ?? 0) >= 1) break;
      await new Promise((resolve) => setTimeout(resolve, 25));
      during = await scrape();
    }
    expect(valueOf(during, "gatehouse_webhook_deliveries_pending")).toBe(1);
    expect(
      valueOf(during, "gatehouse_webhook_delivery_failures_total", { final: "false" }),
    ).toBeGreaterThanOrEqual(1);
    let after = during;
    for (let passes = 0; valueOf(after, "gatehouse_webhook_deliveries_failed") !== 1; passes++) {
      if (passes > 200) throw new Error("the delivery never failed for good");
      app.clock.advance(3600);
      await app.deps.webhooks.deliverDue();
      after = await scrape();
    }
    expect(valueOf(after, "gatehouse_webhook_deliveries_pending")).toBe(0);
    expect(valueOf(after, "gatehouse_webhook_deliveries_failed")).toBe(1);
    expect(valueOf(after, "gatehouse_webhook_delivery_failures_total", { final: "true" })).toBe(1);
  });
});
