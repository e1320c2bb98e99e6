// GraphQL over HTTP as SPEC §3.1 describes the reference's view: methods, body types, status
// codes and messages, GraphiQL, the body limit, and masking of unexpected failures.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { aRegisteredUser } from "../../support/builders.js";
import { startTestApp, type TestApp } from "../../support/test-app.js";

const ME_QUERY = "{ me { username } }";

async function send(
  url: string,
  init: RequestInit,
): Promise<{ status: number; contentType: string; text: string }> {
  const response = await fetch(url, init);
  return {
    status: response.status,
    contentType: response.headers.get("content-type") ?? "",
    text: await response.text(),
  };
}

function getUrl(app: TestApp, params: Record<string, string>, path = app.url): string {
  return `${path}?${new URLSearchParams(params).toString()}`;
}

function postJson(
  app: TestApp,
  body: string | Uint8Array,
): Promise<{ status: number; contentType: string; text: string }> {
  return send(app.url, { method: "POST", headers: { "content-type": "application/json" }, body });
}

describe("GraphQL over HTTP", () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp("sqlite", { USER_QUERY_ACCESS: "public" });
  });
  afterAll(async () => {
    await app.close();
  });

  it("runs a query sent by GET in the query string", async () => {
    const user = await aRegisteredUser(app);
    const response = await send(
      getUrl(app, {
        query: "query ($name: String) { users(username: $name) { edges { node { username } } } }",
        variables: JSON.stringify({ name: user.username }),
      }),
      { method: "GET" },
    );
    expect(response.status).toBe(200);
    expect(JSON.parse(response.text)).toEqual({
      data: { users: { edges: [{ node: { username: user.username } }] } },
    });
  });

  it("refuses a mutation sent by GET with 405", async () => {
    const response = await send(
      getUrl(app, { query: 'mutation { verifyAccount(token: "x") { success } }' }),
      { method: "GET" },
    );
    expect(response.status).toBe(405);
    expect(response.text).toBe(
      '{"errors":[{"message":"Can only perform a mutation operation from a POST request."}]}',
    );
  });

  it("refuses methods other than GET and POST with 405", async () => {
    for (const method of ["PUT", "PATCH", "DELETE"]) {
      const response = await send(app.url, {
        method,
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query: ME_QUERY }),
      });
      expect(response.status, method).toBe(405);
      expect(response.text, method).toBe(
        '{"errors":[{"message":"GraphQL only supports GET and POST requests."}]}',
      );
    }
  });

  it("answers 400 to a body that is not JSON", async () => {
    const response = await postJson(app, "{ this is not json");
    expect(response.status).toBe(400);
    expect(JSON.parse(response.text)).toEqual({
      errors: [{ message: "POST body sent invalid JSON." }],
    });
  });

  it("answers 400 when no query is given", async () => {
    for (const body of ["{}", JSON.stringify({ query: "" }), JSON.stringify({ variables: {} })]) {
      const response = await postJson(app, body);
      expect(response.status, body).toBe(400);
      expect(JSON.parse(response.text), body).toEqual({
        errors: [{ message: "Must provide query string." }],
      });
    }
    const get = await send(app.url, { method: "GET" });
    expect(get.status).toBe(400);
    expect(JSON.parse(get.text)).toEqual({ errors: [{ message: "Must provide query string." }] });
  });

  it("answers 400 when variables are not a JSON object", async () => {
    const response = await send(getUrl(app, { query: ME_QUERY, variables: "{nope" }), {
      method: "GET",
    });
    expect(response.status).toBe(400);
    expect(JSON.parse(response.text)).toEqual({
      errors: [{ message: "Variables are invalid JSON." }],
    });
  });

  it("reads an application/graphql body as the query", async () => {
    const response = await send(app.url, {
      method: "POST",
      headers: { "content-type": "application/graphql" },
      body: ME_QUERY,
    });
    expect(response.status).toBe(200);
    expect(JSON.parse(response.text)).toEqual({ data: { me: null } });
  });

  it("reads a form-encoded body", async () => {
    const body = new URLSearchParams({
      query: "query ($n: String) { users(username: $n) { edges { cursor } } }",
      variables: '{"n": "nobody-here"}',
    });
    const response = await send(app.url, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: body.toString(),
    });
    expect(response.status).toBe(200);
    expect(JSON.parse(response.text)).toEqual({ data: { users: { edges: [] } } });
  });

  it("serves /graphql/ with a trailing slash too", async () => {
    const response = await send(`${app.url}/`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: ME_QUERY }),
    });
    expect(response.status).toBe(200);
    expect(JSON.parse(response.text)).toEqual({ data: { me: null } });
  });

  it("runs the operation named by operationName", async () => {
    const query = "query A { me { username } } query B { __typename }";
    const response = await postJson(app, JSON.stringify({ query, operationName: "B" }));
    expect(JSON.parse(response.text)).toEqual({ data: { __typename: "Query" } });
  });

  it("answers 400 with errors and no data to a syntax error", async () => {
    const response = await postJson(app, JSON.stringify({ query: "{ me { username " }));
    expect(response.status).toBe(400);
    const body = JSON.parse(response.text) as Record<string, unknown>;
    expect(body).not.toHaveProperty("data");
    expect(body.errors).toEqual([
      expect.objectContaining({ message: expect.stringContaining("Syntax Error") as unknown }),
    ]);
  });

  it("answers 400 with errors and no data when a required argument is missing", async () => {
    const response = await postJson(app, JSON.stringify({ query: "{ user { username } }" }));
    expect(response.status).toBe(400);
    const body = JSON.parse(response.text) as { errors: { message: string }[] };
    expect(body).not.toHaveProperty("data");
    expect(body.errors[0]?.message).toBe(
      'Field "user" argument "id" of type "ID!" is required, but it was not provided.',
    );
  });

  it("answers 400 with errors and no data when a variable has the wrong type", async () => {
    const query = "query ($first: Int) { users(first: $first) { edges { cursor } } }";
    const response = await postJson(app, JSON.stringify({ query, variables: { first: "many" } }));
    expect(response.status).toBe(400);
    const body = JSON.parse(response.text) as { errors: { message: string }[] };
    expect(body).not.toHaveProperty("data");
    expect(body.errors[0]?.message).toContain('Variable "$first"');
  });

  it("answers 413 to a body over the limit and keeps serving", async () => {
    const padding = "x".repeat(app.config.http.bodyLimitBytes + 1);
    const response = await postJson(
      app,
      JSON.stringify({ query: ME_QUERY, variables: { padding } }),
    );
    expect(response.status).toBe(413);
    expect(JSON.parse(response.text)).toEqual({
      errors: [{ message: expect.any(String) as unknown }],
    });
    const after = await postJson(app, JSON.stringify({ query: ME_QUERY }));
    expect(after.status).toBe(200);
  });

  it("answers invalid UTF-8 inside a JSON string without a server error", async () => {
    const prefix = Buffer.from(
      '{"query":"query ($n: String) { users(username: $n) { edges { cursor } } }","variables":{"n":"a',
      "utf8",
    );
    const body = Buffer.concat([
      prefix,
      Buffer.from([0xff, 0xfe, 0xc3]),
      Buffer.from('b"}}', "utf8"),
    ]);
    const response = await postJson(app, new Uint8Array(body));
    expect(response.status).toBe(200);
    expect(JSON.parse(response.text)).toEqual({ data: { users: { edges: [] } } });
  });

  it("serves GraphiQL with the header editor to a browser", async () => {
    const response = await send(app.url, {
      method: "GET",
      headers: { accept: "text/html,application/xhtml+xml" },
    });
    expect(response.status).toBe(200);
    expect(response.contentType).toContain("text/html");
    expect(response.text).toContain("GraphiQL");
    expect(response.text).toContain("isHeadersEditorEnabled: true");
  });

  it("answers JSON to a browser GET with the raw parameter", async () => {
    const response = await send(getUrl(app, { query: ME_QUERY, raw: "" }), {
      method: "GET",
      headers: { accept: "text/html" },
    });
    expect(response.contentType).toContain("application/json");
    expect(JSON.parse(response.text)).toEqual({ data: { me: null } });
  });

  it("answers the health check", async () => {
    const response = await send(app.url.replace(/\/graphql$/, "/healthz"), { method: "GET" });
    expect(response.status).toBe(200);
    expect(JSON.parse(response.text)).toEqual({ status: "ok" });
  });
});

describe("unexpected failures", () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp("sqlite", { USER_QUERY_ACCESS: "public" });
  });
  afterAll(async () => {
    await app.close();
  });

  it("answers Internal server error without internals when the database is gone", async () => {
    await app.deps.db.destroy();
    const response = await postJson(
      app,
      JSON.stringify({ query: "{ users { edges { node { username email } } } }" }),
    );
    expect(response.status).toBe(200);
    expect(JSON.parse(response.text)).toEqual({
      data: { users: null },
      errors: [
        { message: "Internal server error", locations: [{ line: 1, column: 3 }], path: ["users"] },
      ],
    });
    // Readiness needs the database; liveness (/healthz) only the process.
    const readiness = await send(app.url.replace(/\/graphql$/, "/readyz"), { method: "GET" });
    expect(readiness.status).toBe(500);
    expect(JSON.parse(readiness.text)).toEqual({ errors: [{ message: "Internal server error" }] });
    const liveness = await send(app.url.replace(/\/graphql$/, "/healthz"), { method: "GET" });
    expect(liveness.status).toBe(200);
  });
});
