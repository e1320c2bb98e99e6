// The second factor in the admin, in Chromium (issue 16): the user change page shows that a
// user's TOTP is on, the reset button turns it off, and the history records it.
import { describe, expect, it } from "vitest";
import { adminLogIn, screenshot, useAdminBrowser } from "../support/browser.js";
import { aUserWithTotp, TOKEN_AUTH_OTP } from "../support/second-factor.js";

const PASSWORD = "Correct-Horse-42";

describe("the second factor in the admin, in Chromium", () => {
  const admin = useAdminBrowser({ username: "root", password: PASSWORD });

  it("shows a user's second factor and resets it", async () => {
    const { app, baseUrl, page } = admin;
    const user = await aUserWithTotp(app);
    await adminLogIn(page, baseUrl, "root", PASSWORD);
    await page.goto(`${baseUrl}/admin/users/?q=${encodeURIComponent(user.username)}`);
    await page.getByRole("link", { name: user.username }).click();
    const panel = page.getByRole("region", { name: "Two-factor authentication" });
    expect(await panel.innerText()).toContain("Enabled (TOTP) since");
    expect(await panel.innerText()).toContain("10 unused recovery codes");
    expect(await page.content()).not.toContain(user.secret);
    await screenshot(page, "10-user-second-factor");

    await panel.getByRole("button", { name: "Reset two-factor authentication" }).click();
    expect(await page.getByRole("status").innerText()).toContain(
      `Two-factor authentication was reset for “${user.username}”.`,
    );
    expect(await panel.innerText()).toContain("Not enabled");
    expect(await panel.getByRole("button").count()).toBe(0);
    await screenshot(page, "10b-user-second-factor-reset");

    await page.getByRole("link", { name: "History" }).click();
    expect(await page.locator("table").innerText()).toContain("Reset two-factor authentication.");
    const login = await app.gql(TOKEN_AUTH_OTP, {
      username: user.username,
      password: user.password,
    });
    expect(login.body.data?.tokenAuth).toMatchObject({ success: true });
  });
});
