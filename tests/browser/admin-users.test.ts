import { describe, expect, it } from "vitest";
import { adminLogIn, screenshot, useAdminBrowser } from "../support/browser.js";
import { aRegisteredUser, aVerifiedUser } from "../support/builders.js";
import { ME, TOKEN_AUTH_USERNAME, UPDATE_ACCOUNT } from "../support/operations.js";
import { unique } from "../support/test-app.js";

const PASSWORD = "Correct-Horse-42";

describe("admin users in Chromium", () => {
  const admin = useAdminBrowser({ username: "root", password: PASSWORD });

  it("searches and filters the user list", async () => {
    const { app, baseUrl, page } = admin;
    const prefix = unique("srch");
    const verified = await aVerifiedUser(app, { username: `${prefix}_v` });
    const unverified = await aRegisteredUser(app, { username: `${prefix}_u` });
    await adminLogIn(page, baseUrl, "root", PASSWORD);
    await page.goto(`${baseUrl}/admin/users/`);
    await page.getByRole("searchbox").fill(prefix.toUpperCase());
    await page.getByRole("button", { name: "Search" }).click();
    expect(await page.getByRole("link", { name: verified.username }).isVisible()).toBe(true);
    expect(await page.getByRole("link", { name: unverified.username }).isVisible()).toBe(true);
    await page.locator(".filters").getByRole("link", { name: "Yes" }).nth(3).click();
    const url = new URL(page.url());
    expect(url.searchParams.get("q")).toBe(prefix.toUpperCase());
    expect(url.searchParams.get("verified")).toBe("1");
    expect(await page.getByRole("link", { name: verified.username }).count()).toBe(1);
    expect(await page.getByRole("link", { name: unverified.username }).count()).toBe(0);
    await screenshot(page, "03-users-list");
    await page.setViewportSize({ width: 390, height: 844 });
    await screenshot(page, "03b-users-list-phone");
  });

  it("saves an edited user, and the API shows the change", async () => {
    const { app, baseUrl, page } = admin;
    const user = await aVerifiedUser(app);
    await adminLogIn(page, baseUrl, "root", PASSWORD);
    await page.goto(`${baseUrl}/admin/users/?q=${encodeURIComponent(user.username)}`);
    await page.getByRole("link", { name: user.username }).click();
    await page.getByLabel("First name").fill("Grace");
    await page.getByLabel("Last name").fill("Hopper");
    await screenshot(page, "04-user-change");
    expect(await page.content()).not.toMatch(
      /argon2\$argon2id\$v=19\$m=\d+,t=\d+,p=\d+\$[A-Za-z0-9+/]{20,}/,
    );
    await page.getByRole("button", { name: "Save", exact: true }).click();
    expect(await page.getByRole("status").innerText()).toContain(user.username);
    const me = await app.gql(ME, {}, { token: user.token });
    expect(me.body.data?.me).toMatchObject({ firstName: "Grace", lastName: "Hopper" });
  });

  it("adds a user who can log in through tokenAuth at once", async () => {
    const { app, baseUrl, page } = admin;
    const username = unique("added");
    await adminLogIn(page, baseUrl, "root", PASSWORD);
    await page.goto(`${baseUrl}/admin/users/add/`);
    await page.getByLabel("Username").fill(username);
    // Inputs by name: their labels also hold the help text.
    await page.locator('input[name="email"]').fill(`${username}@example.com`);
    await page.locator('input[name="password1"]').fill(PASSWORD);
    await page.locator('input[name="password2"]').fill(PASSWORD);
    await screenshot(page, "05-user-add");
    await page.getByRole("button", { name: "Save", exact: true }).click();
    const login = await app.gql(TOKEN_AUTH_USERNAME, { username, password: PASSWORD });
    expect(login.body.data?.tokenAuth).toMatchObject({ success: true, user: { username } });
  });

  it("renders names with markup and quotes as text", async () => {
    const { app, baseUrl, page } = admin;
    const user = await aVerifiedUser(app);
    await app.gql(
      UPDATE_ACCOUNT,
      { firstName: `<script>window.pwned=1</script>`, lastName: `"O'Hara" <b>` },
      { token: user.token },
    );
    await adminLogIn(page, baseUrl, "root", PASSWORD);
    for (const path of [`/admin/users/?q=${encodeURIComponent(user.username)}`, "/admin/"]) {
      await page.goto(`${baseUrl}${path}`);
      expect(await page.evaluate("window.pwned")).toBeUndefined();
    }
    await page.goto(`${baseUrl}/admin/users/?q=${encodeURIComponent(user.username)}`);
    expect(
      await page.getByRole("cell", { name: "<script>window.pwned=1</script>" }).isVisible(),
    ).toBe(true);
    await page.getByRole("link", { name: user.username }).click();
    expect(await page.getByLabel("Last name").inputValue()).toBe(`"O'Hara" <b>`);
    expect(await page.evaluate("window.pwned")).toBeUndefined();
  });

  it("shows a limited staff member a clear refusal for what their group does not allow", async () => {
    const { app, baseUrl, context, page } = admin;
    const staff = await aVerifiedUser(app);
    const groupName = unique("viewers");
    await adminLogIn(page, baseUrl, "root", PASSWORD);
    await page.goto(`${baseUrl}/admin/groups/add/`);
    await page.getByLabel("Name").fill(groupName);
    await page.getByRole("checkbox", { name: /^Can view user\s+view_user$/ }).check();
    await page.getByRole("button", { name: "Save", exact: true }).click();
    await page.goto(`${baseUrl}/admin/users/?q=${encodeURIComponent(staff.username)}`);
    await page.getByRole("link", { name: staff.username }).click();
    await page.locator('input[name="is_staff"]').check();
    await page.locator('select[name="groups"]').selectOption({ label: groupName });
    await page.getByRole("button", { name: "Save", exact: true }).click();
    await context.clearCookies();

    await adminLogIn(page, baseUrl, staff.username, staff.password);
    await page.goto(`${baseUrl}/admin/users/`);
    expect(await page.getByRole("link", { name: staff.username }).count()).toBe(1);
    expect(await page.getByRole("link", { name: "Add user" }).count()).toBe(0);
    await page.goto(`${baseUrl}/admin/users/add/`);
    expect(await page.getByRole("heading", { level: 1 }).innerText()).toBe("403 Forbidden");
    expect(await page.content()).not.toMatch(/at .*\.ts:\d+/);
    await screenshot(page, "06-forbidden");
    await page.goto(`${baseUrl}/admin/refresh-tokens/`);
    expect(await page.getByRole("heading", { level: 1 }).innerText()).toBe("403 Forbidden");
  });

  it("logs a user out everywhere: their refresh token stops working", async () => {
    const { app, baseUrl, page } = admin;
    const user = await aVerifiedUser(app);
    await adminLogIn(page, baseUrl, "root", PASSWORD);
    await page.goto(`${baseUrl}/admin/users/?q=${encodeURIComponent(user.username)}`);
    await page.getByLabel(`Select ${user.username}`).check();
    await page.getByLabel("Action").selectOption("log_out_everywhere");
    await page.getByRole("button", { name: "Go" }).click();
    const me = await app.gql(ME, {}, { token: user.token });
    expect(me.body.data?.me).toBeNull();
  });
});
