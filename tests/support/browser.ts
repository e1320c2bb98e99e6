// Real headless Chromium (Debian's package) driven by playwright-core, for the admin site.
// Screenshots of the main pages go to test-results/screenshots/ as artifacts to look at.
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, beforeEach } from "vitest";
import { createSuperuser } from "../../src/accounts/users.js";
import { startTestApp, type TestApp } from "./test-app.js";

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const SCREENSHOT_DIR = join(process.cwd(), "test-results", "screenshots");

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM_PATH}: apt-get install -y chromium (or set CHROMIUM_PATH)`,
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    // Root in a closed network: no sandbox, and none of Chromium's background connections.
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
}

/** The README's pictures: docs/screenshots/, rewritten only when UPDATE_SCREENSHOTS=1. */
export const README_SCREENSHOT_DIR = join(process.cwd(), "docs", "screenshots");

/**
 * A screenshot the README shows: always kept with the test results; written to
 * docs/screenshots/ too when the run is asked to bring them up to date (UPDATE_SCREENSHOTS=1),
 * so ordinary runs leave the committed pictures alone. The viewport, not the full page.
 */
export async function readmeScreenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`) });
  if (process.env.UPDATE_SCREENSHOTS !== "1") return;
  mkdirSync(README_SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: join(README_SCREENSHOT_DIR, `${name}.png`) });
}

/** Logs into the admin through the real form. */
export async function adminLogIn(
  page: Page,
  baseUrl: string,
  username: string,
  password: string,
): Promise<void> {
  await page.goto(`${baseUrl}/admin/login/`);
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Log in" }).click();
}

export interface AdminBrowser {
  readonly app: TestApp;
  readonly baseUrl: string;
  readonly context: BrowserContext;
  readonly page: Page;
}

/**
 * Registers the hooks of an admin browser suite: one SQLite app with a superuser and one Chromium
 * per file, and a fresh context and page per test (so no cookie leaks from one test to the next).
 * Call it inside `describe`; read the getters inside a test, once the hooks have run.
 */
export function useAdminBrowser(
  superuser: { username: string; password: string },
  options: { loggedIn?: boolean } = {},
): AdminBrowser {
  let app: TestApp | undefined;
  let browser: Browser | undefined;
  let context: BrowserContext | undefined;
  let page: Page | undefined;
  const ready = <T>(value: T | undefined, name: string): T => {
    if (value === undefined)
      throw new Error(`useAdminBrowser: ${name} is read before its hook ran`);
    return value;
  };
  const baseUrl = (): string => ready(app, "app").url.replace(/\/graphql$/, "");

  beforeAll(async () => {
    app = await startTestApp("sqlite");
    await createSuperuser(app.deps, { ...superuser, email: `${superuser.username}@example.com` });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });
  beforeEach(async () => {
    context = await ready(browser, "browser").newContext();
    page = await context.newPage();
    if (options.loggedIn === true)
      await adminLogIn(page, baseUrl(), superuser.username, superuser.password);
  });
  afterEach(async () => {
    await context?.close();
  });

  return {
    get app() {
      return ready(app, "app");
    },
    get baseUrl() {
      return baseUrl();
    },
    get context() {
      return ready(context, "context");
    },
    get page() {
      return ready(page, "page");
    },
  };
}
