// A user's sessions in the admin, in Chromium (issue 16): the change page lists where the user is
// signed in, one session ends with its row's button and then fails on the API, and "End every
// session" signs the user out everywhere.
import { describe, expect, it } from "vitest";
import { aVerifiedUser, type RegisteredUser } from "../support/builders.js";
import { ME, TOKEN_AUTH_USERNAME } from "../support/operations.js";
import { adminLogIn, screenshot, useAdminBrowser } from "../support/browser.js";
import type { TestApp } from "../support/test-app.js";

const PASSWORD = "Correct-Horse-42";

async function signInFrom(app: TestApp, user: RegisteredUser, userAgent: string) {
  const response = await app.gql(
    TOKEN_AUTH_USERNAME,
    { username: user.username, password: user.password },
    { headers: { "user-agent": userAgent } },
  );
  return (response.body.data?.tokenAuth as { token: string }).token;
}

async function isSignedIn(app: TestApp, token: string): Promise<boolean> {
  return (await app.gql(ME, {}, { token })).body.data?.me !== null;
}

describe("a user's sessions in the admin, in Chromium", () => {
  const admin = useAdminBrowser({ username: "root", password: PASSWORD });

  it("lists the sessions, ends one, then every one", async () => {
    const { app, baseUrl, page } = admin;
    const user = await aVerifiedUser(app);
    const lost = await signInFrom(app, user, "Lost phone");
    const laptop = await signInFrom(app, user, "Laptop browser");
    await adminLogIn(page, baseUrl, "root", PASSWORD);
    await page.goto(`${baseUrl}/admin/users/?q=${encodeURIComponent(user.username)}`);
    await page.getByRole("link", { name: user.username }).click();
    const panel = page.getByRole("region", { name: "Sessions" });
    const listed = await panel.locator("tbody").innerText();
    expect(listed).toContain("Lost phone");
    expect(listed).toContain("Laptop browser");
    await screenshot(page, "11-user-sessions");

    await panel.getByRole("button", { name: /from Lost phone$/ }).click();
    expect(await page.getByRole("status").innerText()).toContain(
      `Ended 1 session of “${user.username}”.`,
    );
    expect(await panel.locator("tbody").innerText()).not.toContain("Lost phone");
    expect(await isSignedIn(app, lost)).toBe(false);
    expect(await isSignedIn(app, laptop)).toBe(true);

    await panel.getByRole("button", { name: "End every session" }).click();
    expect(await page.getByRole("status").innerText()).toMatch(/Ended \d sessions of/);
    expect(await panel.innerText()).toContain("Not signed in anywhere.");
    expect(await isSignedIn(app, laptop)).toBe(false);
    expect(await isSignedIn(app, user.token)).toBe(false);

    await page.getByRole("link", { name: "History" }).click();
    const history = await page.locator("table").innerText();
    expect(history).toContain("Ended a session.");
    expect(history).toContain("Ended every session.");
  });
});
