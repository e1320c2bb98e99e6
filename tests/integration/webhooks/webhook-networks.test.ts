// WEBHOOK_ALLOWED_NETWORKS against a subscription used to reach inside the network (SSRF): the
// admin refuses a receiver whose address is outside the networks, and a delivery never connects
// to one — whether the URL names the address or a name that resolves to it at delivery time (a
// subscription saved before the setting was tightened, or a name whose records changed since).
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sealSubscriptionSecret } from "../../../src/accounts/webhooks/subscription-secrets.js";
import { insertSubscription } from "../../../src/accounts/webhooks/subscriptions-store.js";
import { aLoggedInSuperuser, type AdminClient } from "../../support/admin-client.js";
import { aRegisteredUser } from "../../support/builders.js";
import { anAttemptedDelivery } from "../../support/webhook-deliveries.js";
import { startTestApp, testDatabases, type TestApp } from "../../support/test-app.js";
import { startWebhookReceiver, type WebhookReceiver } from "../../support/webhook-receiver.js";

describe.each(testDatabases())("webhook networks on %s", (database) => {
  let app: TestApp;
  let admin: AdminClient;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    // As in production by default, plus one test network that is not the receiver's.
    app = await startTestApp(database, { WEBHOOK_ALLOWED_NETWORKS: "external,192.0.2.0/24" });
    ({ client: admin } = await aLoggedInSuperuser(app));
  });
  afterAll(async () => {
    await app.close();
    await receiver.close();
  });

  /** A subscription saved before the setting refused its address: only its deliveries judge. */
  async function anOlderSubscription(url: string): Promise<number> {
    const secret = `whsec_${randomBytes(32).toString("base64")}`;
    const id = await app.deps.db.transaction().execute((tx) =>
      insertSubscription(
        tx,
        {
          url,
          eventTypes: ["user.registered"],
          isActive: true,
          description: "saved earlier",
          settingName: null,
          createdAt: app.clock.now(),
        },
        (rowId) => sealSubscriptionSecret(app.deps.config, rowId, secret),
      ),
    );
    if (id === undefined) throw new Error("not inserted");
    return id;
  }

  const port = () => new URL(receiver.url).port;

  it("refuses in the admin a receiver at an address outside the networks, saving nothing", async () => {
    const attempts = [
      `http://127.0.0.1:${port()}/hooks`,
      `http://localhost:${port()}/hooks`,
      `http://[::ffff:127.0.0.1]:${port()}/hooks`,
      `http://0x7f000001:${port()}/hooks`,
      "http://169.254.169.254/latest/meta-data/",
      "http://0.0.0.0/",
    ];
    const form = await admin.get("/admin/webhooks/add/");
    expect(form.html).toContain(
      "Deliveries connect only to external, 192.0.2.0/24 addresses (WEBHOOK_ALLOWED_NETWORKS)",
    );
    for (const url of attempts) {
      await admin.get("/admin/webhooks/add/");
      const refused = await admin.post("/admin/webhooks/add/", { url, is_active: "on" });
      expect({ url, status: refused.status }).toEqual({ url, status: 400 });
      expect(refused.html).toContain("outside WEBHOOK_ALLOWED_NETWORKS (external,192.0.2.0/24)");
    }
    const list = await admin.get("/admin/webhooks/");
    expect(list.html).not.toContain("169.254.169.254");
    expect(list.html).not.toContain(`:${port()}/hooks`);
  });

  it("never connects to a refused address, by name or by number, and says why", async () => {
    const byName = await anOlderSubscription(`http://localhost:${port()}/hooks`);
    const byNumber = await anOlderSubscription(`http://127.0.0.1:${port()}/hooks`);
    await aRegisteredUser(app);
    const refusedOf = (subscriptionId: number) =>
      anAttemptedDelivery(
        app.deps.db,
        (delivery) => delivery.subscriptionId === subscriptionId && delivery.userId !== null,
      );
    expect((await refusedOf(byName)).lastError).toBe(
      "not sent: localhost: 127.0.0.1 is a loopback address outside WEBHOOK_ALLOWED_NETWORKS " +
        "(external,192.0.2.0/24)",
    );
    expect((await refusedOf(byNumber)).lastError).toBe(
      "not sent: 127.0.0.1 is a loopback address outside WEBHOOK_ALLOWED_NETWORKS " +
        "(external,192.0.2.0/24)",
    );
    expect((await refusedOf(byName)).status).toBe("pending");
    expect(receiver.received).toEqual([]);
  });
});

describe.each(testDatabases())(
  "webhook networks that name the receiver's block on %s",
  (database) => {
    let app: TestApp;
    let receiver: WebhookReceiver;

    beforeAll(async () => {
      receiver = await startWebhookReceiver();
      const port = new URL(receiver.url).port;
      app = await startTestApp(database, {
        WEBHOOK_ALLOWED_NETWORKS: "external,127.0.0.1/32",
        WEBHOOKS: JSON.stringify([
          {
            name: "beside",
            url: `http://localhost:${port}/hooks`,
            secret: `whsec_${randomBytes(32).toString("base64")}`,
            events: ["user.registered"],
          },
        ]),
      });
    });
    afterAll(async () => {
      await app.close();
      await receiver.close();
    });

    it("delivers to a name that resolves inside the block", async () => {
      const user = await aRegisteredUser(app);
      await receiver.waitFor((hooks) =>
        hooks.some(
          (hook) => (hook.json.data.user as { username?: string }).username === user.username,
        ),
      );
    });
  },
);
