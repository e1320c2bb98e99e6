// Node's and Fastify's limits on the connection (src/http/server.ts): oversized bodies get 413 and
// oversized headers 431, both in the API's JSON error shape, and the server keeps serving; the
// timeouts of the settings reach the server.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "../../support/test-app.js";

const ME_QUERY = JSON.stringify({ query: "{ me { username } }" });

function postMe(app: TestApp, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(app.url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: ME_QUERY,
  });
}

describe("request size limits", () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp("sqlite", { BODY_LIMIT_BYTES: "2048", HEADER_LIMIT_BYTES: "4096" });
  });
  afterAll(async () => {
    await app.close();
  });

  it("answers 413 with a JSON error to a GraphQL body over BODY_LIMIT_BYTES, then serves on", async () => {
    const response = await fetch(app.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: "{ me { username } }", variables: { pad: "x".repeat(4096) } }),
    });
    expect(response.status).toBe(413);
    expect(response.headers.get("content-type")).toContain("application/json");
    expect(await response.json()).toEqual({ errors: [{ message: "Request body is too large." }] });
    expect((await postMe(app)).status).toBe(200);
  });

  it("answers 413 to an admin form over the limit, then serves on", async () => {
    const base = app.url.replace(/\/graphql$/, "");
    const response = await fetch(`${base}/admin/login/`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: `username=${"x".repeat(4096)}&password=y`,
      redirect: "manual",
    });
    expect(response.status).toBe(413);
    expect((await fetch(`${base}/admin/login/`)).status).toBe(200);
  });

  it("answers 431 with a JSON error to headers over HEADER_LIMIT_BYTES, then serves on", async () => {
    const response = await postMe(app, { "x-padding": "x".repeat(5000) });
    expect(response.status).toBe(431);
    expect(response.headers.get("content-type")).toContain("application/json");
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    expect(await response.json()).toEqual({
      errors: [{ message: "Request header fields are too large." }],
    });
    const after = await postMe(app, { "x-padding": "x".repeat(1000) });
    expect(after.status).toBe(200);
    expect(await after.json()).toEqual({ data: { me: null } });
  });

  it("counts cookies in the header limit", async () => {
    const response = await postMe(app, { cookie: `JWT=${"x".repeat(5000)}` });
    expect(response.status).toBe(431);
    expect((await postMe(app)).status).toBe(200);
  });
});

describe("server timeouts", () => {
  it("applies the defaults: 30 s per request, 60 s idle, 72 s keep-alive", async () => {
    const app = await startTestApp("sqlite");
    try {
      const server = app.app.server;
      expect(server.requestTimeout).toBe(30_000);
      expect(server.headersTimeout).toBe(30_000);
      expect(server.timeout).toBe(60_000);
      expect(server.keepAliveTimeout).toBe(72_000);
    } finally {
      await app.close();
    }
  });

  it("applies REQUEST_TIMEOUT, CONNECTION_TIMEOUT and KEEP_ALIVE_TIMEOUT", async () => {
    const app = await startTestApp("sqlite", {
      REQUEST_TIMEOUT: "10s",
      CONNECTION_TIMEOUT: "2m",
      KEEP_ALIVE_TIMEOUT: "5",
    });
    try {
      const server = app.app.server;
      expect(server.requestTimeout).toBe(10_000);
      expect(server.headersTimeout).toBe(10_000);
      expect(server.timeout).toBe(120_000);
      expect(server.keepAliveTimeout).toBe(5_000);
    } finally {
      await app.close();
    }
  });
});
