// The OTEL_* settings as a collector sees them (issue 19): the headers that carry its
// credentials, gzip, the resource attributes, and the samplers deciding which traces leave.
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { Environment } from "../../../src/config/config.js";
import { startOtlpReceiver, type OtlpReceiver } from "../../support/otlp-receiver.js";
import { startTestApp, type TestApp } from "../../support/test-app.js";

const ME = "query Me { me { username } }";

async function withTracedApp(
  settings: Environment,
  use: (app: TestApp, receiver: OtlpReceiver) => Promise<void>,
): Promise<OtlpReceiver> {
  const receiver = await startOtlpReceiver();
  const app = await startTestApp("sqlite", {
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
    ...settings,
  });
  try {
    await use(app, receiver);
    await app.deps.tracing.flush();
  } finally {
    await app.close();
    await receiver.close();
  }
  return receiver;
}

function traceparent(sampled: boolean): string {
  const traceId = randomBytes(16).toString("hex");
  return `00-${traceId}-${randomBytes(8).toString("hex")}-${sampled ? "01" : "00"}`;
}

describe("trace export settings", () => {
  it("send the collector's headers, gzip the body and name the resource", async () => {
    const receiver = await withTracedApp(
      {
        OTEL_EXPORTER_OTLP_HEADERS: "Authorization=Bearer%20collector-token,X-Scope-OrgID=eu",
        OTEL_EXPORTER_OTLP_COMPRESSION: "gzip",
        OTEL_RESOURCE_ATTRIBUTES: "deployment.environment.name=eu-prod,service.name=ignored",
        OTEL_SERVICE_NAME: "accounts-eu",
      },
      async (app) => {
        expect((await app.gql(ME)).status).toBe(200);
      },
    );
    expect(receiver.requests.length).toBeGreaterThan(0);
    for (const request of receiver.requests) {
      expect(request.headers.authorization).toBe("Bearer collector-token");
      expect(request.headers["x-scope-orgid"]).toBe("eu");
      expect(request.headers["content-encoding"]).toBe("gzip");
    }
    expect(receiver.spans.map((span) => span.name)).toContain("query Me");
    for (const span of receiver.spans) {
      expect(span.resource).toMatchObject({
        "service.name": "accounts-eu",
        "deployment.environment.name": "eu-prod",
      });
    }
  });

  it("export nothing under always_off, even when the caller sampled its trace", async () => {
    const receiver = await withTracedApp({ OTEL_TRACES_SAMPLER: "always_off" }, async (app) => {
      expect((await app.gql(ME)).status).toBe(200);
      const headers = { traceparent: traceparent(true) };
      expect((await app.gql(ME, undefined, { headers })).status).toBe(200);
    });
    expect(receiver.spans).toEqual([]);
  });

  it("let the caller's sampling decide under parentbased_always_off", async () => {
    const sampled = traceparent(true);
    const receiver = await withTracedApp(
      { OTEL_TRACES_SAMPLER: "parentbased_always_off" },
      async (app) => {
        expect((await app.gql(ME)).status).toBe(200);
        const notSampled = { traceparent: traceparent(false) };
        expect((await app.gql(ME, undefined, { headers: notSampled })).status).toBe(200);
        expect((await app.gql(ME, undefined, { headers: { traceparent: sampled } })).status).toBe(
          200,
        );
      },
    );
    const traceIds = new Set(receiver.spans.map((span) => span.traceId));
    expect([...traceIds]).toEqual([sampled.split("-")[1]]);
    expect(receiver.spans.map((span) => span.name)).toContain("query Me");
  });

  it("keep no trace at a ratio of 0 and every trace at 1", async () => {
    const none = await withTracedApp(
      { OTEL_TRACES_SAMPLER: "traceidratio", OTEL_TRACES_SAMPLER_ARG: "0" },
      async (app) => {
        for (let i = 0; i < 5; i += 1) expect((await app.gql(ME)).status).toBe(200);
      },
    );
    expect(none.spans).toEqual([]);
    const all = await withTracedApp(
      { OTEL_TRACES_SAMPLER: "traceidratio", OTEL_TRACES_SAMPLER_ARG: "1" },
      async (app) => {
        for (let i = 0; i < 5; i += 1) expect((await app.gql(ME)).status).toBe(200);
      },
    );
    expect(new Set(all.spans.map((span) => span.traceId)).size).toBe(5);
  });
});
