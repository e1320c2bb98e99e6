// Node's and Fastify's limits on the connection (src/http/server.ts): oversized bodies get 413 and
// oversized headers 431, both in the API's JSON error shape, and the server keeps serving; a 413
// reaches a client still uploading, since the rest of its body is read before the connection
// closes, within bounds (src/http/oversized-bodies.ts); the timeouts of the settings reach the
// server.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DRAIN_MAX_BYTES, DRAIN_MAX_MS } from "../../../src/http/oversized-bodies.js";
import { rawTrickle, rawUpload } from "../../support/raw-http.js";
import { startTestApp, type TestApp } from "../../support/test-app.js";

const ME_QUERY = JSON.stringify({ query: "{ me { username } }" });
const STREAMED_BODY_BYTES = 5 * 1024 * 1024;
const STREAM_CHUNK_BYTES = 64 * 1024;

/**
 * A POST of bodyBytes in STREAM_CHUNK_BYTES pieces, framed by Content-Length or as chunked, for
 * rawUpload to write without waiting for the server to read them.
 */
function streamedPost(
  path: string,
  contentType: string,
  framing: "content-length" | "chunked",
  bodyBytes = STREAMED_BODY_BYTES,
): Buffer[] {
  const head = [
    `POST ${path} HTTP/1.1`,
    "Host: 127.0.0.1",
    `Content-Type: ${contentType}`,
    framing === "chunked" ? "Transfer-Encoding: chunked" : `Content-Length: ${bodyBytes}`,
    "Connection: close",
    "",
    "",
  ].join("\r\n");
  const piece = Buffer.alloc(STREAM_CHUNK_BYTES, "x");
  const chunkHeader = Buffer.from(`${STREAM_CHUNK_BYTES.toString(16)}\r\n`, "latin1");
  const crlf = Buffer.from("\r\n", "latin1");
  const chunks = [Buffer.from(head, "latin1")];
  for (let sent = 0; sent < bodyBytes; sent += STREAM_CHUNK_BYTES) {
    chunks.push(framing === "chunked" ? Buffer.concat([chunkHeader, piece, crlf]) : piece);
  }
  if (framing === "chunked") chunks.push(Buffer.from("0\r\n\r\n", "latin1"));
  return chunks;
}

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

  it("answers 413 to each of 20 uploads of 5 MB read only once written, by length or chunked", async () => {
    const port = Number(new URL(app.url).port);
    const cases = [
      ["/graphql", "application/json", "content-length"],
      ["/graphql", "application/json", "chunked"],
      ["/admin/login/", "application/x-www-form-urlencoded", "content-length"],
    ] as const;
    for (const [path, contentType, framing] of cases) {
      const label = `${path} ${framing}`;
      const statuses: (number | string)[] = [];
      for (let attempt = 0; attempt < 20; attempt += 1) {
        const response = await rawUpload(port, streamedPost(path, contentType, framing));
        statuses.push(response.kind === "answer" ? response.status : response.error);
        if (response.kind === "answer") expect(response.headers.connection, label).toBe("close");
      }
      expect(statuses, label).toEqual(Array.from({ length: 20 }, () => 413));
    }
    const last = await rawUpload(port, streamedPost("/graphql", "application/json", "chunked"));
    expect(last.kind === "answer" && JSON.parse(last.body.toString("utf8"))).toEqual({
      errors: [{ message: "Request body is too large." }],
    });
    expect((await postMe(app)).status).toBe(200);
  });

  it("stops reading the rest of an oversized body after DRAIN_MAX_BYTES, and closes", async () => {
    const port = Number(new URL(app.url).port);
    const endless = streamedPost("/graphql", "application/json", "chunked", 4 * DRAIN_MAX_BYTES);
    const response = await rawUpload(port, endless);
    // The client's writes fail once the server stops reading: the answer is lost, by design.
    expect(response).toMatchObject({ kind: "closed" });
    expect((await postMe(app)).status).toBe(200);
  });

  it("closes the connection DRAIN_MAX_MS after the 413 however slowly the body goes on", async () => {
    const port = Number(new URL(app.url).port);
    const [head = Buffer.alloc(0), ...body] = streamedPost(
      "/graphql",
      "application/json",
      "content-length",
    );
    const { response, closedAfterAnswerMs } = await rawTrickle(
      port,
      Buffer.concat([head, ...body.slice(0, 4)]),
      200,
      4 * DRAIN_MAX_MS,
    );
    expect(response).toMatchObject({ kind: "answer", status: 413 });
    expect(closedAfterAnswerMs).toBeGreaterThanOrEqual(DRAIN_MAX_MS - 100);
    expect(closedAfterAnswerMs).toBeLessThan(2 * DRAIN_MAX_MS);
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
