// OpenTelemetry's standard settings for traces (the names every SDK and collector documents):
// off unless an OTLP endpoint is set, and checked at start so a typo in the collector's address
// stops the server instead of dropping every span in silence.
import type { TracingConfig } from "./types.js";

interface TracingEnvironment {
  OTEL_EXPORTER_OTLP_ENDPOINT?: string | undefined;
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?: string | undefined;
  OTEL_SERVICE_NAME: string;
}

export const DEFAULT_SERVICE_NAME = "gatehouse";

/**
 * The URL spans are POSTed to. The specification's rule: the per-signal variable is used as
 * written; the general one is a base to which `v1/traces` is appended.
 * https://opentelemetry.io/docs/specs/otel/protocol/exporter/#endpoint-urls-for-otlphttp
 */
function tracesUrl(e: TracingEnvironment): string | undefined {
  if (e.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT !== undefined)
    return e.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  const base = e.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (base === undefined) return undefined;
  return `${base.endsWith("/") ? base : `${base}/`}v1/traces`;
}

export function tracingConfig(e: TracingEnvironment): TracingConfig | undefined {
  const url = tracesUrl(e);
  return url === undefined ? undefined : { tracesUrl: url, serviceName: e.OTEL_SERVICE_NAME };
}

function endpointProblem(name: string, value: string | undefined): string[] {
  if (value === undefined) return [];
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return [`${name}: "${value}" is not a URL (e.g. http://127.0.0.1:4318)`];
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    return [`${name} must be an http or https URL (OTLP over HTTP), not ${url.protocol}`];
  }
  // The URL is printed in the start-up summary and the debug configuration; a collector's
  // credentials belong in OTEL_EXPORTER_OTLP_HEADERS, which the exporter reads itself.
  if (url.username !== "" || url.password !== "") {
    return [`${name} must not carry credentials: put them in OTEL_EXPORTER_OTLP_HEADERS`];
  }
  if (url.search !== "" || url.hash !== "") {
    return [`${name} must not have a query or a fragment`];
  }
  return [];
}

export function tracingProblems(e: TracingEnvironment, given: Record<string, unknown>): string[] {
  const problems = [
    ...endpointProblem("OTEL_EXPORTER_OTLP_ENDPOINT", e.OTEL_EXPORTER_OTLP_ENDPOINT),
    ...endpointProblem("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", e.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT),
  ];
  const isOff = tracesUrl(e) === undefined;
  if (
    isOff &&
    given.OTEL_SERVICE_NAME !== undefined &&
    e.OTEL_SERVICE_NAME !== DEFAULT_SERVICE_NAME
  ) {
    problems.push(
      "OTEL_SERVICE_NAME applies to traces, but neither OTEL_EXPORTER_OTLP_ENDPOINT nor " +
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is set",
    );
  }
  return problems;
}
