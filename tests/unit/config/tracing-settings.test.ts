// The OTEL_* settings (issue 19): traces off without an endpoint, the specification's URL rules
// and defaults, and bad values, settings without effect and unread OTEL_* variables refused.
import { describe, expect, it } from "vitest";
import { loadConfig, redactedConfig } from "../../../src/config/config.js";
import { problemsOf } from "../../support/config-problems.js";

describe("tracing settings", () => {
  it("leave traces off when no endpoint is set", () => {
    expect(loadConfig({}).tracing).toBeUndefined();
  });

  it("append v1/traces to the base endpoint, with or without its trailing slash", () => {
    expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318" }).tracing).toEqual({
      tracesUrl: "http://collector:4318/v1/traces",
      serviceName: "gatehouse",
      headers: {},
      timeoutMillis: 10_000,
      compression: "none",
      resourceAttributes: {},
      sampler: { name: "parentbased_always_on" },
      batch: {
        scheduledDelayMillis: 5000,
        exportTimeoutMillis: 30_000,
        maxQueueSize: 2048,
        maxExportBatchSize: 512,
      },
    });
    expect(
      loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: "https://otel.example.com/ingest/" }).tracing
        ?.tracesUrl,
    ).toBe("https://otel.example.com/ingest/v1/traces");
  });

  it("use the traces endpoint as written, in preference to the base one", () => {
    const config = loadConfig({
      OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318",
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://tempo:4318/otlp/spans",
      OTEL_SERVICE_NAME: "accounts-eu",
    });
    expect(config.tracing).toMatchObject({
      tracesUrl: "http://tempo:4318/otlp/spans",
      serviceName: "accounts-eu",
    });
  });

  it("refuse endpoints that are not http(s) URLs, carry credentials or a query", () => {
    expect(
      problemsOf({
        OTEL_EXPORTER_OTLP_ENDPOINT: "collector:4317",
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "grpc://collector:4317",
      }),
    ).toEqual([
      "OTEL_EXPORTER_OTLP_ENDPOINT must be an http or https URL (OTLP over HTTP), not collector:",
      "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT must be an http or https URL (OTLP over HTTP), not grpc:",
    ]);
    expect(problemsOf({ OTEL_EXPORTER_OTLP_ENDPOINT: "not a url" })).toEqual([
      'OTEL_EXPORTER_OTLP_ENDPOINT: "not a url" is not a URL (e.g. http://127.0.0.1:4318)',
    ]);
    expect(
      problemsOf({ OTEL_EXPORTER_OTLP_ENDPOINT: "https://user:secret@otel.example.com" }),
    ).toEqual([
      "OTEL_EXPORTER_OTLP_ENDPOINT must not carry credentials: put them in OTEL_EXPORTER_OTLP_HEADERS",
    ]);
    expect(
      problemsOf({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://collector:4318/v1/traces?x=1" }),
    ).toEqual(["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT must not have a query or a fragment"]);
  });

  it("refuse a service name without an endpoint, and an empty one", () => {
    expect(problemsOf({ OTEL_SERVICE_NAME: "accounts" })).toEqual([
      "OTEL_SERVICE_NAME applies to traces, but neither OTEL_EXPORTER_OTLP_ENDPOINT nor " +
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is set",
    ]);
    expect(
      problemsOf({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318", OTEL_SERVICE_NAME: " " }),
    ).toHaveLength(1);
  });

  it("read the exporter's headers, timeout and compression, the resource and the batch sizes", () => {
    const config = loadConfig({
      OTEL_EXPORTER_OTLP_ENDPOINT: "https://otel.example.com",
      OTEL_EXPORTER_OTLP_HEADERS: "Authorization=Bearer%20abc%3D%3D, x-scope-orgid=eu ,",
      OTEL_EXPORTER_OTLP_TIMEOUT: "2500",
      OTEL_EXPORTER_OTLP_COMPRESSION: "gzip",
      OTEL_RESOURCE_ATTRIBUTES: "deployment.environment.name=eu-prod,team=identity%2Faccess",
      OTEL_TRACES_SAMPLER: "parentbased_traceidratio",
      OTEL_TRACES_SAMPLER_ARG: "0.25",
      OTEL_BSP_SCHEDULE_DELAY: "1000",
      OTEL_BSP_MAX_QUEUE_SIZE: "100",
      OTEL_BSP_MAX_EXPORT_BATCH_SIZE: "100",
    });
    expect(config.tracing).toMatchObject({
      headers: { Authorization: "Bearer abc==", "x-scope-orgid": "eu" },
      timeoutMillis: 2500,
      compression: "gzip",
      resourceAttributes: { "deployment.environment.name": "eu-prod", team: "identity/access" },
      sampler: { name: "parentbased_traceidratio", ratio: 0.25 },
      batch: { scheduledDelayMillis: 1000, maxQueueSize: 100, maxExportBatchSize: 100 },
    });
    expect(JSON.stringify(redactedConfig(config))).not.toContain("abc");
  });

  it("give the ratio samplers a ratio of 1 unless told otherwise", () => {
    const config = loadConfig({
      OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318",
      OTEL_TRACES_SAMPLER: "traceidratio",
    });
    expect(config.tracing?.sampler).toEqual({ name: "traceidratio", ratio: 1 });
  });

  it("turn traces off with OTEL_SDK_DISABLED, keeping the rest of the settings", () => {
    expect(
      loadConfig({
        OTEL_SDK_DISABLED: "true",
        OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318",
        OTEL_SERVICE_NAME: "accounts",
      }).tracing,
    ).toBeUndefined();
    expect(
      loadConfig({ OTEL_SDK_DISABLED: "true", OTEL_TRACES_SAMPLER: "always_off" }).tracing,
    ).toBeUndefined();
  });

  it("refuse values the specification does not define", () => {
    const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318" };
    for (const [name, value] of [
      ["OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"],
      ["OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"],
      ["OTEL_EXPORTER_OTLP_TIMEOUT", "0"],
      ["OTEL_EXPORTER_OTLP_TIMEOUT", "10s"],
      ["OTEL_EXPORTER_OTLP_COMPRESSION", "brotli"],
      ["OTEL_TRACES_SAMPLER", "jaeger_remote"],
      ["OTEL_TRACES_SAMPLER_ARG", "1.5"],
      ["OTEL_BSP_MAX_QUEUE_SIZE", "-1"],
      ["OTEL_SDK_DISABLED", "maybe"],
    ] as const) {
      const problems = problemsOf({ ...endpoint, [name]: value });
      expect(problems, `${name}=${value}`).toHaveLength(1);
      expect(problems[0]).toMatch(new RegExp(`^${name}: `));
    }
    expect(problemsOf({ ...endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: "grpc" })).toEqual([
      "OTEL_EXPORTER_OTLP_PROTOCOL: Gatehouse sends OTLP over HTTP as JSON (http/json), which " +
        "collectors take on 4318",
    ]);
  });

  it("refuse malformed header and attribute lists without echoing a header's value", () => {
    const problems = problemsOf({
      OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318",
      OTEL_EXPORTER_OTLP_HEADERS: "Authorization: Bearer s3cret,bad name=x,,x-ok=%E0%A4%A,s3cret",
      OTEL_RESOURCE_ATTRIBUTES: "region",
    });
    expect(problems).toEqual([
      'OTEL_EXPORTER_OTLP_HEADERS: "Authorization…" is not name=value with an HTTP header name ' +
        "and a percent-encoded value",
      'OTEL_EXPORTER_OTLP_HEADERS: "bad name…" is not name=value with an HTTP header name and ' +
        "a percent-encoded value",
      'OTEL_EXPORTER_OTLP_HEADERS: "x-ok…" is not name=value with an HTTP header name and a ' +
        "percent-encoded value",
      "OTEL_EXPORTER_OTLP_HEADERS: entry 5 is not name=value with an HTTP header name and a " +
        "percent-encoded value",
      'OTEL_RESOURCE_ATTRIBUTES: "region" is not key=value with a percent-encoded value',
    ]);
    expect(problems.join("\n")).not.toContain("s3cret");
  });

  it("refuse settings that contradict each other", () => {
    expect(
      problemsOf({
        OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318",
        OTEL_TRACES_SAMPLER_ARG: "0.5",
        OTEL_BSP_MAX_QUEUE_SIZE: "100",
        OTEL_BSP_MAX_EXPORT_BATCH_SIZE: "200",
      }),
    ).toEqual([
      "OTEL_TRACES_SAMPLER_ARG is the ratio of the traceidratio samplers, but " +
        "OTEL_TRACES_SAMPLER is parentbased_always_on",
      "OTEL_BSP_MAX_EXPORT_BATCH_SIZE (200) is larger than OTEL_BSP_MAX_QUEUE_SIZE (100)",
    ]);
  });

  it("refuse every trace setting given without an endpoint", () => {
    expect(
      problemsOf({ OTEL_EXPORTER_OTLP_HEADERS: "a=b", OTEL_TRACES_SAMPLER: "always_off" }),
    ).toEqual([
      "OTEL_EXPORTER_OTLP_HEADERS applies to traces, but neither OTEL_EXPORTER_OTLP_ENDPOINT " +
        "nor OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is set",
      "OTEL_TRACES_SAMPLER applies to traces, but neither OTEL_EXPORTER_OTLP_ENDPOINT nor " +
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is set",
    ]);
  });

  it("refuse OTEL_* variables it does not read, rather than leave them to be ignored", () => {
    expect(
      problemsOf({
        OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318",
        OTEL_TRACES_EXPORTER: "zipkin",
        OTEL_EXPORTER_OTLP_TRACES_HEADERS: "a=b",
        OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT: "64",
      }),
    ).toEqual([
      "OTEL_TRACES_EXPORTER is not read by Gatehouse: traces go to OTLP when an endpoint is " +
        "set; OTEL_SDK_DISABLED=true stops them",
      "OTEL_EXPORTER_OTLP_TRACES_HEADERS is not read by Gatehouse: set OTEL_EXPORTER_OTLP_HEADERS",
      "OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT is not read by Gatehouse: see .env.example for the " +
        "OTEL_* settings read",
    ]);
  });
});
