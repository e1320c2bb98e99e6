// What `gatehouse serve` writes (issue 15): one start-up summary instead of the configuration
// and two "listening" lines, JSON lines when its output is no terminal, readable lines on one,
// no line per request at the default level, and the redacted configuration at debug.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCliOnTerminal } from "../../support/cli.js";
import { startServerProcess, type ServerProcess } from "../../support/server-process.js";

const SECRET_KEY = "a-secret-key-that-must-never-be-logged-0123456789";

interface LogRecord {
  level: number;
  msg: string;
  [field: string]: unknown;
}

function records(output: string): LogRecord[] {
  return output
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as LogRecord);
}

describe("gatehouse serve's logs", () => {
  let folder: string;
  const databaseUrl = () => `sqlite:${join(folder, "logs.sqlite")}`;
  beforeAll(() => {
    folder = mkdtempSync(join(tmpdir(), "gatehouse-logs-"));
  });
  afterAll(() => {
    rmSync(folder, { recursive: true, force: true });
  });

  describe("at the default level, not on a terminal", () => {
    let server: ServerProcess;
    beforeAll(async () => {
      server = await startServerProcess({
        DATABASE_URL: databaseUrl(),
        SECRET_KEY,
        RATE_LIMITS: "false",
        COMPAT_MODE: "true",
      });
    });
    afterAll(async () => {
      await server.stop();
    });

    it("writes one JSON start-up summary, and nothing about the configuration", () => {
      const lines = server.output().split("\n");
      expect(
        lines.every((line) => line.startsWith("{")),
        server.output(),
      ).toBe(true);
      const all = records(server.output());
      const summaries = all.filter((record) => /listening/i.test(record.msg));
      expect(summaries).toHaveLength(1);
      const address = new URL(server.graphqlUrl).origin;
      expect(summaries[0]).toMatchObject({
        level: 30,
        msg: `Gatehouse listening on ${address}`,
        database: `SQLite ${join(folder, "logs.sqlite")}`,
        mail: "console (mails are printed here)",
        graphql: `${address}/graphql`,
        graphiql: `${address}/graphql`,
        admin: `${address}/admin/`,
        hardeningOff: [
          "RATE_LIMITS=false",
          "COMPAT_MODE=true",
          "PREVENT_USER_ENUMERATION=false",
          "USER_QUERY_ACCESS=public",
        ],
      });
      expect(all.some((record) => record.msg === "configuration")).toBe(false);
      expect(server.output()).not.toContain(SECRET_KEY);
    });

    it("writes no line for requests that went well", async () => {
      const before = server.output();
      for (let request = 0; request < 20; request += 1) {
        const response = await fetch(server.graphqlUrl.replace(/graphql$/, "healthz"));
        expect(response.status).toBe(200);
        const answer = await fetch(server.graphqlUrl, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ query: "{ __typename }" }),
        });
        expect(answer.status).toBe(200);
      }
      await fetch(server.graphqlUrl.replace(/graphql$/, "no-such-page"));
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(server.output()).toBe(before);
    });
  });

  describe("at debug level", () => {
    let server: ServerProcess;
    beforeAll(async () => {
      server = await startServerProcess({
        DATABASE_URL: databaseUrl(),
        SECRET_KEY,
        LOG_LEVEL: "debug",
      });
    });
    afterAll(async () => {
      await server.stop();
    });

    it("writes the whole configuration, secrets redacted", () => {
      const configuration = records(server.output()).find(
        (record) => record.msg === "configuration",
      );
      expect(configuration?.level).toBe(20);
      expect(configuration?.config).toMatchObject({ secretKey: "[redacted]" });
      expect(server.output()).not.toContain(SECRET_KEY);
    });

    it("writes one line per request, without its query string", async () => {
      const before = records(server.output()).length;
      await fetch(`${server.graphqlUrl.replace(/graphql$/, "healthz")}?probe=secret-value`);
      await new Promise((resolve) => setTimeout(resolve, 200));
      const added = records(server.output()).slice(before);
      expect(added).toHaveLength(1);
      expect(added[0]).toMatchObject({
        level: 20,
        msg: "request completed",
        method: "GET",
        path: "/healthz",
        statusCode: 200,
      });
      expect(server.output()).not.toContain("secret-value");
    });
  });

  it("writes readable lines with LOG_FORMAT=pretty", async () => {
    const server = await startServerProcess({
      DATABASE_URL: databaseUrl(),
      LOG_FORMAT: "pretty",
    });
    try {
      const output = server.output();
      expect(output).toMatch(
        /^\d\d:\d\d:\d\d INFO {2}Gatehouse listening on http:\/\/127\.0\.0\.1:\d+$/m,
      );
      expect(output).toMatch(/^ {4}database: SQLite .*logs\.sqlite$/m);
      expect(output).toMatch(/^ {4}hardeningOff: RATE_LIMIT_LOOPBACK_EXEMPT=true/m);
      expect(output).not.toContain('{"level"');
    } finally {
      await server.stop();
    }
  });

  it("writes readable lines on a terminal without being asked to", async () => {
    const session = runCliOnTerminal(["serve"], {
      env: { DATABASE_URL: databaseUrl(), HOST: "127.0.0.1", PORT: "0", LOG_LEVEL: "info" },
    });
    try {
      await session.waitFor("INFO  Gatehouse listening on http://127.0.0.1:");
      await session.waitFor("admin: http://127.0.0.1:");
      expect(session.output()).not.toContain('{"level"');
    } finally {
      await session.stop();
    }
  });
});
