// The admin pages under their Content-Security-Policy (src/admin/plugin.ts): Chromium reports no
// violation on any page, the stylesheet applies, and a logged-in admin can still save a form.
import type { ConsoleMessage, Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { useAdminBrowser } from "../support/browser.js";
import { aVerifiedUser } from "../support/builders.js";

const PASSWORD = "Correct-Horse-42";

/** Chromium's console reports of blocked resources, collected from now on. */
function collectViolations(page: Page): string[] {
  const violations: string[] = [];
  page.on("console", (message: ConsoleMessage) => {
    if (message.text().includes("Content Security Policy")) violations.push(message.text());
  });
  return violations;
}

describe("admin pages under their Content-Security-Policy in Chromium", () => {
  const admin = useAdminBrowser({ username: "cspadmin", password: PASSWORD }, { loggedIn: true });

  it("load every kind of page without a violation, styled", async () => {
    const { app, baseUrl, page } = admin;
    const violations = collectViolations(page);
    const user = await aVerifiedUser(app);
    const pk = await userPk(page, baseUrl, user.username);
    for (const path of [
      "/admin/",
      "/admin/users/",
      `/admin/users/${pk}/change/`,
      `/admin/users/${pk}/password/`,
      "/admin/user-status/",
      `/admin/user-status/${pk}/change/`,
      "/admin/refresh-tokens/",
      "/admin/groups/",
      "/admin/groups/add/",
      "/admin/password_change/",
    ]) {
      const response = await page.goto(`${baseUrl}${path}`);
      expect(response?.status(), path).toBe(200);
      // admin.css loaded and applied: the body no longer has the browser's default 8px margin.
      const margin = await page.evaluate("getComputedStyle(document.body).marginTop");
      expect(margin, path).not.toBe("8px");
    }
    expect(violations).toEqual([]);
  });

  it("still saves a form (form-action 'self')", async () => {
    const { app, baseUrl, page } = admin;
    const violations = collectViolations(page);
    const user = await aVerifiedUser(app);
    await page.goto(`${baseUrl}/admin/users/${await userPk(page, baseUrl, user.username)}/change/`);
    await page.getByLabel("First name").fill("Ada");
    await page.getByRole("button", { name: "Save", exact: true }).click();
    expect(await page.getByRole("status").innerText()).toContain(user.username);
    expect(violations).toEqual([]);
  });
});

/** The user's id, read from the link of the users list. */
async function userPk(page: Page, baseUrl: string, username: string): Promise<string> {
  await page.goto(`${baseUrl}/admin/users/?q=${encodeURIComponent(username)}`);
  const href = await page.getByRole("link", { name: username }).getAttribute("href");
  const pk = /\/users\/(\d+)\/change\//.exec(href ?? "")?.[1];
  if (pk === undefined) throw new Error(`no change link for ${username}: ${String(href)}`);
  return pk;
}
