// `gatehouse serve` with traces on, as an operator runs it (issue 19): the log lines of a request
// carry its trace id and span id, and a SIGTERM sends the spans still batched before the process
// ends (the exporter would otherwise wait five seconds, and lose them to the exit).
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startOtlpReceiver, type OtlpReceiver } from "../../support/otlp-receiver.js";
import { startServerProcess, type ServerProcess } from "../../support/server-process.js";

interface LogRecord {
  msg: string;
  path?: string;
  trace_id?: string;
  span_id?: string;
}

function records(output: string): LogRecord[] {
  return output
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as LogRecord);
}

/** Waits (a bounded number of short pauses) for a line the process writes after answering. */
async function aLine(server: ServerProcess, matches: (record: LogRecord) => boolean) {
  for (let attempt = 0; attempt < 100; attempt++) {
    const found = records(server.output()).find(matches);
    if (found !== undefined) return found;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no such log line in:\n${server.output()}`);
}

describe("gatehouse serve with traces on", () => {
  let folder: string;
  let receiver: OtlpReceiver;
  let server: ServerProcess;

  beforeAll(async () => {
    folder = mkdtempSync(join(tmpdir(), "gatehouse-traces-"));
    receiver = await startOtlpReceiver();
    server = await startServerProcess({
      DATABASE_URL: `sqlite:${join(folder, "traces.sqlite")}`,
      SECRET_KEY: "a-secret-key-for-the-trace-log-test-0123456789",
      RATE_LIMITS: "false",
      LOG_LEVEL: "debug",
      LOG_FORMAT: "json",
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      OTEL_SERVICE_NAME: "accounts-test",
    });
  });

  afterAll(async () => {
    await server.stop();
    await receiver.close();
    rmSync(folder, { recursive: true, force: true });
  });

  it("logs the request with its trace id, and flushes its spans when stopped", async () => {
    const traceId = randomBytes(16).toString("hex");
    const response = await fetch(server.graphqlUrl, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        traceparent: `00-${traceId}-${randomBytes(8).toString("hex")}-01`,
      },
      body: JSON.stringify({ query: "query Me { me { username } }" }),
    });
    expect(response.status).toBe(200);
    const line = await aLine(
      server,
      (record) => record.msg === "request completed" && record.path === "/graphql",
    );
    expect(line.trace_id).toBe(traceId);
    expect(line.span_id).toMatch(/^[0-9a-f]{16}$/);

    await server.stop();
    const request = receiver.spans.find((span) => span.name === "POST /graphql");
    expect(request).toMatchObject({ traceId, resource: { "service.name": "accounts-test" } });
    expect(receiver.spans.map((span) => span.name)).toEqual(
      expect.arrayContaining(["POST /graphql", "query Me", "rule me"]),
    );
    expect(line.span_id).toBe(request?.spanId);
  });
});
