// OpenTelemetry for one process: the tracer whose spans are batched to the OTLP endpoint, the
// W3C `traceparent` reader, and the flush at shutdown. Without an endpoint there is no tracer at
// all, and every place that would make spans skips them (ADR 0014).
import type { IncomingHttpHeaders } from "node:http";
import {
  context,
  defaultTextMapGetter,
  diag,
  DiagLogLevel,
  ROOT_CONTEXT,
  type Context,
  type Tracer,
} from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { CompressionAlgorithm } from "@opentelemetry/otlp-exporter-base";
import { resourceFromAttributes } from "@opentelemetry/resources";
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BasicTracerProvider,
  BatchSpanProcessor,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  type Sampler,
} from "@opentelemetry/sdk-trace-base";
import { ATTR_SERVICE_NAME } from "@opentelemetry/semantic-conventions";
import type { Logger } from "pino";
import type { TracingConfig } from "../config/config.js";

export interface Tracing {
  /** Undefined while tracing is off: callers then add no span, hook or wrapper. */
  readonly tracer: Tracer | undefined;
  /** The context a request continues: the trace its `traceparent` header names, else a new one. */
  parentOf(headers: IncomingHttpHeaders): Context;
  /** Sends the spans still batched (shutdown does it too). */
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

const TRACING_OFF: Tracing = {
  tracer: undefined,
  parentOf: () => ROOT_CONTEXT,
  flush: () => Promise.resolve(),
  shutdown: () => Promise.resolve(),
};

/**
 * Spans find their parent through the active context, which the OpenTelemetry API keeps in one
 * process-wide manager: registered once, by the first tracing Deps, and left in place (another
 * Deps in the same process, a test's, may still be serving).
 */
function useAsyncLocalStorageContext(): void {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
}

/** The SDK reports a failed export through its diagnostic logger; an operator reads ours. */
function reportExportProblems(log: Logger): void {
  const warn = (message: string, ...details: unknown[]) => {
    log.warn({ details: details.map(String) }, `traces: ${message}`);
  };
  diag.setLogger(
    { error: warn, warn, info: () => undefined, debug: () => undefined, verbose: () => undefined },
    { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true },
  );
}

/** OTEL_TRACES_SAMPLER's names, as the specification defines them. */
function samplerOf({ name, ratio = 1 }: TracingConfig["sampler"]): Sampler {
  const root =
    name === "always_off" || name === "parentbased_always_off"
      ? new AlwaysOffSampler()
      : name.endsWith("traceidratio")
        ? new TraceIdRatioBasedSampler(ratio)
        : new AlwaysOnSampler();
  return name.startsWith("parentbased_") ? new ParentBasedSampler({ root }) : root;
}

export function createTracing(settings: TracingConfig | undefined, log: Logger): Tracing {
  if (settings === undefined) return TRACING_OFF;
  useAsyncLocalStorageContext();
  reportExportProblems(log);
  const exporter = new OTLPTraceExporter({
    url: settings.tracesUrl,
    headers: settings.headers,
    timeoutMillis: settings.timeoutMillis,
    compression:
      settings.compression === "gzip" ? CompressionAlgorithm.GZIP : CompressionAlgorithm.NONE,
  });
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({
      ...settings.resourceAttributes,
      [ATTR_SERVICE_NAME]: settings.serviceName,
    }),
    sampler: samplerOf(settings.sampler),
    spanProcessors: [new BatchSpanProcessor(exporter, settings.batch)],
  });
  const propagator = new W3CTraceContextPropagator();
  return {
    tracer: provider.getTracer("gatehouse"),
    parentOf: (headers) => propagator.extract(ROOT_CONTEXT, headers, defaultTextMapGetter),
    flush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
  };
}
