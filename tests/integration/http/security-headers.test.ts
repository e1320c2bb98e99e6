// Security headers on every response (src/http/security-headers.ts): the fixed ones everywhere, a
// Content-Security-Policy fitted to each kind of answer, and HSTS only on https in production.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "../../support/test-app.js";

const STRICT_CSP =
  "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

function expectBaseline(response: Response, label: string): void {
  expect(response.headers.get("x-content-type-options"), label).toBe("nosniff");
  expect(response.headers.get("x-frame-options"), label).toBe("DENY");
  expect(response.headers.get("referrer-policy"), label).toBe("same-origin");
  expect(response.headers.get("cross-origin-opener-policy"), label).toBe("same-origin");
  expect(response.headers.get("cross-origin-resource-policy"), label).toBe("same-origin");
  expect(response.headers.get("content-security-policy"), label).toContain(
    "frame-ancestors 'none'",
  );
  expect(response.headers.get("strict-transport-security"), label).toBeNull();
}

describe("security headers", () => {
  let app: TestApp;
  let base: string;
  beforeAll(async () => {
    app = await startTestApp("sqlite", { BODY_LIMIT_BYTES: "2048" });
    base = app.url.replace(/\/graphql$/, "");
  });
  afterAll(async () => {
    await app.close();
  });

  it("are on GraphQL answers, errors, the health check and 404s, with the strict CSP", async () => {
    const json = { "content-type": "application/json" };
    const answers: [string, Promise<Response>][] = [
      [
        "query",
        fetch(app.url, { method: "POST", headers: json, body: '{"query":"{ me { pk } }"}' }),
      ],
      ["syntax error", fetch(app.url, { method: "POST", headers: json, body: '{"query":"{"}' })],
      ["bad JSON", fetch(app.url, { method: "POST", headers: json, body: "{" })],
      ["method", fetch(app.url, { method: "DELETE" })],
      ["body too large", fetch(app.url, { method: "POST", headers: json, body: "x".repeat(4096) })],
      ["healthz", fetch(`${base}/healthz`)],
      ["not found", fetch(`${base}/nowhere`)],
    ];
    for (const [label, pending] of answers) {
      const response = await pending;
      expectBaseline(response, label);
      expect(response.headers.get("content-security-policy"), label).toBe(STRICT_CSP);
    }
  });

  it("give the admin pages a policy without scripts, forms posting only here", async () => {
    for (const path of ["/admin/login/", "/admin/nowhere/", "/admin/static/admin.css"]) {
      const response = await fetch(`${base}${path}`);
      expectBaseline(response, path);
      const policy = response.headers.get("content-security-policy") ?? "";
      expect(policy, path).toContain("default-src 'none'");
      expect(policy, path).toContain("style-src 'self' 'unsafe-inline'");
      expect(policy, path).toContain("form-action 'self'");
      expect(policy, path).not.toContain("script-src");
    }
  });

  it("give GraphiQL a nonce that every script of the page carries, and nothing else runs", async () => {
    const response = await fetch(app.url, { headers: { accept: "text/html" } });
    expectBaseline(response, "GraphiQL");
    const policy = response.headers.get("content-security-policy") ?? "";
    const nonce = /script-src 'nonce-([A-Za-z0-9+/=]+)'(;|$)/.exec(policy)?.[1];
    expect(nonce).toBeDefined();
    expect(policy).toContain("connect-src 'self'");
    const html = await response.text();
    const scripts = html.match(/<script\b[^>]*>/g) ?? [];
    expect(scripts).toHaveLength(4);
    for (const tag of scripts) expect(tag).toContain(`nonce="${nonce ?? ""}"`);
    // A fresh nonce for each page.
    const again = await fetch(app.url, { headers: { accept: "text/html" } });
    expect(again.headers.get("content-security-policy")).not.toBe(policy);
  });
});

describe("Strict-Transport-Security", () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp("sqlite", { SECURE_HSTS_SECONDS: "600", TRUST_PROXY: "true" });
  });
  afterAll(async () => {
    await app.close();
  });

  it("is sent on requests that arrived over https", async () => {
    const response = await fetch(app.url.replace(/\/graphql$/, "/healthz"), {
      headers: { "x-forwarded-proto": "https" },
    });
    expect(response.headers.get("strict-transport-security")).toBe("max-age=600");
  });

  it("is never sent over plain http (RFC 6797 §7.2)", async () => {
    const response = await fetch(app.url.replace(/\/graphql$/, "/healthz"));
    expect(response.headers.get("strict-transport-security")).toBeNull();
  });

  it("is off by default outside production", async () => {
    const plain = await startTestApp("sqlite", { TRUST_PROXY: "true" });
    try {
      const response = await fetch(plain.url.replace(/\/graphql$/, "/healthz"), {
        headers: { "x-forwarded-proto": "https" },
      });
      expect(response.headers.get("strict-transport-security")).toBeNull();
    } finally {
      await plain.close();
    }
  });
});
