import { describe, expect, it } from "vitest";
import { adminLogIn, screenshot, useAdminBrowser } from "../support/browser.js";
import { aVerifiedUser } from "../support/builders.js";

const PASSWORD = "Correct-Horse-42";

describe("admin login in Chromium", () => {
  const admin = useAdminBrowser({ username: "admin", password: PASSWORD });

  it("lets an active superuser in and shows the site administration", async () => {
    const { baseUrl, page } = admin;
    await page.goto(`${baseUrl}/admin/`);
    expect(page.url()).toContain("/admin/login/?next=");
    await screenshot(page, "01-login");
    await adminLogIn(page, baseUrl, "admin", PASSWORD);
    await expect.poll(() => page.url()).toBe(`${baseUrl}/admin/`);
    await expect
      .poll(() => page.getByRole("heading", { name: "Site administration" }).isVisible())
      .toBe(true);
    expect(await page.getByRole("link", { name: "Users" }).first().isVisible()).toBe(true);
    await screenshot(page, "02-index");
  });

  it("refuses a wrong password with Django's staff message", async () => {
    const { baseUrl, page } = admin;
    await adminLogIn(page, baseUrl, "admin", "wrong-password");
    expect(await page.getByRole("alert").innerText()).toContain(
      "Please enter the correct username and password for a staff account.",
    );
    expect(page.url()).toContain("/admin/login/");
  });

  it("refuses a user who is not staff, even with the right password", async () => {
    const { app, baseUrl, page } = admin;
    const user = await aVerifiedUser(app);
    await adminLogIn(page, baseUrl, user.username, user.password);
    expect(await page.getByRole("alert").innerText()).toContain("for a staff account");
    await page.goto(`${baseUrl}/admin/`);
    expect(page.url()).toContain("/admin/login/");
  });

  it("refuses a form posted without its CSRF token", async () => {
    const { baseUrl, page } = admin;
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
    const { baseUrl, page } = admin;
    await adminLogIn(page, baseUrl, "admin", PASSWORD);
    await page.getByRole("button", { name: "Log out" }).click();
    expect(await page.locator("h1").innerText()).toBe("Logged out");
    await page.goto(`${baseUrl}/admin/`);
    expect(page.url()).toContain("/admin/login/");
  });

  it("sets the session cookie HttpOnly and SameSite=Lax", async () => {
    const { baseUrl, context, page } = admin;
    await adminLogIn(page, baseUrl, "admin", PASSWORD);
    const cookie = (await context.cookies()).find((c) => c.name === "gatehouse_admin_session");
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: "Lax" });
  });
});
