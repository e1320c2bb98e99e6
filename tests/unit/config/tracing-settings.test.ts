// OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT and OTEL_SERVICE_NAME (issue 19):
// traces off without an endpoint, the specification's URL rules, and bad values refused at start.
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../../src/config/config.js";
import { problemsOf } from "../../support/config-problems.js";

describe("tracing settings", () => {
  it("leave traces off when no endpoint is set", () => {
    expect(loadConfig({}).tracing).toBeUndefined();
  });

  it("append v1/traces to the base endpoint, with or without its trailing slash", () => {
    expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318" }).tracing).toEqual({
      tracesUrl: "http://collector:4318/v1/traces",
      serviceName: "gatehouse",
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
    expect(config.tracing).toEqual({
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
});
