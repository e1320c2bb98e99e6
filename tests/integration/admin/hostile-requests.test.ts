// Issue 12, item 10: request input that ends up in a response header (the login's `next`, the
// Location of a list's redirect, the flash cookie) never makes the admin answer 500, never sends
// the browser off-site and never carries CR/LF into a header.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSuperuser } from "../../../src/accounts/users.js";
import { AdminClient, type Page } from "../../support/admin-client.js";
import { aVerifiedUser, STRONG_PASSWORD } from "../../support/builders.js";
import { rawRequest } from "../../support/raw-http.js";
import { startTestApp, testDatabases, unique, type TestApp } from "../../support/test-app.js";

const FLASH_COOKIE = "gatehouse_admin_flash";

/** A Location this site may send: a local admin path of printable ASCII (so no CR/LF) only. */
function expectLocalAdminPath(location: string | null): void {
  expect(location).toMatch(/^\/admin\/[\x21-\x7e]*$/);
}

const HOSTILE_NEXTS: [string, string][] = [
  ["/admin/✓", "/admin/%E2%9C%93"],
  ["/admin/users/?q=✓ x", "/admin/users/?q=%E2%9C%93%20x"],
  ["/admin/\r\nSet-Cookie:x=1", "/admin/"],
  ["/admin/\nLocation: https://evil.example/", "/admin/"],
  ["/admin/\u0000", "/admin/"],
  ["/admin/\u0085", "/admin/"],
  // A form cannot carry a lone surrogate: the browser sends U+FFFD instead.
  ["/admin/\ud800", "/admin/%EF%BF%BD"],
  ["//evil.example/admin/", "/admin/"],
  ["https://evil.example/admin/", "/admin/"],
  ["/\\evil.example/admin/", "/admin/"],
  ["\t/admin/", "/admin/"],
];

describe.each(testDatabases())("admin hostile requests (%s)", (database) => {
  let app: TestApp;
  let baseUrl: string;
  let username: string;
  let admin: AdminClient;

  beforeAll(async () => {
    app = await startTestApp(database);
    baseUrl = app.url.replace(/\/graphql$/, "");
    username = unique("root");
    await createSuperuser(app.deps, {
      username,
      email: `${username}@example.com`,
      password: STRONG_PASSWORD,
    });
    admin = new AdminClient(baseUrl);
    await admin.logIn(username, STRONG_PASSWORD);
  });
  afterAll(async () => {
    await app.close();
  });

  /** A GET with the client's cookies and one more cookie as given. */
  async function getWithCookie(client: AdminClient, path: string, cookie: string) {
    const jar = client.cookieHeader();
    const response = await fetch(`${baseUrl}${path}`, {
      headers: { cookie: jar === "" ? cookie : `${jar}; ${cookie}` },
      redirect: "manual",
    });
    return {
      status: response.status,
      html: await response.text(),
      setCookies: response.headers.getSetCookie(),
    };
  }

  describe("the login's next", () => {
    it("answers the login page for a next with non-ASCII characters or CR/LF", async () => {
      const visitor = new AdminClient(baseUrl);
      for (const query of [
        "/admin/%E2%9C%93",
        "/admin/%0D%0ASet-Cookie:x=1",
        "/admin/%C0%AF%FF",
        "%2F%2Fevil.example%2Fadmin%2F",
      ]) {
        const page = await visitor.get(`/admin/login/?next=${query}`);
        expect(page.status, query).toBe(200);
        expect(page.html, query).toContain('name="next"');
        expect(page.html, query).not.toContain("Set-Cookie:x=1");
        expect(page.html, query).not.toContain("evil.example");
      }
    });

    it("sends a signed-in staff member to a local admin path whatever next was posted", async () => {
      for (const [next, expected] of HOSTILE_NEXTS) {
        const client = new AdminClient(baseUrl);
        await client.get("/admin/login/");
        const answer: Page = await client.post("/admin/login/", {
          username,
          password: STRONG_PASSWORD,
          next,
        });
        expect(answer.status, JSON.stringify(next)).toBe(302);
        expect(answer.location, JSON.stringify(next)).toBe(expected);
        expectLocalAdminPath(answer.location);
        expect((await client.get("/admin/")).status).toBe(200);
      }
    });

    it("keeps the login form's refusal when the next posted with wrong credentials is hostile", async () => {
      const client = new AdminClient(baseUrl);
      await client.get("/admin/login/");
      const page = await client.post("/admin/login/", {
        username,
        password: "wrong-password",
        next: "/admin/\r\n✓",
      });
      expect(page.status).toBe(200);
      expect(page.html).toContain("Please enter the correct username and password");
      expect(page.html).toContain('name="next" value="/admin/"');
    });

    it("sends a visitor to the login page with the page they asked for, safely encoded", async () => {
      const visitor = new AdminClient(baseUrl);
      for (const path of ["/admin/users/?q=%E2%9C%93%0D%0A", "/admin/users/?q=%ZZ%0A"]) {
        const page = await visitor.get(path);
        expect(page.status, path).toBe(302);
        expect(page.location, path).toMatch(/^\/admin\/login\/\?next=[\x21-\x7e]*$/);
      }
      const raw = await rawRequest(Number(new URL(baseUrl).port), {
        method: "GET",
        path: "/admin/users/?q=\u00e9",
        headers: [["Host", new URL(baseUrl).host]],
      });
      expect(raw.kind === "answer" ? raw.status : raw.error).not.toBe(500);
    });
  });

  describe("the flash cookie", () => {
    it("ignores and clears a malformed flash cookie", async () => {
      for (const value of ["%E0%A4%A", "%25E0%25A4", "%FF", "%", "%C3%28"]) {
        const page = await getWithCookie(admin, "/admin/", `${FLASH_COOKIE}=${value}`);
        expect(page.status, value).toBe(200);
        expect(page.html, value).toContain("Site administration");
        expect(
          page.setCookies.some((line) => line.startsWith(`${FLASH_COOKIE}=;`)),
          value,
        ).toBe(true);
      }
      const login = await getWithCookie(
        new AdminClient(baseUrl),
        "/admin/login/",
        `${FLASH_COOKIE}=%E0%A4%A`,
      );
      expect(login.status).toBe(200);
    });

    it("still shows a well-formed flash message once", async () => {
      const page = await getWithCookie(
        admin,
        "/admin/",
        `${FLASH_COOKIE}=${encodeURIComponent(encodeURIComponent("Saved ✓ <b>"))}`,
      );
      expect(page.status).toBe(200);
      expect(page.html).toContain("Saved ✓ &lt;b&gt;");
    });
  });

  describe("redirects built from list state", () => {
    it("keeps the user list's redirect local and free of CR/LF whatever the filters hold", async () => {
      const user = await aVerifiedUser(app);
      const found = await admin.get(`/admin/users/?q=${user.username}`);
      const id = /name="_selected_action" value="(\d+)"/.exec(found.html)?.[1] ?? "";
      for (const filters of [
        "q=%E2%9C%93%0D%0ASet-Cookie:x=1",
        "q=\r\nSet-Cookie: x=1&o=\u2713",
        "next=//evil.example/&q=a",
        "%ZZ=%ZZ&is_staff=1\u0000",
      ]) {
        const answer = await admin.post("/admin/users/action/", {
          action: "mark_verified",
          _selected_action: id,
          _changelist_filters: filters,
        });
        expect(answer.status, filters).toBe(302);
        expectLocalAdminPath(answer.location);
        expect(answer.location, filters).toMatch(/^\/admin\/users\//);
        expect((await admin.get(answer.location ?? "")).status, filters).toBe(200);
      }
    });

    it("keeps the refresh token list's redirect local and free of CR/LF whatever its state holds", async () => {
      await admin.get("/admin/refresh-tokens/");
      const answer = await admin.post("/admin/refresh-tokens/action/", {
        action: "revoke_selected",
        q: "\r\nSet-Cookie: x=1 ✓",
        revoked: "\u2713",
      });
      expect(answer.status).toBe(302);
      expectLocalAdminPath(answer.location);
      expect((await admin.get(answer.location ?? "")).status).toBe(200);
    });
  });
});
