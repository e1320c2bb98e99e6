// /metrics under `gatehouse serve --workers 2` (issue 19): requests spread over both workers (a
// fresh connection each, handed out in turn), and every scrape, whichever worker takes it, counts
// all of them: the supervisor sums the workers' registries.
import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ME } from "../../support/operations.js";
import { parseSamples, valueOf } from "../../support/metrics-text.js";
import {
  aPersistentDatabase,
  startServerProcess,
  type PersistentDatabase,
  type ServerProcess,
} from "../../support/server-process.js";
import { testDatabases } from "../../support/test-app.js";

const TOKEN = "metrics-token-for-the-workers-test-0123456789";
const REQUESTS = 20;

/** One request on a fresh connection (no keep-alive), so consecutive ones reach other workers. */
function send(
  url: string,
  options: { method: "GET" | "POST"; body?: string; headers?: Record<string, string> },
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      url,
      { method: options.method, agent: false, headers: options.headers ?? {} },
      (response) => {
        let text = "";
        response.setEncoding("utf8").on("data", (chunk: string) => (text += chunk));
        response.on("end", () => {
          resolve({ status: response.statusCode ?? 0, text });
        });
      },
    );
    outgoing.on("error", reject);
    outgoing.setTimeout(15_000, () => outgoing.destroy(new Error("no answer within 15 s")));
    outgoing.end(options.body);
  });
}

describe.each(testDatabases())("metrics of gatehouse serve --workers 2 on %s", (database) => {
  let storage: PersistentDatabase;
  let server: ServerProcess;

  beforeAll(async () => {
    storage = await aPersistentDatabase(database);
    server = await startServerProcess(
      {
        DATABASE_URL: storage.url,
        SECRET_KEY: "workers-metrics-secret-key-that-is-long-enough",
        RATE_LIMITS: "false",
        METRICS_ENABLED: "true",
        METRICS_TOKEN: TOKEN,
        // "request completed" lines name the process that served each request.
        LOG_LEVEL: "debug",
        LOG_FORMAT: "json",
      },
      { serveArgs: ["--workers", "2"] },
    );
  });
  afterAll(async () => {
    await server.stop();
    await storage.drop();
  });

  it("counts every worker's requests in each scrape", async () => {
    const metricsUrl = server.graphqlUrl.replace(/\/graphql$/, "/metrics");
    for (let index = 0; index < REQUESTS; index++) {
      const body = JSON.stringify({ query: ME });
      const answer = await send(server.graphqlUrl, {
        method: "POST",
        body,
        headers: { "content-type": "application/json", "content-length": String(body.length) },
      });
      expect(answer.status).toBe(200);
    }
    // The requests were spread: two processes logged serving them.
    const servers = new Set<number>();
    for (const line of server.output().split("\n")) {
      if (!line.startsWith("{")) continue;
      const entry = JSON.parse(line) as { msg?: string; pid?: number; url?: string };
      if (entry.msg === "request completed" && entry.pid !== undefined) servers.add(entry.pid);
    }
    expect(servers.size).toBe(2);
    for (let scrape = 0; scrape < 4; scrape++) {
      const answer = await send(metricsUrl, {
        method: "GET",
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      expect(answer.status).toBe(200);
      const samples = parseSamples(answer.text);
      expect(
        valueOf(samples, "gatehouse_graphql_requests_total", { operation: "me", outcome: "ok" }),
      ).toBe(REQUESTS);
    }
    const refused = await send(metricsUrl, { method: "GET" });
    expect(refused.status).toBe(401);
    expect(refused.text).not.toContain("gatehouse_");
  }, 120_000);
});
