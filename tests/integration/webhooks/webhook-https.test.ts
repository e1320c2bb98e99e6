// Deliveries over https: to a receiver whose certificate is trusted (as a private CA is, through
// NODE_EXTRA_CA_CERTS; here the process's https agent is given it), signed as over http; to one
// whose certificate nobody vouches for, nothing is sent and the delivery says why.
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import https from "node:https";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findUserByUsername } from "../../../src/accounts/users-store.js";
import { aRegisteredUser } from "../../support/builders.js";
import { anAttemptedDelivery } from "../../support/webhook-deliveries.js";
import { startTestApp, testDatabases, type TestApp } from "../../support/test-app.js";
import {
  isAboutUser,
  startWebhookReceiver,
  type WebhookReceiver,
} from "../../support/webhook-receiver.js";

/** A self-signed certificate for localhost and 127.0.0.1, made by openssl. */
function aCertificate(folder: string, name: string): { key: string; cert: string } {
  const key = path.join(folder, `${name}.key`);
  const cert = path.join(folder, `${name}.pem`);
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:P-256",
      "-nodes",
      "-keyout",
      key,
      "-out",
      cert,
      "-days",
      "1",
      "-subj",
      "/CN=localhost",
      "-addext",
      "subjectAltName=DNS:localhost,IP:127.0.0.1",
    ],
    { stdio: "ignore" },
  );
  return { key: readFileSync(key, "utf8"), cert: readFileSync(cert, "utf8") };
}

describe.each(testDatabases())("webhooks over https on %s", (database) => {
  let folder: string;
  let trusted: WebhookReceiver;
  let stranger: WebhookReceiver;
  let app: TestApp;
  const secret = `whsec_${randomBytes(32).toString("base64")}`;

  beforeAll(async () => {
    folder = mkdtempSync(path.join(tmpdir(), "gatehouse-tls-"));
    const trustedPair = aCertificate(folder, "trusted");
    https.globalAgent.options.ca = trustedPair.cert;
    trusted = await startWebhookReceiver(0, trustedPair);
    stranger = await startWebhookReceiver(0, aCertificate(folder, "stranger"));
    app = await startTestApp(database, {
      WEBHOOKS: JSON.stringify([
        { name: "trusted", url: trusted.url, secret, events: ["user.registered"] },
        { name: "stranger", url: stranger.url, secret, events: ["user.registered"] },
      ]),
    });
  });
  afterAll(async () => {
    await app.close();
    await trusted.close();
    await stranger.close();
    delete https.globalAgent.options.ca;
    rmSync(folder, { recursive: true, force: true });
  });

  it("delivers to a receiver it can authenticate, and to no other", async () => {
    const user = await aRegisteredUser(app);
    const id = (await findUserByUsername(app.deps.db, user.username))?.id ?? 0;
    await trusted.waitFor((hooks) => hooks.some((hook) => isAboutUser(hook, id)));
    const hook = trusted.accepted().find((each) => isAboutUser(each, id));
    expect(hook?.json.type).toBe("user.registered");
    if (hook !== undefined) trusted.verify(hook, secret);

    const strangerSubscription = (
      await app.deps.db
        .selectFrom("webhook_subscriptions")
        .select("id")
        .where("setting_name", "=", "stranger")
        .executeTakeFirstOrThrow()
    ).id;
    const refused = await anAttemptedDelivery(
      app.deps.db,
      (delivery) => delivery.subscriptionId === strangerSubscription && delivery.userId === id,
    );
    expect(refused).toMatchObject({
      status: "pending",
      lastStatus: null,
      lastError: "DEPTH_ZERO_SELF_SIGNED_CERT",
    });
    expect(stranger.received).toEqual([]);
  });
});
