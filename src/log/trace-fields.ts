// The trace and span ids of the active span, added to every log line written inside a traced
// request, so a line leads to its trace and a trace to its lines (the names OpenTelemetry's log
// data model gives them).
import { context, isSpanContextValid, trace } from "@opentelemetry/api";

export function traceFields(): { trace_id?: string; span_id?: string } {
  const span = trace.getSpan(context.active());
  if (span === undefined) return {};
  const spanContext = span.spanContext();
  if (!isSpanContextValid(spanContext)) return {};
  return { trace_id: spanContext.traceId, span_id: spanContext.spanId };
}
