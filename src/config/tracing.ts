// OpenTelemetry's standard settings for traces (the names every SDK and collector documents):
// off unless an OTLP endpoint is set, and checked at start so a typo in the collector's address,
// its headers or the sampler stops the server instead of dropping spans in silence. Gatehouse
// reads these itself and hands the SDK explicit values, so the SDK never reads the environment:
// an OTEL_* variable that is not one of them is refused rather than half-honoured.
import type { TraceSamplerName, TracingConfig } from "./types.js";

export const TRACE_SAMPLERS = [
  "always_on",
  "always_off",
  "traceidratio",
  "parentbased_always_on",
  "parentbased_always_off",
  "parentbased_traceidratio",
] as const satisfies readonly TraceSamplerName[];

interface TracingEnvironment {
  OTEL_SDK_DISABLED: boolean;
  OTEL_EXPORTER_OTLP_ENDPOINT?: string | undefined;
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?: string | undefined;
  OTEL_EXPORTER_OTLP_PROTOCOL: string;
  OTEL_EXPORTER_OTLP_HEADERS?: string | undefined;
  OTEL_EXPORTER_OTLP_TIMEOUT: number;
  OTEL_EXPORTER_OTLP_COMPRESSION: "none" | "gzip";
  OTEL_SERVICE_NAME: string;
  OTEL_RESOURCE_ATTRIBUTES?: string | undefined;
  OTEL_TRACES_SAMPLER: TraceSamplerName;
  OTEL_TRACES_SAMPLER_ARG?: number | undefined;
  OTEL_BSP_SCHEDULE_DELAY: number;
  OTEL_BSP_EXPORT_TIMEOUT: number;
  OTEL_BSP_MAX_QUEUE_SIZE: number;
  OTEL_BSP_MAX_EXPORT_BATCH_SIZE: number;
}

/** The specification's defaults, which the settings' defaults in environment-schema.ts are. */
export const TRACING_DEFAULTS = {
  OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
  OTEL_EXPORTER_OTLP_TIMEOUT: 10_000,
  OTEL_EXPORTER_OTLP_COMPRESSION: "none",
  OTEL_SERVICE_NAME: "gatehouse",
  OTEL_TRACES_SAMPLER: "parentbased_always_on",
  OTEL_BSP_SCHEDULE_DELAY: 5000,
  OTEL_BSP_EXPORT_TIMEOUT: 30_000,
  OTEL_BSP_MAX_QUEUE_SIZE: 2048,
  OTEL_BSP_MAX_EXPORT_BATCH_SIZE: 512,
} as const;

/** The settings that mean something only while traces are sent. */
const TRACES_ONLY_SETTINGS = [
  "OTEL_EXPORTER_OTLP_PROTOCOL",
  "OTEL_EXPORTER_OTLP_HEADERS",
  "OTEL_EXPORTER_OTLP_TIMEOUT",
  "OTEL_EXPORTER_OTLP_COMPRESSION",
  "OTEL_SERVICE_NAME",
  "OTEL_RESOURCE_ATTRIBUTES",
  "OTEL_TRACES_SAMPLER",
  "OTEL_TRACES_SAMPLER_ARG",
  "OTEL_BSP_SCHEDULE_DELAY",
  "OTEL_BSP_EXPORT_TIMEOUT",
  "OTEL_BSP_MAX_QUEUE_SIZE",
  "OTEL_BSP_MAX_EXPORT_BATCH_SIZE",
] as const;

/** Other SDKs' variables that people set by habit, with what to do instead. */
const UNREAD_VARIABLE_HINTS: Record<string, string> = {
  OTEL_TRACES_EXPORTER:
    "traces go to OTLP when an endpoint is set; OTEL_SDK_DISABLED=true stops them",
  OTEL_EXPORTER_OTLP_TRACES_HEADERS: "set OTEL_EXPORTER_OTLP_HEADERS",
  OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: "set OTEL_EXPORTER_OTLP_TIMEOUT",
  OTEL_EXPORTER_OTLP_TRACES_COMPRESSION: "set OTEL_EXPORTER_OTLP_COMPRESSION",
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: "set OTEL_EXPORTER_OTLP_PROTOCOL",
};

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

/**
 * `key=value,key=value` with percent-encoded values, the format of OTEL_EXPORTER_OTLP_HEADERS
 * and OTEL_RESOURCE_ATTRIBUTES (W3C Baggage without properties). Undefined when malformed.
 */
function keyValueList(text: string | undefined, isKey: (key: string) => boolean) {
  const pairs: Record<string, string> = {};
  /** Each refused entry with its place in the list (from 1). */
  const malformed: { item: string; position: number }[] = [];
  if (text === undefined) return { pairs, malformed };
  for (const [index, item] of text.split(",").entries()) {
    if (item.trim() === "") continue;
    const at = item.indexOf("=");
    const key = item.slice(0, at).trim();
    let value: string | undefined;
    try {
      value = at < 1 ? undefined : decodeURIComponent(item.slice(at + 1).trim());
    } catch {
      value = undefined;
    }
    if (value === undefined || !isKey(key) || /[\r\n\0]/.test(value))
      malformed.push({ item: item.trim(), position: index + 1 });
    else pairs[key] = value;
  }
  return { pairs, malformed };
}

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const ATTRIBUTE_KEY = /^[\x21-\x7e]+$/;

const headerList = (e: TracingEnvironment) =>
  keyValueList(e.OTEL_EXPORTER_OTLP_HEADERS, (key) => HEADER_NAME.test(key));
const attributeList = (e: TracingEnvironment) =>
  keyValueList(e.OTEL_RESOURCE_ATTRIBUTES, (key) => ATTRIBUTE_KEY.test(key));

export function tracingConfig(e: TracingEnvironment): TracingConfig | undefined {
  const url = tracesUrl(e);
  if (url === undefined || e.OTEL_SDK_DISABLED) return undefined;
  const isRatio = e.OTEL_TRACES_SAMPLER.endsWith("traceidratio");
  return {
    tracesUrl: url,
    serviceName: e.OTEL_SERVICE_NAME,
    headers: headerList(e).pairs,
    timeoutMillis: e.OTEL_EXPORTER_OTLP_TIMEOUT,
    compression: e.OTEL_EXPORTER_OTLP_COMPRESSION,
    resourceAttributes: attributeList(e).pairs,
    sampler: {
      name: e.OTEL_TRACES_SAMPLER,
      ...(isRatio ? { ratio: e.OTEL_TRACES_SAMPLER_ARG ?? 1 } : {}),
    },
    batch: {
      scheduledDelayMillis: e.OTEL_BSP_SCHEDULE_DELAY,
      exportTimeoutMillis: e.OTEL_BSP_EXPORT_TIMEOUT,
      maxQueueSize: e.OTEL_BSP_MAX_QUEUE_SIZE,
      maxExportBatchSize: e.OTEL_BSP_MAX_EXPORT_BATCH_SIZE,
    },
  };
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
  // credentials belong in OTEL_EXPORTER_OTLP_HEADERS, whose values are never shown.
  if (url.username !== "" || url.password !== "") {
    return [`${name} must not carry credentials: put them in OTEL_EXPORTER_OTLP_HEADERS`];
  }
  if (url.search !== "" || url.hash !== "") {
    return [`${name} must not have a query or a fragment`];
  }
  return [];
}

/** What each value says on its own, and what the values say together. */
function valueProblems(e: TracingEnvironment): string[] {
  const problems: string[] = [];
  for (const { item, position } of headerList(e).malformed) {
    // A header's value is a credential: name the entry by what precedes its separator only.
    const separator = item.search(/[=:]/);
    const label =
      separator > 0 ? `"${item.slice(0, separator).trim()}…"` : `entry ${String(position)}`;
    problems.push(
      `OTEL_EXPORTER_OTLP_HEADERS: ${label} is not name=value with an HTTP header name and a ` +
        "percent-encoded value",
    );
  }
  for (const { item } of attributeList(e).malformed) {
    problems.push(
      `OTEL_RESOURCE_ATTRIBUTES: "${item}" is not key=value with a percent-encoded value`,
    );
  }
  if (e.OTEL_TRACES_SAMPLER_ARG !== undefined && !e.OTEL_TRACES_SAMPLER.endsWith("traceidratio")) {
    problems.push(
      `OTEL_TRACES_SAMPLER_ARG is the ratio of the traceidratio samplers, but ` +
        `OTEL_TRACES_SAMPLER is ${e.OTEL_TRACES_SAMPLER}`,
    );
  }
  if (e.OTEL_BSP_MAX_EXPORT_BATCH_SIZE > e.OTEL_BSP_MAX_QUEUE_SIZE) {
    problems.push(
      `OTEL_BSP_MAX_EXPORT_BATCH_SIZE (${String(e.OTEL_BSP_MAX_EXPORT_BATCH_SIZE)}) is larger ` +
        `than OTEL_BSP_MAX_QUEUE_SIZE (${String(e.OTEL_BSP_MAX_QUEUE_SIZE)})`,
    );
  }
  return problems;
}

/** A setting that differs from its default although no traces are sent. */
function isSetWithoutEffect(name: (typeof TRACES_ONLY_SETTINGS)[number], e: TracingEnvironment) {
  const defaults: Partial<Record<string, unknown>> = TRACING_DEFAULTS;
  return e[name] !== undefined && e[name] !== defaults[name];
}

/**
 * `e` is the parsed environment; `all` every variable of the process, where an OTEL_* name that
 * is not a setting here would otherwise be ignored.
 */
export function tracingProblems(
  e: TracingEnvironment,
  all: Record<string, string | undefined>,
  settings: readonly string[],
): string[] {
  const problems = [
    ...endpointProblem("OTEL_EXPORTER_OTLP_ENDPOINT", e.OTEL_EXPORTER_OTLP_ENDPOINT),
    ...endpointProblem("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", e.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT),
    ...valueProblems(e),
  ];
  const known = new Set(settings);
  for (const name of Object.keys(all).filter((n) => n.startsWith("OTEL_") && !known.has(n))) {
    if (all[name] === undefined) continue;
    const hint = UNREAD_VARIABLE_HINTS[name] ?? "see .env.example for the OTEL_* settings read";
    problems.push(`${name} is not read by Gatehouse: ${hint}`);
  }
  if (tracesUrl(e) === undefined && !e.OTEL_SDK_DISABLED) {
    for (const name of TRACES_ONLY_SETTINGS.filter((n) => isSetWithoutEffect(n, e))) {
      problems.push(
        `${name} applies to traces, but neither OTEL_EXPORTER_OTLP_ENDPOINT nor ` +
          "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is set",
      );
    }
  }
  return problems;
}
