import { describe, expect, it } from "vitest";
import { screenshot, useAdminBrowser } from "../support/browser.js";
import { aRegisteredUser } from "../support/builders.js";
import { ME, REFRESH_TOKEN } from "../support/operations.js";

const PASSWORD = "Correct-Horse-42";

describe("admin refresh tokens, user statuses and groups in Chromium", () => {
  const admin = useAdminBrowser({ username: "root", password: PASSWORD }, { loggedIn: true });

  it("revokes a selected refresh token, which then fails on the API", async () => {
    const { app, baseUrl, page } = admin;
    const user = await aRegisteredUser(app);
    const other = await aRegisteredUser(app);
    await page.goto(`${baseUrl}/admin/refresh-tokens/`);
    await page.getByRole("searchbox").fill(user.username);
    await page.getByRole("button", { name: "Search" }).click();
    expect(await page.content()).not.toContain(user.refreshToken);
    await page.locator('input[name="_selected_action"]').first().check();
    await page.getByLabel("Action").selectOption("revoke_selected");
    await screenshot(page, "10-refresh-tokens");
    await page.getByRole("button", { name: "Go" }).click();
    expect(await page.getByRole("status").innerText()).toMatch(/revoked/i);

    const refused = await app.gql(REFRESH_TOKEN, { refreshToken: user.refreshToken });
    expect(refused.body.data?.refreshToken).toMatchObject({
      success: false,
      errors: { nonFieldErrors: [{ code: "invalid_token" }] },
    });
    const untouched = await app.gql(REFRESH_TOKEN, { refreshToken: other.refreshToken });
    expect(untouched.body.data?.refreshToken).toMatchObject({ success: true });
  });

  it("ticks verified on a user status, which the API then reports", async () => {
    const { app, baseUrl, page } = admin;
    const user = await aRegisteredUser(app);
    await page.goto(`${baseUrl}/admin/user-status/?q=${encodeURIComponent(user.username)}`);
    await screenshot(page, "11-user-statuses");
    await page.getByRole("link", { name: `${user.username} - status` }).click();
    await page.getByLabel("Verified").check();
    await page.getByRole("button", { name: "Save", exact: true }).click();
    const me = await app.gql(ME, {}, { token: user.token });
    expect(me.body.data?.me).toMatchObject({ username: user.username, verified: true });
  });

  it("creates a group with permissions", async () => {
    const { baseUrl, page } = admin;
    await page.goto(`${baseUrl}/admin/groups/add/`);
    await page.getByLabel("Name").fill("Support desk");
    await page.getByLabel(/Can view refresh token/).check();
    await screenshot(page, "12-group-form");
    await page.getByRole("button", { name: "Save", exact: true }).click();
    expect(await page.getByRole("status").innerText()).toContain("Support desk");
    await page.goto(`${baseUrl}/admin/groups/`);
    expect(await page.getByRole("link", { name: "Support desk" }).isVisible()).toBe(true);
  });
});
