// Traces as a collector receives them (issue 19): one trace per request, nested request →
// GraphQL operation → account rule → database queries and mail, on both databases; an incoming
// traceparent continued; nothing of the user's (password, token, address) in any attribute.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { aVerifiedUser, logIn, STRONG_PASSWORD } from "../../support/builders.js";
import { REGISTER } from "../../support/operations.js";
import {
  startOtlpReceiver,
  type OtlpReceiver,
  type ReceivedSpan,
} from "../../support/otlp-receiver.js";
import { startTestApp, testDatabases, unique, type TestApp } from "../../support/test-app.js";

const SERVER = 2;
const CLIENT = 3;
const ERROR = 2;

function spansOfTrace(receiver: OtlpReceiver, traceId: string): ReceivedSpan[] {
  return receiver.spans.filter((span) => span.traceId === traceId);
}

/** The one span named `name`; fails when there is none or several. */
function only(spans: ReceivedSpan[], name: string | RegExp): ReceivedSpan {
  const found = spans.filter((span) =>
    typeof name === "string" ? span.name === name : name.test(span.name),
  );
  expect(found.map((span) => span.name)).toHaveLength(1);
  return found[0]!;
}

function childrenOf(spans: ReceivedSpan[], parent: ReceivedSpan): ReceivedSpan[] {
  return spans.filter((span) => span.parentSpanId === parent.spanId);
}

/** Every attribute value of every span, as one text to search for secrets. */
function attributeText(spans: ReceivedSpan[]): string {
  return JSON.stringify(spans.map((span) => [span.name, span.attributes]));
}

describe.each(testDatabases())("traces on %s", (database) => {
  let receiver: OtlpReceiver;
  let app: TestApp;
  const system = database === "sqlite" ? "sqlite" : "postgresql";

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    app = await startTestApp(database, { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint });
  });

  afterAll(async () => {
    await app.close();
    await receiver.close();
  });

  beforeEach(async () => {
    await app.deps.tracing.flush();
    receiver.spans.length = 0;
  });

  /** The spans of the one request traced since the test began. */
  async function theRequestTrace(): Promise<{ spans: ReceivedSpan[]; request: ReceivedSpan }> {
    await app.deps.tracing.flush();
    const request = only(receiver.spans, "POST /graphql");
    return { spans: spansOfTrace(receiver, request.traceId), request };
  }

  it("nests register's database queries and its mail under the rule and the operation", async () => {
    const username = unique("traced");
    const email = `${username}@example.com`;
    const response = await app.gql(REGISTER, {
      email,
      username,
      password1: STRONG_PASSWORD,
      password2: STRONG_PASSWORD,
    });
    expect(response.body.data?.register).toMatchObject({ success: true });
    const activationToken = await app.mailToken(email);
    const { spans, request } = await theRequestTrace();

    expect(request).toMatchObject({ kind: SERVER, parentSpanId: undefined });
    expect(request.attributes).toMatchObject({
      "http.request.method": "POST",
      "http.route": "/graphql",
      "url.path": "/graphql",
      "http.response.status_code": 200,
    });
    expect(request.resource["service.name"]).toBe("gatehouse");

    const operation = only(spans, "mutation register");
    expect(operation.parentSpanId).toBe(request.spanId);
    expect(operation.attributes).toEqual({ "graphql.operation.type": "mutation" });

    const rule = only(spans, "rule register");
    expect(rule.parentSpanId).toBe(operation.spanId);

    const queries = childrenOf(spans, rule).filter((span) => span.name.startsWith("db "));
    expect(queries.map((span) => span.name)).toEqual(
      expect.arrayContaining(["db SELECT", "db INSERT"]),
    );
    for (const query of queries) {
      expect(query.kind).toBe(CLIENT);
      expect(query.attributes["db.system"]).toBe(system);
      expect(query.attributes["db.operation.name"]).toBe(query.name.slice(3));
    }
    expect(
      queries.some((query) =>
        /insert into "?users"?/i.test(String(query.attributes["db.query.text"])),
      ),
    ).toBe(true);

    const mail = only(spans, "mail send");
    expect(mail.parentSpanId).toBe(rule.spanId);
    expect(mail.attributes).toEqual({
      "gatehouse.mail.transport": "smtp",
      "gatehouse.mail.recipients": 1,
    });

    const token = response.body.data?.register as {
      token: string | null;
      refreshToken: string | null;
    };
    const text = attributeText(spans);
    for (const secret of [
      STRONG_PASSWORD,
      email,
      username,
      activationToken,
      token.token,
      token.refreshToken,
    ]) {
      if (secret !== null) expect(text).not.toContain(secret);
    }
  });

  it("traces tokenAuth without its password or the tokens it returns", async () => {
    const user = await aVerifiedUser(app);
    await app.deps.tracing.flush();
    receiver.spans.length = 0;
    const tokens = await logIn(app, user);
    const { spans } = await theRequestTrace();
    const operation = only(spans, "mutation tokenAuth");
    const rule = only(spans, "rule tokenAuth");
    expect(rule.parentSpanId).toBe(operation.spanId);
    expect(childrenOf(spans, rule).some((span) => span.name === "db SELECT")).toBe(true);
    expect(spans.every((span) => span.statusCode !== ERROR)).toBe(true);
    const text = attributeText(spans);
    for (const secret of [
      user.password,
      user.email,
      user.username,
      tokens.token,
      tokens.refreshToken,
    ]) {
      expect(text).not.toContain(secret);
    }
  });

  it("continues the trace an incoming traceparent names", async () => {
    const traceId = randomBytes(16).toString("hex");
    const callerSpanId = randomBytes(8).toString("hex");
    const response = await app.gql("query Me { me { username } }", undefined, {
      headers: { traceparent: `00-${traceId}-${callerSpanId}-01` },
    });
    expect(response.status).toBe(200);
    const { spans, request } = await theRequestTrace();
    expect(request.traceId).toBe(traceId);
    expect(request.parentSpanId).toBe(callerSpanId);
    const operation = only(spans, "query Me");
    expect(operation.attributes).toEqual({
      "graphql.operation.type": "query",
      "graphql.operation.name": "Me",
    });
    expect(only(spans, "rule me").parentSpanId).toBe(operation.spanId);
  });

  it("starts a new trace when the traceparent is malformed, and still answers", async () => {
    const response = await app.gql("{ me { username } }", undefined, {
      headers: { traceparent: "00-not-a-trace-id'; drop table users; --01" },
    });
    expect(response.status).toBe(200);
    const { request } = await theRequestTrace();
    expect(request.parentSpanId).toBeUndefined();
    expect(request.traceId).toMatch(/^[0-9a-f]{32}$/);
  });

  it("marks a refused operation ERROR, without the document or its variables", async () => {
    const secret = `s3cret-${unique()}`;
    const response = await app.gql(
      `mutation { tokenAuth(username: "${secret}", password: "${secret}") { nosuchfield } }`,
    );
    expect(response.status).toBe(400);
    const { spans, request } = await theRequestTrace();
    expect(request.attributes["http.response.status_code"]).toBe(400);
    const operation = only(spans, "graphql");
    expect(operation.statusCode).toBe(ERROR);
    expect(operation.attributes["error.type"]).toBe("MER_ERR_GQL_VALIDATION");
    expect(attributeText(spans)).not.toContain(secret);
  });

  it("leaves the query string out of a GET request's span", async () => {
    const password = `pw-${unique()}`;
    const query = encodeURIComponent("{ me { username } }");
    const variables = encodeURIComponent(JSON.stringify({ p: password }));
    const response = await fetch(`${app.url}?query=${query}&variables=${variables}`);
    expect(response.status).toBe(200);
    await app.deps.tracing.flush();
    const request = only(receiver.spans, "GET /graphql");
    expect(request.attributes["url.path"]).toBe("/graphql");
    expect(attributeText(receiver.spans)).not.toContain(password);
  });

  it("makes no span for the health and readiness probes", async () => {
    expect((await fetch(app.url.replace("/graphql", "/readyz"))).status).toBe(200);
    expect((await fetch(app.url.replace("/graphql", "/healthz"))).status).toBe(200);
    await app.deps.tracing.flush();
    expect(receiver.spans).toEqual([]);
  });
});

describe("traces with no endpoint configured", () => {
  it("are off: nothing is exported and the server answers", async () => {
    const receiver = await startOtlpReceiver();
    const app = await startTestApp("sqlite");
    try {
      expect(app.deps.tracing.tracer).toBeUndefined();
      const user = await aVerifiedUser(app);
      expect((await logIn(app, user)).token).toEqual(expect.any(String));
      await app.deps.tracing.flush();
    } finally {
      await app.close();
      await receiver.close();
    }
    expect(receiver.requests).toEqual([]);
  });
});
