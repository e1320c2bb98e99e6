// Running work inside a span: the span is the active one while `work` runs (so the spans it
// causes nest under it), ends when it settles, and is marked ERROR when it throws. The error's
// message is not recorded: a driver's message may quote a value (PostgreSQL's "invalid input
// syntax for type integer: …"), and no attribute may carry a user's data; its class and code do.
import { SpanStatusCode, type Attributes, type Span, type Tracer } from "@opentelemetry/api";

/** What kind of error it was, without what it said. */
export function errorType(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === "string" && code !== "") return code;
  return error instanceof Error ? error.name : typeof error;
}

export function markFailed(span: Span, error: unknown): void {
  const type = errorType(error);
  span.setAttribute("error.type", type);
  span.setStatus({ code: SpanStatusCode.ERROR, message: type });
}

export function inSpan<T>(
  tracer: Tracer,
  name: string,
  attributes: Attributes,
  work: (span: Span) => Promise<T>,
): Promise<T> {
  return tracer.startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await work(span);
    } catch (error) {
      markFailed(span, error);
      throw error;
    } finally {
      span.end();
    }
  });
}
