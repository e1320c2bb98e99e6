// GraphiQL in Chromium with every other host out of reach: it starts from this server's files
// alone under its Content-Security-Policy (no violation, so no 'unsafe-eval' is missing), runs a
// query, sends a header typed in its editor without keeping it in storage, and says so plainly
// when its scripts cannot load.
import type { Browser, BrowserContext, ConsoleMessage, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { launchBrowser, readmeScreenshot, screenshot } from "../support/browser.js";
import { startTestApp, type TestApp } from "../support/test-app.js";

const TOKEN = "JWT not-a-real-token-but-a-secret-all-the-same";

describe("GraphiQL in Chromium, offline", () => {
  let app: TestApp;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let elsewhere: string[];
  let problems: string[];

  beforeAll(async () => {
    app = await startTestApp("sqlite");
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser.close();
    await app.close();
  });
  beforeEach(async () => {
    context = await browser.newContext();
    const ownHost = new URL(app.url).host;
    elsewhere = [];
    await context.route("**/*", async (route) => {
      if (new URL(route.request().url()).host === ownHost) return route.continue();
      elsewhere.push(route.request().url());
      return route.abort("internetdisconnected");
    });
    page = await context.newPage();
    problems = [];
    page.on("console", (message: ConsoleMessage) => {
      if (message.text().includes("Content Security Policy")) problems.push(message.text());
    });
    page.on("pageerror", (error) => problems.push(error.message));
  });
  afterEach(async () => {
    await context.close();
  });

  /** Replaces the text of the CodeMirror editor inside `editor` by typing, as a person does. */
  async function typeInto(editor: string, text: string): Promise<void> {
    await page.locator(`${editor} .CodeMirror`).filter({ visible: true }).first().click();
    await page.keyboard.press("Control+A");
    await page.keyboard.press("Backspace");
    await page.keyboard.type(text);
    await page.keyboard.press("Escape");
  }

  async function run(): Promise<void> {
    await page.getByRole("button", { name: /Execute query/ }).click();
  }

  it("starts from this server's files, runs a query and shows its result", async () => {
    await page.goto(app.url);
    await typeInto(".graphiql-query-editor", "{ __typename");
    await run();
    await expect.poll(() => page.locator(".result-window").innerText()).toContain('"Query"');
    await screenshot(page, "graphiql");
    expect(elsewhere).toEqual([]);
    expect(problems).toEqual([]);
  });

  it("sends a header typed in its editor, and keeps it in no storage", async () => {
    // What the page stored before headers were kept out of storage: scrubbed on load.
    const oldTab = { id: "old", query: "{ me { pk } }", headers: JSON.stringify({ a: TOKEN }) };
    const oldState = { activeTabIndex: 0, tabs: [oldTab] };
    await page.addInitScript(`
      localStorage.setItem("graphiql:headers", ${JSON.stringify(JSON.stringify({ Authorization: TOKEN }))});
      localStorage.setItem("graphiql:tabState", ${JSON.stringify(JSON.stringify(oldState))});
    `);
    await page.goto(app.url);
    await typeInto(".graphiql-query-editor", "{ __typename");
    await page.getByRole("button", { name: "Headers" }).click();
    await typeInto(".graphiql-editor-tool", `{"Authorization": "${TOKEN}`);
    const sent = page.waitForRequest((request) => request.method() === "POST");
    await run();
    expect((await sent).headers().authorization).toBe(TOKEN);
    await expect.poll(() => page.locator(".result-window").innerText()).not.toBe("");
    const stored = await page.evaluate<string>(
      "JSON.stringify([{ ...localStorage }, { ...sessionStorage }])",
    );
    expect(stored).toContain("__typename");
    expect(stored).not.toContain("not-a-real-token");
    expect(stored).not.toContain("Authorization");
    expect(problems).toEqual([]);
  });

  it("signs a user in with tokenAuth, as the README's picture shows", async () => {
    const username = "ada";
    const registered = await app.gql(
      `mutation ($u: String!, $e: String!, $p: String!) {
        register(username: $u, email: $e, password1: $p, password2: $p) { success }
      }`,
      { u: username, e: `${username}@example.com`, p: "Correct-Horse-42" },
    );
    expect(registered.body.data?.register).toEqual({ success: true });
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.goto(app.url);
    const operation = [
      "mutation {",
      `  tokenAuth(username: "${username}", password: "Correct-Horse-42") {`,
      "    success",
      "    errors",
      "    user { username verified }",
      "    token",
      "  }",
      "}",
    ].join("\n");
    // Set whole, as a paste would: typed line by line, the editor's completion takes the Enters.
    await page.locator(".graphiql-query-editor .CodeMirror").first().waitFor();
    await page.evaluate(
      `document.querySelector(".graphiql-query-editor .CodeMirror").CodeMirror.setValue(${JSON.stringify(operation)})`,
    );
    await run();
    await expect.poll(() => page.locator(".result-window").innerText()).toContain('"token"');
    expect(await page.locator(".result-window").innerText()).toContain('"success": true');
    await readmeScreenshot(page, "graphiql");
    expect(elsewhere).toEqual([]);
    expect(problems).toEqual([]);
  });

  it("says it could not start when its scripts do not load, instead of Loading…", async () => {
    await context.route("**/graphql/assets/**", (route) => route.abort("internetdisconnected"));
    await page.goto(app.url);
    await expect
      .poll(() => page.getByRole("alert").innerText())
      .toContain("GraphiQL could not start");
    expect(await page.locator("body").innerText()).not.toContain("Loading GraphiQL");
  });
});
