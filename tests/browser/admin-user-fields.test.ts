// Issue 13, item 6 in Chromium: a declared date and a declared choices field (USER_FIELDS) edited
// through the admin's change form, with the browser's own date input and select.
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { declaredField, fieldValue } from "../../src/accounts/fields/user-fields.js";
import { findUserByUsername } from "../../src/accounts/users-store.js";
import { createSuperuser } from "../../src/accounts/users.js";
import { adminLogIn, launchBrowser, screenshot } from "../support/browser.js";
import { aVerifiedUser } from "../support/builders.js";
import { startTestApp, type TestApp } from "../support/test-app.js";

const PASSWORD = "Correct-Horse-42";
const USER_FIELDS = {
  date_of_birth: { type: "DateField", null: true, blank: true, help_text: "As on the passport." },
  title: {
    type: "CharField",
    max_length: 3,
    blank: true,
    default: "",
    choices: [
      ["dr", "Doctor"],
      ["mx", "Mx"],
    ],
  },
};

describe("declared user fields in the admin, in Chromium", () => {
  let app: TestApp;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const baseUrl = () => app.url.replace(/\/graphql$/, "");

  beforeAll(async () => {
    app = await startTestApp("sqlite", { USER_FIELDS: JSON.stringify(USER_FIELDS) });
    await createSuperuser(app.deps, {
      username: "root",
      email: "root@example.com",
      password: PASSWORD,
    });
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

  async function storedValue(username: string, name: string): Promise<unknown> {
    const user = await findUserByUsername(app.deps.db, username);
    const field = declaredField(app.config, name);
    if (user === undefined || field === undefined) throw new Error(`no ${username} or ${name}`);
    return fieldValue(field, user);
  }

  it("edits a declared date and a choices field through the form and saves them", async () => {
    const user = await aVerifiedUser(app);
    await adminLogIn(page, baseUrl(), "root", PASSWORD);
    await page.goto(`${baseUrl()}/admin/users/?q=${encodeURIComponent(user.username)}`);
    await page.getByRole("link", { name: user.username }).click();

    const date = page.getByLabel("Date of birth");
    expect(await date.getAttribute("type")).toBe("date");
    expect(await date.inputValue()).toBe("");
    expect(await page.getByText("As on the passport.").isVisible()).toBe(true);
    const title = page.getByLabel("Title");
    expect(await title.locator("option").allInnerTexts()).toEqual(["---------", "Doctor", "Mx"]);

    // Typed as a person types into Chromium's date input: month, day, year in the en-US locale.
    await date.click();
    await date.pressSequentially("04011990");
    expect(await date.inputValue()).toBe("1990-04-01");
    await title.selectOption({ label: "Doctor" });
    await screenshot(page, "13-user-declared-fields");
    await page.getByRole("button", { name: "Save and continue editing" }).click();

    expect(await page.getByRole("status").innerText()).toContain(user.username);
    expect(await page.getByLabel("Date of birth").inputValue()).toBe("1990-04-01");
    expect(await page.getByLabel("Title").inputValue()).toBe("dr");
    expect(await storedValue(user.username, "date_of_birth")).toBe("1990-04-01");
    expect(await storedValue(user.username, "title")).toBe("dr");

    // Emptied again: a blank date is stored as null, the blank choice as "".
    await page.getByLabel("Date of birth").fill("");
    await page.getByLabel("Title").selectOption({ label: "---------" });
    await page.getByRole("button", { name: "Save and continue editing" }).click();
    expect(await page.getByRole("status").innerText()).toContain(user.username);
    expect(await storedValue(user.username, "date_of_birth")).toBeNull();
    expect(await storedValue(user.username, "title")).toBe("");
  });

  it("shows Django's error under a field the browser lets through", async () => {
    const user = await aVerifiedUser(app);
    await adminLogIn(page, baseUrl(), "root", PASSWORD);
    await page.goto(`${baseUrl()}/admin/users/?q=${encodeURIComponent(user.username)}`);
    await page.getByRole("link", { name: user.username }).click();
    // A choice the select did not offer, as a tampered page would send it.
    await page.evaluate(
      `document.querySelector("#id_title").add(new Option("Professor", "pr", true, true))`,
    );
    await page.getByRole("button", { name: "Save", exact: true }).click();
    expect(await page.locator("#id_title_errors").innerText()).toBe(
      "Select a valid choice. pr is not one of the available choices.",
    );
    expect(await storedValue(user.username, "title")).toBe("");
  });
});
