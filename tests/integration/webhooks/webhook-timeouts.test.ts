// A receiver that takes the request and never answers must not hold a delivery (nor the
// dispatcher) beyond WEBHOOK_TIMEOUT_SECONDS: the attempt fails, says why, and is retried later.
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { aRegisteredUser } from "../../support/builders.js";
import { anAttemptedDelivery } from "../../support/webhook-deliveries.js";
import { startTestApp, testDatabases, type TestApp } from "../../support/test-app.js";

describe.each(testDatabases())("webhook timeouts on %s", (database) => {
  let app: TestApp;
  let silent: Server;
  const heard: IncomingMessage[] = [];

  beforeAll(async () => {
    // Reads each request and answers nothing.
    silent = createServer((request) => {
      heard.push(request);
      request.resume();
    });
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const port = (silent.address() as AddressInfo).port;
    app = await startTestApp(database, {
      WEBHOOK_TIMEOUT_SECONDS: "0.5",
      WEBHOOKS: JSON.stringify([
        {
          name: "silent",
          url: `http://127.0.0.1:${String(port)}/hooks`,
          secret: `whsec_${randomBytes(32).toString("base64")}`,
          events: ["user.registered"],
        },
      ]),
    });
  });
  afterAll(async () => {
    await app.close();
    silent.closeAllConnections();
    await new Promise((resolve) => silent.close(resolve));
  });

  it("gives up on an attempt the receiver does not answer in time, and retries it later", async () => {
    await aRegisteredUser(app);
    const delivery = await anAttemptedDelivery(app.deps.db, () => true);
    expect(heard).toHaveLength(1);
    expect(delivery).toMatchObject({
      status: "pending",
      attempts: 1,
      lastStatus: null,
      lastError: "no answer within 0.5 s",
    });
    expect(delivery.nextAttemptAt.getTime()).toBeGreaterThan(app.clock.now().getTime());
  });
});
