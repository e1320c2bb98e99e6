import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createSuperuser } from "../../src/accounts/users.js";
import { adminLogIn, launchBrowser, screenshot } from "../support/browser.js";
import { aVerifiedUser } from "../support/builders.js";
import { startTestApp, type TestApp } from "../support/test-app.js";

const PASSWORD = "Correct-Horse-42";

describe("admin login in Chromium", () => {
  let app: TestApp;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let baseUrl: string;

  beforeAll(async () => {
    app = await startTestApp("sqlite");
    baseUrl = app.url.replace(/\/graphql$/, "");
    await createSuperuser(app.deps, { username: "admin", email: "admin@example.com", password: PASSWORD });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser.close();
    await app.close();
  });
  beforeEach(async () => {
    context = await browser.newContext();
    page = await context.newPage();
  });
  afterEach(async () => {
    await context.close();
  });

  it("lets an active superuser in and shows the site administration", async () => {
    await page.goto(`${baseUrl}/admin/`);
    expect(page.url()).toContain("/admin/login/?next=");
    await screenshot(page, "01-login");
    await adminLogIn(page, baseUrl, "admin", PASSWORD);
    await expect.poll(() => page.url()).toBe(`${baseUrl}/admin/`);
    await expect.poll(() => page.getByRole("heading", { name: "Site administration" }).isVisible()).toBe(true);
    expect(await page.getByRole("link", { name: "Users" }).first().isVisible()).toBe(true);
    await screenshot(page, "02-index");
  });

  it("refuses a wrong password with Django's staff message", async () => {
    await adminLogIn(page, baseUrl, "admin", "wrong-password");
    expect(await page.getByRole("alert").innerText()).toContain(
      "Please enter the correct username and password for a staff account.",
    );
    expect(page.url()).toContain("/admin/login/");
  });

  it("refuses a user who is not staff, even with the right password", async () => {
    const user = await aVerifiedUser(app);
    await adminLogIn(page, baseUrl, user.username, user.password);
    expect(await page.getByRole("alert").innerText()).toContain("for a staff account");
    await page.goto(`${baseUrl}/admin/`);
    expect(page.url()).toContain("/admin/login/");
  });

  it("refuses a form posted without its CSRF token", async () => {
    await page.goto(`${baseUrl}/admin/login/`);
    // A page script (not typed against the DOM here) drops the hidden token field.
    await page.evaluate("document.querySelector('input[name=\"_csrf\"]').remove()");
    await page.getByLabel("Username").fill("admin");
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Log in" }).click();
    expect(await page.locator("h1").innerText()).toBe("Forbidden (403)");
    expect(await page.content()).toContain("CSRF verification failed");
  });

  it("logs out and forgets the session", async () => {
    await adminLogIn(page, baseUrl, "admin", PASSWORD);
    await page.getByRole("button", { name: "Log out" }).click();
    expect(await page.locator("h1").innerText()).toBe("Logged out");
    await page.goto(`${baseUrl}/admin/`);
    expect(page.url()).toContain("/admin/login/");
  });

  it("sets the session cookie HttpOnly and SameSite=Lax", async () => {
    await adminLogIn(page, baseUrl, "admin", PASSWORD);
    const cookie = (await context.cookies()).find((c) => c.name === "gatehouse_admin_session");
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: "Lax" });
  });
});
