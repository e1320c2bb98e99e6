// GET /metrics (METRICS_ENABLED, METRICS_TOKEN): absent when off, closed without the token, and
// with it the counters a Prometheus server would read after real sign-ins, refusals and bad
// requests, with label values that no client can multiply.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { insertOutboxMessage } from "../../../src/accounts/mail/outbox-store.js";
import { aLoggedInSuperuser } from "../../support/admin-client.js";
import { aVerifiedUser, logIn, type RegisteredUser } from "../../support/builders.js";
import {
  parseSamples,
  scrape,
  valueOf,
  labelValues,
  type Sample,
} from "../../support/metrics-text.js";
import { ME, TOKEN_AUTH_USERNAME } from "../../support/operations.js";
import { PASSKEY_AUTH, forgedAssertion } from "../../support/passkeys.js";
import { aClientIp, fromClient, startFreshWindows } from "../../support/rate-limits.js";
import { startTestApp, testDatabases, unique, type TestApp } from "../../support/test-app.js";

const TOKEN = `metrics-${randomBytes(24).toString("hex")}`;
const AUTHORIZED = { authorization: `Bearer ${TOKEN}` };

async function samples(app: TestApp): Promise<Sample[]> {
  const scraped = await scrape(app, AUTHORIZED);
  expect(scraped.status).toBe(200);
  return parseSamples(scraped.text);
}

/** How much each sample of `names` grew between two scrapes (absent before: from zero). */
function grew(before: Sample[], after: Sample[], name: string, labels: Record<string, string>) {
  return (valueOf(after, name, labels) ?? 0) - (valueOf(before, name, labels) ?? 0);
}

async function postRaw(app: TestApp, body: string, contentType = "application/json") {
  const response = await fetch(app.url, {
    method: "POST",
    headers: { "content-type": contentType },
    body,
  });
  await response.arrayBuffer();
  return response.status;
}

describe.each(testDatabases())("GET /metrics switched off (the default), on %s", (database) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(database);
  });
  afterAll(async () => {
    await app.close();
  });

  it("does not exist, with or without a token", async () => {
    expect((await scrape(app)).status).toBe(404);
    const withToken = await scrape(app, AUTHORIZED);
    expect(withToken.status).toBe(404);
    expect(withToken.text).not.toContain("gatehouse_");
  });
});

describe.each(testDatabases())("GET /metrics with METRICS_TOKEN, on %s", (database) => {
  let app: TestApp;
  let user: RegisteredUser;
  beforeAll(async () => {
    app = await startTestApp(database, {
      METRICS_ENABLED: "true",
      METRICS_TOKEN: TOKEN,
      RATE_LIMITS: "true",
      TRUST_PROXY: "true",
      RATE_LIMIT_LOGIN_PER_IDENTIFIER: "2/1m",
      WEBAUTHN_RP_ID: "localhost",
      WEBAUTHN_ORIGINS: "http://localhost:3000",
    });
    user = await aVerifiedUser(app);
  });
  afterAll(async () => {
    await app.close();
  });

  it.each([
    ["no Authorization header", {}],
    ["a wrong token", { authorization: `Bearer ${TOKEN.slice(0, -1)}x` }],
    ["the token with something after it", { authorization: `Bearer ${TOKEN} x` }],
    ["the token as a prefix of a longer one", { authorization: `Bearer ${TOKEN}0` }],
    ["the token in another scheme", { authorization: `JWT ${TOKEN}` }],
    [
      "Basic credentials",
      { authorization: `Basic ${Buffer.from(`x:${TOKEN}`).toString("base64")}` },
    ],
    ["an empty Bearer", { authorization: "Bearer " }],
  ])("answers 401 with nothing of the metrics to %s", async (_case, headers) => {
    const scraped = await scrape(app, headers);
    expect(scraped.status).toBe(401);
    expect(scraped.headers.get("www-authenticate")).toBe('Bearer realm="metrics"');
    expect(scraped.text).not.toMatch(/gatehouse_|process_|nodejs_/);
    expect(scraped.text).not.toContain(TOKEN);
  });

  it("serves Prometheus' text format with the process metrics to the token's holder", async () => {
    const scraped = await scrape(app, AUTHORIZED);
    expect(scraped.status).toBe(200);
    expect(scraped.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(scraped.headers.get("cache-control")).toBe("no-store");
    const parsed = parseSamples(scraped.text);
    expect(valueOf(parsed, "process_cpu_seconds_total")).toBeGreaterThan(0);
    expect(valueOf(parsed, "nodejs_heap_size_used_bytes")).toBeGreaterThan(0);
    // The scheme's name is case-insensitive (RFC 9110 §11.1).
    expect((await scrape(app, { authorization: `bearer ${TOKEN}` })).status).toBe(200);
  });

  it("counts a sign-in, a failed one, a rate-limited one and their GraphQL operations", async () => {
    startFreshWindows(app);
    const before = await samples(app);
    await logIn(app, user);
    const wrong = { username: user.username, password: "Not-The-Password-1" };
    const failed = await app.gql(TOKEN_AUTH_USERNAME, wrong, fromClient(aClientIp()));
    expect(failed.body.data?.tokenAuth).toMatchObject({ success: false });
    // RATE_LIMIT_LOGIN_PER_IDENTIFIER=2/1m: the third attempt on the name is refused.
    const limited = await app.gql(TOKEN_AUTH_USERNAME, wrong, fromClient(aClientIp()));
    expect(JSON.stringify(limited.body.data?.tokenAuth)).toContain("rate_limited");
    const after = await samples(app);

    const signIns = "gatehouse_sign_ins_total";
    expect(grew(before, after, signIns, { result: "success", method: "password" })).toBe(1);
    expect(grew(before, after, signIns, { result: "failure", method: "password" })).toBe(1);
    expect(grew(before, after, signIns, { result: "failure", method: "passkey" })).toBe(0);
    const refusals = "gatehouse_rate_limit_refusals_total";
    expect(grew(before, after, refusals, { limit: "sign_in_per_identifier" })).toBe(1);
    expect(grew(before, after, refusals, { limit: "sign_in_per_ip" })).toBe(0);
    const requests = "gatehouse_graphql_requests_total";
    expect(grew(before, after, requests, { operation: "tokenAuth", outcome: "ok" })).toBe(1);
    expect(grew(before, after, requests, { operation: "tokenAuth", outcome: "errors" })).toBe(2);
    const durations = "gatehouse_graphql_request_duration_seconds_count";
    expect(grew(before, after, durations, { operation: "tokenAuth", outcome: "errors" })).toBe(2);
    // Two passwords checked; the refused attempt hashed nothing.
    expect(grew(before, after, "gatehouse_password_hash_queue_wait_seconds_count", {})).toBe(2);
    const http = "gatehouse_http_request_duration_seconds_count";
    const graphqlPosts = { method: "POST", route: "/graphql", status_class: "2xx" };
    expect(grew(before, after, http, graphqlPosts)).toBe(3);
  });

  it("counts sign-ins by method: the admin site's, and a refused passkey", async () => {
    const before = await samples(app);
    await aLoggedInSuperuser(app);
    const credential = JSON.stringify(forgedAssertion("http://localhost:3000"));
    const refused = await app.gql(PASSKEY_AUTH, { credential }, fromClient(aClientIp()));
    expect(refused.body.data?.passkeyAuth).toMatchObject({ success: false });
    const after = await samples(app);
    const signIns = "gatehouse_sign_ins_total";
    expect(grew(before, after, signIns, { result: "success", method: "admin" })).toBe(1);
    expect(grew(before, after, signIns, { result: "failure", method: "passkey" })).toBe(1);
    expect(grew(before, after, signIns, { result: "success", method: "password" })).toBe(0);
  });

  it("counts a syntax error, an unknown field and a malformed body as rejected, invalid", async () => {
    const before = await samples(app);
    expect(await postRaw(app, JSON.stringify({ query: "{ me { username " }))).toBe(400);
    expect(await postRaw(app, JSON.stringify({ query: "{ noSuchField }" }))).toBe(400);
    expect(await postRaw(app, "{ not json")).toBe(400);
    expect(await postRaw(app, JSON.stringify({ query: "{ me { noSuchField } }" }))).toBe(400);
    const after = await samples(app);
    const requests = "gatehouse_graphql_requests_total";
    expect(grew(before, after, requests, { operation: "invalid", outcome: "rejected" })).toBe(3);
    expect(grew(before, after, requests, { operation: "me", outcome: "rejected" })).toBe(1);
    const http = "gatehouse_http_request_duration_seconds_count";
    expect(
      grew(before, after, http, { method: "POST", route: "/graphql", status_class: "4xx" }),
    ).toBe(4);
  });

  it("labels a `me` by its root field and an anonymous one as ok", async () => {
    // A new user: the rate-limit test moved the clock past the first user's access token.
    const someone = await aVerifiedUser(app);
    const before = await samples(app);
    const me = await app.gql(ME, {}, { token: someone.token });
    expect(me.body.data?.me).toMatchObject({ username: someone.username });
    const after = await samples(app);
    const requests = "gatehouse_graphql_requests_total";
    expect(grew(before, after, requests, { operation: "me", outcome: "ok" })).toBe(1);
  });

  it("keeps label values bounded under 50 made-up operation names, fields and URLs", async () => {
    const marker = unique("zz");
    const { token } = await aVerifiedUser(app);
    for (let index = 0; index < 50; index++) {
      const name = `${marker}${String(index)}`;
      await app.gql(`query ${name} { me { username } }`, {}, { token });
      await app.gql(`query ${name} { ${name} }`);
      await postRaw(app, JSON.stringify({ query: "{ me { username } }", operationName: name }));
      const url = new URL(`/${name}/${String(index)}?q=${name}`, app.url);
      await (await fetch(url)).arrayBuffer();
    }
    const scraped = await scrape(app, AUTHORIZED);
    expect(scraped.text).not.toContain(marker);
    const parsed = parseSamples(scraped.text);
    const operations = labelValues(parsed, "gatehouse_graphql_requests_total", "operation");
    expect(operations.length).toBeLessThan(10);
    expect(operations).toEqual(expect.arrayContaining(["me", "invalid"]));
    const routes = labelValues(parsed, "gatehouse_http_request_duration_seconds_count", "route");
    expect(routes).toContain("unmatched");
    expect(routes.length).toBeLessThan(10);
  });

  it("shows the outbox's waiting mails, and the deliveries that failed", async () => {
    await app.deps.outbox.stop();
    const before = await samples(app);
    expect(valueOf(before, "gatehouse_mail_outbox_queue_depth")).toBe(0);
    await insertOutboxMessage(app.deps.db, {
      recipients: [`${unique("queued")}@example.com`],
      subject: "Queued by the metrics test",
      text: "Queued.",
      html: "<p>Queued.</p>",
      createdAt: app.clock.now(),
      lockedUntil: null,
    });
    app.smtp.failNext(1);
    expect(await app.deps.outbox.deliverDue()).toBe(0);
    const after = await samples(app);
    expect(valueOf(after, "gatehouse_mail_outbox_queue_depth")).toBe(1);
    const failures = "gatehouse_mail_outbox_delivery_failures_total";
    expect(grew(before, after, failures, { final: "false" })).toBe(1);
    expect(grew(before, after, failures, { final: "true" })).toBe(0);
    app.clock.advance(3600);
    expect(await app.deps.outbox.deliverDue()).toBe(1);
    expect(valueOf(await samples(app), "gatehouse_mail_outbox_queue_depth")).toBe(0);
  });

  it("shows the PostgreSQL pool, and no pool on SQLite", async () => {
    const parsed = await samples(app);
    const max = valueOf(parsed, "gatehouse_database_pool_max_connections");
    if (database === "postgres") {
      expect(max).toBe(10);
      const idle = valueOf(parsed, "gatehouse_database_pool_connections", { state: "idle" });
      expect(idle).toBeGreaterThanOrEqual(0);
      expect(valueOf(parsed, "gatehouse_database_pool_waiting_queries")).toBe(0);
    } else {
      expect(max).toBeUndefined();
    }
  });
});

describe.each(testDatabases())("GET /metrics without METRICS_TOKEN, on %s", (database) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(database, { METRICS_ENABLED: "true" });
  });
  afterAll(async () => {
    await app.close();
  });

  it("answers any scrape, a Bearer header or not", async () => {
    expect((await scrape(app)).status).toBe(200);
    expect((await scrape(app, { authorization: "Bearer anything" })).status).toBe(200);
  });
});
