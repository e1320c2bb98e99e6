// The admin at a laptop's width (issue 15): at 1280 px the users list shows every column without
// scrolling sideways, its search box shows its whole placeholder, the buttons sit on the line of
// what they belong to; the add form shows each error beside its field; recent actions name the
// model; times say their zone. With UPDATE_SCREENSHOTS=1 it also takes the README's pictures.
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { readmeScreenshot, useAdminBrowser } from "../support/browser.js";
import { aVerifiedUser, logIn } from "../support/builders.js";
import { UPDATE_ACCOUNT } from "../support/operations.js";
import type { TestApp } from "../support/test-app.js";

const PASSWORD = "Correct-Horse-42";
const LAPTOP = { width: 1280, height: 800 };

const PEOPLE = [
  ["ada", "Ada", "Lovelace"],
  ["grace", "Grace", "Hopper"],
  ["alan", "Alan", "Turing"],
  ["margaret", "Margaret", "Hamilton"],
  ["katherine", "Katherine", "Johnson"],
  ["edsger", "Edsger", "Dijkstra"],
] as const;

/** The people of the README's pictures, and one with a very long name and address. */
async function seedPeople(app: TestApp): Promise<void> {
  for (const [username, firstName, lastName] of PEOPLE) {
    const user = await aVerifiedUser(app, { username, email: `${username}@example.com` });
    await app.gql(UPDATE_ACCOUNT, { firstName, lastName }, { token: user.token });
  }
  const long = "maximiliane.wilhelmina.von.und.zu.hohenlohe-langenburg";
  const user = await aVerifiedUser(app, {
    username: long,
    email: `${long}.correspondence@subdomain.example-organisation.com`,
  });
  await app.gql(
    UPDATE_ACCOUNT,
    { firstName: "Maximiliane Wilhelmina", lastName: "von und zu Hohenlohe-Langenburg" },
    { token: user.token },
  );
  await logIn(app, user);
}

interface Box {
  left: number;
  right: number;
  top: number;
  bottom: number;
}

async function boxOf(page: Page, selector: string): Promise<Box> {
  const box = await page.locator(selector).first().boundingBox();
  if (box === null) throw new Error(`${selector} is not shown`);
  return { left: box.x, right: box.x + box.width, top: box.y, bottom: box.y + box.height };
}

const middle = (box: Box) => (box.top + box.bottom) / 2;

describe("the admin at 1280 px in Chromium", () => {
  const admin = useAdminBrowser({ username: "root", password: PASSWORD }, { loggedIn: true });

  it("shows the whole users list without scrolling sideways", async () => {
    const { app, baseUrl, page } = admin;
    await seedPeople(app);
    await page.setViewportSize(LAPTOP);
    await page.goto(`${baseUrl}/admin/users/`);
    // Strings: the tests are compiled without the DOM's types.
    const widths = await page.evaluate<{
      page: number;
      window: number;
      table: number;
      wrap: number;
    }>(`({
      page: document.documentElement.scrollWidth,
      window: window.innerWidth,
      table: document.querySelector(".table-wrap").scrollWidth,
      wrap: document.querySelector(".table-wrap").clientWidth,
    })`);
    expect(widths.page).toBeLessThanOrEqual(widths.window);
    expect(widths.table).toBeLessThanOrEqual(widths.wrap);
    const wrap = await boxOf(page, ".table-wrap");
    const lastHeader = await boxOf(page, "thead th:last-child");
    expect(lastHeader.right).toBeLessThanOrEqual(wrap.right);
    expect(await page.locator("thead th:last-child").innerText()).toBe("Date joined");
    await readmeScreenshot(page, "admin-users");
  });

  it("shows the search box's whole placeholder, and puts Add user and Go on their lines", async () => {
    const { baseUrl, page } = admin;
    await page.setViewportSize(LAPTOP);
    await page.goto(`${baseUrl}/admin/users/`);
    // The placeholder's width in the input's font, against the room inside its padding.
    const fits = await page.evaluate<{ text: number; room: number }>(`(() => {
      const input = document.querySelector('input[type="search"]');
      const style = getComputedStyle(input);
      const context = document.createElement("canvas").getContext("2d");
      context.font = style.font;
      const room =
        input.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
      return { text: context.measureText(input.placeholder).width, room };
    })()`);
    expect(fits.text).toBeGreaterThan(0);
    expect(fits.text).toBeLessThanOrEqual(fits.room);

    const heading = await boxOf(page, "h1");
    const addUser = await boxOf(page, "a.button:text('Add user')");
    expect(Math.abs(middle(addUser) - middle(heading))).toBeLessThanOrEqual(2);
    const action = await boxOf(page, 'select[name="action"]');
    const go = await boxOf(page, "button:text-is('Go')");
    expect(Math.abs(middle(go) - middle(action))).toBeLessThanOrEqual(2);
    expect(go.left).toBeGreaterThan(action.right);
  });

  it("shows each error of the add form beside its field, under its label", async () => {
    const { baseUrl, page } = admin;
    await page.setViewportSize(LAPTOP);
    await page.goto(`${baseUrl}/admin/users/add/`);
    await page.getByLabel("Username").fill("ada");
    await page.getByLabel("Email address").fill("not-an-address");
    await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
    await page.getByLabel("Password confirmation").fill(`${PASSWORD}-x`);
    await page.getByRole("button", { name: "Save", exact: true }).click();

    const rowOf = (label: string) =>
      page.locator(".form-row", { has: page.getByLabel(label, { exact: true }) });
    expect(await rowOf("Username").locator(".errorlist").innerText()).toBe(
      "A user with that username already exists.",
    );
    expect(await rowOf("Email address").locator(".errorlist").innerText()).toBe(
      "Enter a valid email address.",
    );
    expect(await rowOf("Password confirmation").locator(".errorlist").innerText()).toBe(
      "The two password fields didn’t match.",
    );
    expect(await rowOf("Password").locator(".errorlist").count()).toBe(0);
    // Each message below its own input, and read out with it.
    const input = await boxOf(page, "#id_username");
    const message = await boxOf(page, "#id_username_errors");
    expect(message.top).toBeGreaterThanOrEqual(input.bottom);
    expect(Math.abs(message.left - input.left)).toBeLessThanOrEqual(2);
    expect(await page.getByLabel("Username").getAttribute("aria-invalid")).toBe("true");
    // The note at the top names no field by its key, and what was typed is kept.
    const note = await page.locator(".errors").innerText();
    expect(note.trim()).toBe("Please correct the errors below.");
    expect(await page.getByLabel("Email address").inputValue()).toBe("not-an-address");
    await readmeScreenshot(page, "admin-add-user-errors");
  });

  it("names models by their verbose name in recent actions, and says times are UTC", async () => {
    const { baseUrl, page } = admin;
    await page.setViewportSize(LAPTOP);
    await page.goto(`${baseUrl}/admin/users/?q=grace`);
    await page.getByRole("link", { name: "grace", exact: true }).click();
    await page.getByLabel("Last name").fill("Brewster Murray Hopper");
    await page.getByRole("button", { name: "Save", exact: true }).click();
    await page.goto(`${baseUrl}/admin/`);
    const recent = await page.locator(".actions li").first().innerText();
    expect(recent).toMatch(/^grace\s+User · \d{4}-\d\d-\d\d \d\d:\d\d UTC$/);
    expect(await page.locator(".actions").innerText()).not.toContain("accounts.user");
    await readmeScreenshot(page, "admin-index");

    await page.goto(`${baseUrl}/admin/refresh-tokens/`);
    const created = await page.locator("tbody tr td").nth(2).innerText();
    expect(created).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/);
  });

  it("gives every page an icon its policy allows", async () => {
    const { baseUrl, page } = admin;
    const blocked: string[] = [];
    page.on("console", (message) => {
      if (message.text().includes("Content Security Policy")) blocked.push(message.text());
    });
    await page.goto(`${baseUrl}/admin/`);
    const href = await page.locator('link[rel="icon"]').getAttribute("href");
    expect(href).toBe("/admin/static/favicon.svg");
    const icon = await page.request.get(`${baseUrl}${href ?? ""}`);
    expect(icon.status()).toBe(200);
    expect(icon.headers()["content-type"]).toBe("image/svg+xml");
    await page.goto(`${baseUrl}/`);
    expect(blocked).toEqual([]);
  });
});
