// Cookie mode (SPEC §7.2, JWT_COOKIE_AUTH): the token cookies are HttpOnly with the configured
// SameSite, and they authenticate only requests that come from a trusted page — an Origin (or
// Referer) of this server or of CORS_ALLOWED_ORIGINS, or the CSRF token of our pages — so another
// site cannot make a logged-in browser perform a mutation (src/graphql/cookie-credentials.ts);
// the same rule decides whether an answer may set the cookies, so another site cannot sign the
// browser in to an account of its choosing either (login CSRF).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { aVerifiedUser, type RegisteredUser } from "../../support/builders.js";
import {
  ME,
  REFRESH_TOKEN,
  TOKEN_AUTH_USERNAME,
  UPDATE_ACCOUNT,
} from "../../support/operations.js";
import { startTestApp, unique, type TestApp } from "../../support/test-app.js";

const SPA_ORIGIN = "https://spa.example.com";
const EVIL_ORIGIN = "https://evil.example.net";
const REVOKE_BY_COOKIE = "mutation { revokeToken { success errors } }";
const UNAUTHENTICATED = {
  nonFieldErrors: [{ message: "Unauthenticated.", code: "unauthenticated" }],
};

interface Answer {
  status: number;
  setCookies: string[];
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read response shapes freely
  body: { data?: Record<string, any> | null; errors?: { message: string }[] };
}

async function post(
  app: TestApp,
  query: string,
  variables: Record<string, unknown>,
  headers: Record<string, string>,
): Promise<Answer> {
  const response = await fetch(app.url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return {
    status: response.status,
    setCookies: response.headers.getSetCookie(),
    body: (await response.json()) as Answer["body"],
  };
}

/** What a cross-site HTML form sends: form-encoded, no header a page could not set. */
async function postForm(
  app: TestApp,
  query: string,
  variables: Record<string, unknown>,
  headers: Record<string, string>,
): Promise<Answer> {
  const response = await fetch(app.url, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
    body: new URLSearchParams({ query, variables: JSON.stringify(variables) }).toString(),
  });
  return {
    status: response.status,
    setCookies: response.headers.getSetCookie(),
    body: (await response.json()) as Answer["body"],
  };
}

/** The token cookies among an answer's Set-Cookie lines (the CSRF cookie is not one). */
function tokenCookiesOf(answer: Answer): string[] {
  return answer.setCookies.filter((line) => /^JWT(-refresh-token)?=/.test(line));
}

/** Logs in through tokenAuth from the server's own page and returns the cookies it set. */
async function logInWithCookies(app: TestApp, user: RegisteredUser) {
  const answer = await post(
    app,
    TOKEN_AUTH_USERNAME,
    { username: user.username, password: user.password },
    { origin: new URL(app.url).origin },
  );
  expect(answer.body.data?.tokenAuth).toMatchObject({ success: true });
  const pairs = answer.setCookies.map((line) => line.split(";")[0] ?? "");
  return { setCookies: answer.setCookies, cookieHeader: pairs.join("; ") };
}

describe("cookie mode (JWT_COOKIE_AUTH=true)", () => {
  let app: TestApp;
  let ownOrigin: string;
  let user: RegisteredUser;
  let cookieHeader: string;
  let setCookies: string[];
  beforeAll(async () => {
    app = await startTestApp("sqlite", {
      JWT_COOKIE_AUTH: "true",
      CORS_ALLOWED_ORIGINS: SPA_ORIGIN,
    });
    ownOrigin = new URL(app.url).origin;
    user = await aVerifiedUser(app);
    ({ cookieHeader, setCookies } = await logInWithCookies(app, user));
  });
  afterAll(async () => {
    await app.close();
  });

  const me = async (headers: Record<string, string>) =>
    (await post(app, ME, {}, { cookie: cookieHeader, ...headers })).body.data?.me as {
      username: string;
      firstName: string;
    } | null;

  const rename = (firstName: string, headers: Record<string, string>) =>
    post(app, UPDATE_ACCOUNT, { firstName }, { cookie: cookieHeader, ...headers });

  it("sets both token cookies HttpOnly, SameSite=Lax, on path /", () => {
    expect(setCookies).toHaveLength(2);
    for (const name of ["JWT", "JWT-refresh-token"]) {
      const line = setCookies.find((cookie) => cookie.startsWith(`${name}=`));
      expect(line, name).toBeDefined();
      expect(line, name).toMatch(/; HttpOnly(;|$)/);
      expect(line, name).toMatch(/; SameSite=Lax(;|$)/);
      expect(line, name).toMatch(/; Path=\/(;|$)/);
    }
  });

  it("authenticates a same-origin mutation by the cookie", async () => {
    const answer = await rename("Same", { origin: ownOrigin });
    expect(answer.body.data?.updateAccount).toEqual({ success: true, errors: null });
    expect(await me({ origin: ownOrigin })).toMatchObject({ firstName: "Same" });
  });

  it("authenticates by a Referer of this origin when no Origin is sent", async () => {
    expect(await me({ referer: `${ownOrigin}/graphql` })).toMatchObject({
      username: user.username,
    });
  });

  it("authenticates a request from an origin of CORS_ALLOWED_ORIGINS", async () => {
    const answer = await rename("Spa", { origin: SPA_ORIGIN });
    expect(answer.body.data?.updateAccount).toEqual({ success: true, errors: null });
  });

  it("ignores the cookie on a cross-site mutation, which then changes nothing", async () => {
    await rename("Before", { origin: ownOrigin });
    const answer = await rename("Evil", { origin: EVIL_ORIGIN });
    expect(answer.status).toBe(200);
    expect(answer.body.data?.updateAccount).toEqual({ success: false, errors: UNAUTHENTICATED });
    const referred = await rename("Evil", { referer: `${EVIL_ORIGIN}/page` });
    expect(referred.body.data?.updateAccount).toEqual({ success: false, errors: UNAUTHENTICATED });
    expect(await me({ origin: ownOrigin })).toMatchObject({ firstName: "Before" });
  });

  it("ignores the cookie without Origin, Referer or CSRF token, and with Origin null", async () => {
    expect(await me({})).toBeNull();
    expect(await me({ origin: "null" })).toBeNull();
  });

  it("accepts the cookie cross-site only with the CSRF token of our GraphiQL page", async () => {
    const page = await fetch(app.url, { headers: { accept: "text/html" } });
    const token = /"X-CSRFToken": "([^"]+)"/.exec(await page.text())?.[1] ?? "";
    const secret = page.headers.getSetCookie().find((line) => line.startsWith("_csrf="));
    const csrfCookie = secret?.split(";")[0] ?? "";
    expect(token).not.toBe("");
    const withToken = await post(
      app,
      UPDATE_ACCOUNT,
      { firstName: "Token" },
      { origin: EVIL_ORIGIN, cookie: `${cookieHeader}; ${csrfCookie}`, "x-csrftoken": token },
    );
    expect(withToken.body.data?.updateAccount).toEqual({ success: true, errors: null });
    const forged = await post(
      app,
      UPDATE_ACCOUNT,
      { firstName: "Forged" },
      { origin: EVIL_ORIGIN, cookie: `${cookieHeader}; ${csrfCookie}`, "x-csrftoken": "forged" },
    );
    expect(forged.body.data?.updateAccount).toEqual({ success: false, errors: UNAUTHENTICATED });
  });

  it("ignores the refresh-token cookie cross-site: revokeToken cannot log the user out", async () => {
    const answer = await post(
      app,
      REVOKE_BY_COOKIE,
      {},
      {
        origin: EVIL_ORIGIN,
        cookie: cookieHeader,
      },
    );
    expect(answer.body.data?.revokeToken).toMatchObject({ success: false });
    const refreshCookie = cookieHeader
      .split("; ")
      .find((pair) => pair.startsWith("JWT-refresh-token="));
    const refreshToken = refreshCookie?.slice("JWT-refresh-token=".length) ?? "";
    const refreshed = await post(app, REFRESH_TOKEN, { refreshToken }, { origin: ownOrigin });
    expect(refreshed.body.data?.refreshToken).toMatchObject({ success: true });
  });

  it("sets no token cookie when a cross-site form posts tokenAuth (login CSRF)", async () => {
    const attacker = await aVerifiedUser(app, { username: unique("csrf") });
    const credentials = { username: attacker.username, password: attacker.password };
    for (const headers of [
      { origin: EVIL_ORIGIN },
      { referer: `${EVIL_ORIGIN}/page` },
      { origin: "null" },
      {},
    ]) {
      const label = JSON.stringify(headers);
      const answer = await postForm(app, TOKEN_AUTH_USERNAME, credentials, headers);
      expect(answer.status, label).toBe(200);
      expect(answer.body.data?.tokenAuth, label).toMatchObject({ success: true });
      expect(tokenCookiesOf(answer), label).toEqual([]);
    }
  });

  it("sets no token cookie when a cross-site page posts refreshToken with a token of its own", async () => {
    const { refreshToken } = await aVerifiedUser(app, { username: unique("csrf") });
    const answer = await postForm(app, REFRESH_TOKEN, { refreshToken }, { origin: EVIL_ORIGIN });
    expect(answer.body.data?.refreshToken).toMatchObject({ success: true });
    expect(tokenCookiesOf(answer)).toEqual([]);
  });

  it("sets the token cookies on a login from this origin, an allowed one, or with the CSRF token", async () => {
    const page = await fetch(app.url, { headers: { accept: "text/html" } });
    const token = /"X-CSRFToken": "([^"]+)"/.exec(await page.text())?.[1] ?? "";
    const csrfCookie =
      page.headers
        .getSetCookie()
        .find((line) => line.startsWith("_csrf="))
        ?.split(";")[0] ?? "";
    const credentials = { username: user.username, password: user.password };
    for (const headers of [
      { origin: ownOrigin },
      { referer: `${ownOrigin}/app` },
      { origin: SPA_ORIGIN },
      { origin: EVIL_ORIGIN, cookie: csrfCookie, "x-csrftoken": token },
    ]) {
      const answer = await post(app, TOKEN_AUTH_USERNAME, credentials, headers);
      const names = tokenCookiesOf(answer).map((line) => line.split("=")[0]);
      expect(names.sort(), JSON.stringify(headers)).toEqual(["JWT", "JWT-refresh-token"]);
    }
  });

  it("still takes the Authorization header from any origin (no ambient credential)", async () => {
    const other = await aVerifiedUser(app, { username: unique("hdr") });
    const answer = await post(
      app,
      ME,
      {},
      {
        origin: EVIL_ORIGIN,
        authorization: `JWT ${other.token}`,
      },
    );
    expect(answer.body.data?.me).toMatchObject({ username: other.username });
  });
});

describe("cookie mode with JWT_COOKIE_SAMESITE=Strict", () => {
  it("sets the token cookies SameSite=Strict", async () => {
    const app = await startTestApp("sqlite", {
      JWT_COOKIE_AUTH: "true",
      JWT_COOKIE_SAMESITE: "Strict",
    });
    try {
      const user = await aVerifiedUser(app);
      const { setCookies } = await logInWithCookies(app, user);
      expect(setCookies).toHaveLength(2);
      for (const line of setCookies) {
        expect(line).toMatch(/; HttpOnly(;|$)/);
        expect(line).toMatch(/; SameSite=Strict(;|$)/);
      }
    } finally {
      await app.close();
    }
  });
});
