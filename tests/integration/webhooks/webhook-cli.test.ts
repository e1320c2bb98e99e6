// Changes made from the command line reach webhook receivers too (issue 19): `createsuperuser`
// and `changepassword` write their events in their own transaction, and a running server,
// sharing the database, delivers them.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { STRONG_PASSWORD } from "../../support/builders.js";
import { runCli } from "../../support/cli.js";
import { startTestApp, unique, type TestApp } from "../../support/test-app.js";
import { startWebhookReceiver, type WebhookReceiver } from "../../support/webhook-receiver.js";

describe("webhook events of CLI commands", () => {
  const directory = mkdtempSync(join(tmpdir(), "gatehouse-webhook-cli-"));
  const databaseUrl = `sqlite:${join(directory, "cli.sqlite")}`;
  let app: TestApp;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    app = await startTestApp("sqlite", {
      DATABASE_URL: databaseUrl,
      WEBHOOKS: JSON.stringify([
        { name: "all", url: receiver.url, secret: `whsec_${randomBytes(32).toString("base64")}` },
      ]),
    });
  });
  afterAll(async () => {
    await app.close();
    await receiver.close();
    rmSync(directory, { recursive: true, force: true });
  });

  it("sends createsuperuser's and changepassword's events, saying the CLI made them", async () => {
    const username = unique("cliroot");
    const created = await runCli(["createsuperuser", "--no-input"], {
      env: {
        DATABASE_URL: databaseUrl,
        GATEHOUSE_SUPERUSER_USERNAME: username,
        GATEHOUSE_SUPERUSER_EMAIL: `${username}@example.com`,
        GATEHOUSE_SUPERUSER_PASSWORD: STRONG_PASSWORD,
      },
    });
    expect(created.code, created.stderr).toBe(0);
    const changed = await runCli(["changepassword", username], {
      env: { DATABASE_URL: databaseUrl },
      input: "Fresh-Horse-77\nFresh-Horse-77\n",
    });
    expect(changed.code, changed.stderr).toBe(0);

    await receiver.waitFor(
      (hooks) => hooks.filter((hook) => hook.body.includes(`"username":"${username}"`)).length >= 2,
    );
    const hooks = receiver
      .accepted()
      .filter((hook) => hook.body.includes(`"username":"${username}"`));
    expect(hooks.map((hook) => [hook.json.type, hook.json.data.by])).toEqual([
      ["user.registered", "cli"],
      ["user.password_changed", "cli"],
    ]);
    expect(hooks[0]?.json.data.user).toMatchObject({ isStaff: true });
    expect(hooks.map((hook) => hook.body).join()).not.toContain("Fresh-Horse-77");
  });
});
