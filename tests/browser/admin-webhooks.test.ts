// Webhooks in the admin, in Chromium (issue 19): a superuser adds a subscription from the
// navigation, copies the secret the page shows once, and the receiver's first delivery verifies
// with it and shows as delivered in the list.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { aRegisteredUser } from "../support/builders.js";
import { adminLogIn, screenshot, useAdminBrowser } from "../support/browser.js";
import { startWebhookReceiver, type WebhookReceiver } from "../support/webhook-receiver.js";

const PASSWORD = "Correct-Horse-42";

describe("webhooks in the admin, in Chromium", () => {
  const admin = useAdminBrowser({ username: "root", password: PASSWORD });
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
  });
  afterAll(async () => {
    await receiver.close();
  });

  it("adds a subscription, shows its secret once, and lists the delivery", async () => {
    const { app, baseUrl, page } = admin;
    await adminLogIn(page, baseUrl, "root", PASSWORD);
    await page.getByRole("link", { name: "Webhooks" }).first().click();
    await page.getByRole("link", { name: "Add webhook subscription" }).click();
    await page.getByLabel("URL").fill(receiver.url);
    await page.getByLabel("Description").fill("CRM");
    await page.getByLabel("user.registered").check();
    await page.getByRole("button", { name: "Save" }).click();
    const secret = await page.locator("code.secret").innerText();
    expect(secret).toMatch(/^whsec_/);
    await screenshot(page, "14-webhook-secret");

    const user = await aRegisteredUser(app);
    await receiver.waitFor((hooks) => hooks.some((hook) => hook.body.includes(user.username)));
    const hook = receiver.accepted().find((candidate) => candidate.body.includes(user.username))!;
    expect(receiver.verify(hook, secret)).toEqual(hook.json);

    await page.goto(`${baseUrl}/admin/webhooks/?status=delivered`);
    const deliveries = await page.locator("table").nth(1).innerText();
    expect(deliveries).toContain("user.registered");
    expect(deliveries).toContain(hook.id);
    expect(await page.content()).not.toContain(secret);
  });
});
