// GET / (issue 15): a small page pointing to /graphql (GraphiQL, when on) and /admin/, under the
// security headers and a Content-Security-Policy that allows its one style block by hash only.
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "../../support/test-app.js";

async function home(app: TestApp) {
  const response = await fetch(app.url.replace(/\/graphql$/, "/"));
  return { response, html: await response.text() };
}

describe("the home page", () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp("sqlite");
  });
  afterAll(async () => {
    await app.close();
  });

  it("points to GraphiQL and the admin", async () => {
    const { response, html } = await home(app);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(html).toContain('<a href="/graphql">GraphiQL</a>');
    expect(html).toContain('<a href="/admin/">Administration</a>');
    expect(html).not.toMatch(/<script/i);
  });

  it("carries the security headers, its policy allowing its own style block only", async () => {
    const { response, html } = await home(app);
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    expect(response.headers.get("x-frame-options")).toBe("DENY");
    const policy = response.headers.get("content-security-policy") ?? "";
    const style = /<style>([^<]*)<\/style>/.exec(html)?.[1] ?? "";
    const hash = createHash("sha256").update(style).digest("base64");
    expect(policy.split("; ")).toEqual([
      "default-src 'none'",
      `style-src 'sha256-${hash}'`,
      "img-src 'self'",
      "frame-ancestors 'none'",
      "base-uri 'none'",
      "form-action 'none'",
    ]);
  });

  it("links an icon the admin serves", async () => {
    const { html } = await home(app);
    expect(html).toContain('<link rel="icon" href="/admin/static/favicon.svg"');
    const icon = await fetch(app.url.replace(/\/graphql$/, "/admin/static/favicon.svg"));
    expect(icon.status).toBe(200);
    expect(icon.headers.get("content-type")).toBe("image/svg+xml");
    expect(await icon.text()).toMatch(/^<svg /);
  });
});

describe("the home page with GraphiQL off", () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp("sqlite", { GRAPHIQL: "false" });
  });
  afterAll(async () => {
    await app.close();
  });

  it("names the GraphQL endpoint without linking to GraphiQL", async () => {
    const { html } = await home(app);
    expect(html).not.toContain('href="/graphql"');
    expect(html).toContain("<code>POST /graphql</code> (GraphiQL is off)");
    expect(html).toContain('<a href="/admin/">Administration</a>');
  });
});
