// A browser without JavaScript for the admin site's HTTP tests: a cookie jar, the last CSRF field
// seen, and urlencoded form posts (redirects are returned, not followed); and readers of pages.
import { expect } from "vitest";
import type { User } from "../../src/accounts/types.js";
import { createSuperuser } from "../../src/accounts/users.js";
import { STRONG_PASSWORD } from "./builders.js";
import { unique, type TestApp } from "./test-app.js";

export type Fields = Record<string, string | string[]>;

export interface Page {
  status: number;
  html: string;
  location: string | null;
}

/** A browser without JavaScript: a cookie jar, the last CSRF field seen, and form posts. */
export class AdminClient {
  readonly #cookies = new Map<string, string>();
  csrfToken = "";

  constructor(private readonly baseUrl: string) {}

  get(path: string): Promise<Page> {
    return this.#send("GET", path);
  }

  /** Posts a form with the last CSRF field seen, unless `withCsrf` is false. */
  post(path: string, fields: Fields, options: { withCsrf?: boolean } = {}): Promise<Page> {
    const body = new URLSearchParams();
    if (options.withCsrf !== false) body.append("_csrf", this.csrfToken);
    for (const [name, value] of Object.entries(fields)) {
      for (const item of Array.isArray(value) ? value : [value]) body.append(name, item);
    }
    return this.#send("POST", path, body);
  }

  /** The Cookie header this client sends, for requests made outside it. */
  cookieHeader(): string {
    return [...this.#cookies].map(([name, value]) => `${name}=${value}`).join("; ");
  }

  async logIn(username: string, password: string): Promise<void> {
    await this.get("/admin/login/");
    const response = await this.post("/admin/login/", { username, password, next: "/admin/" });
    expect(response.status).toBe(302);
    expect(response.location).toBe("/admin/");
  }

  async #send(method: string, path: string, body?: URLSearchParams): Promise<Page> {
    const headers: Record<string, string> = { cookie: this.cookieHeader() };
    if (body !== undefined) headers["content-type"] = "application/x-www-form-urlencoded";
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers,
      redirect: "manual",
      ...(body === undefined ? {} : { body: body.toString() }),
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair = ""] = line.split(";");
      const at = pair.indexOf("=");
      const [name, value] = [pair.slice(0, at), pair.slice(at + 1)];
      if (value === "" || /expires=Thu, 01 Jan 1970/i.test(line)) this.#cookies.delete(name);
      else this.#cookies.set(name, value);
    }
    const html = await response.text();
    const csrf = /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
    if (csrf !== undefined) this.csrfToken = csrf;
    return { status: response.status, html, location: response.headers.get("location") };
  }
}

/** Usernames in the list's rows, in page order. */
export function listedUsernames(html: string): string[] {
  return [
    ...html.matchAll(/<th scope="row"><a href="\/admin\/users\/\d+\/change\/">([^<]+)<\/a><\/th>/g),
  ].map((match) => match[1] ?? "");
}

/** The id of a user-permission checkbox on a change page, by its label ("Can view user"). */
export function permissionId(changePageHtml: string, label: string): string {
  const match = new RegExp(
    `name="user_permissions" value="(\\d+)"[^>]*>accounts\\.user \\| ${label}<`,
  ).exec(changePageHtml);
  expect(match, label).not.toBeNull();
  return match?.[1] ?? "";
}

/** The user change form's fields as the page would submit them. */
export function userChangeForm(html: string): Fields {
  const value = (name: string) =>
    new RegExp(`name="${name}"[^>]* value="([^"]*)"`).exec(html)?.[1] ?? "";
  const checked = (name: string) =>
    new RegExp(`name="${name}" value="on" checked`).test(html) ? { [name]: "on" } : {};
  const ids = (pattern: RegExp) => [...html.matchAll(pattern)].map((match) => match[1] ?? "");
  return {
    groups: ids(/<option value="(\d+)" selected>/g),
    user_permissions: ids(/name="user_permissions" value="(\d+)" checked/g),
    username: value("username"),
    first_name: value("first_name"),
    last_name: value("last_name"),
    email: value("email"),
    secondary_email: value("secondary_email"),
    ...checked("is_active"),
    ...checked("is_staff"),
    ...checked("is_superuser"),
    ...checked("verified"),
    ...checked("archived"),
  };
}

/** An admin client for `app`, not logged in. */
export function anAdminClient(app: TestApp): AdminClient {
  return new AdminClient(app.url.replace(/\/graphql$/, ""));
}

/** A superuser made through the domain (as createsuperuser does) and a client logged in as them. */
export async function aLoggedInSuperuser(
  app: TestApp,
): Promise<{ user: User; client: AdminClient }> {
  const username = unique("root");
  const user = await createSuperuser(app.deps, {
    username,
    email: `${username}@example.com`,
    password: STRONG_PASSWORD,
  });
  const client = anAdminClient(app);
  await client.logIn(username, STRONG_PASSWORD);
  return { user, client };
}
