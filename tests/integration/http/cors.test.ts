import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "../../support/test-app.js";

describe("CORS (SPEC §3.1: an explicit allow-list)", () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp("sqlite", { CORS_ALLOWED_ORIGINS: "https://app.example.com" });
  });
  afterAll(async () => {
    await app.close();
  });

  const preflight = (origin: string) =>
    fetch(app.url, {
      method: "OPTIONS",
      headers: {
        origin,
        "access-control-request-method": "POST",
        "access-control-request-headers": "authorization,content-type",
      },
    });

  it("answers a preflight from an allowed origin with that origin and credentials", async () => {
    const response = await preflight("https://app.example.com");
    expect(response.status).toBe(204);
    expect(response.headers.get("access-control-allow-origin")).toBe("https://app.example.com");
    expect(response.headers.get("access-control-allow-credentials")).toBe("true");
    expect(response.headers.get("access-control-allow-headers")).toContain("Authorization");
  });

  it("answers a request from an allowed origin with that origin and credentials", async () => {
    const response = await fetch(app.url, {
      method: "POST",
      headers: { origin: "https://app.example.com", "content-type": "application/json" },
      body: JSON.stringify({ query: "{ me { username } }" }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("access-control-allow-origin")).toBe("https://app.example.com");
    expect(response.headers.get("access-control-allow-credentials")).toBe("true");
    expect(response.headers.get("vary")).toContain("Origin");
  });

  it("grants nothing to an origin that is not listed", async () => {
    const response = await preflight("https://evil.example.com");
    expect(response.headers.get("access-control-allow-origin")).toBeNull();
    const post = await fetch(app.url, {
      method: "POST",
      headers: { origin: "https://evil.example.com", "content-type": "application/json" },
      body: JSON.stringify({ query: "{ me { username } }" }),
    });
    expect(post.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("sends no CORS headers by default (same origin only)", async () => {
    const plain = await startTestApp("sqlite");
    try {
      const response = await fetch(plain.url, {
        method: "POST",
        headers: { origin: "https://app.example.com", "content-type": "application/json" },
        body: JSON.stringify({ query: "{ me { username } }" }),
      });
      expect(response.status).toBe(200);
      expect(response.headers.get("access-control-allow-origin")).toBeNull();
    } finally {
      await plain.close();
    }
  });
});
