// The root span of each request (`POST /graphql`), continuing the trace an incoming W3C
// `traceparent` names. Everything the request runs, and every line it logs (the logger's mixin
// reads the active span), happens inside its context: the hook enters it for the rest of the
// chain, and binds the request's and the response's events to it, since the body's `data` and
// the response's `finish` arrive from the socket, outside any request's context. Attributes name
// the route and the path, never the query string (a GET's GraphQL variables travel there).
import { context, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import type { FastifyInstance } from "fastify";
import type { Tracing } from "../tracing/tracing.js";

const PROBES: ReadonlySet<string> = new Set(["/healthz", "/readyz"]);

export function registerRequestSpans(app: FastifyInstance, tracing: Tracing): void {
  const tracer = tracing.tracer;
  if (tracer === undefined) return;
  app.addHook("onRequest", (request, reply, done) => {
    const route = request.routeOptions.url;
    // A load balancer's probes, every few seconds on every node, would bury the requests.
    if (route !== undefined && PROBES.has(route)) {
      done();
      return;
    }
    const parent = tracing.parentOf(request.headers);
    const span = tracer.startSpan(
      route === undefined ? request.method : `${request.method} ${route}`,
      {
        kind: SpanKind.SERVER,
        attributes: {
          "http.request.method": request.method,
          "url.path": request.url.split("?")[0],
          "url.scheme": request.protocol,
          ...(route === undefined ? {} : { "http.route": route }),
        },
      },
      parent,
    );
    const active = trace.setSpan(parent, span);
    context.bind(active, request.raw);
    context.bind(active, reply.raw);
    // `close` comes after the response is written, or when the client went away first.
    reply.raw.once("close", () => {
      span.setAttribute("http.response.status_code", reply.statusCode);
      if (reply.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    });
    context.with(active, done);
  });
}
