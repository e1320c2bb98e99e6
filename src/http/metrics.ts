// GET /metrics (METRICS_ENABLED) and the HTTP request metrics. Requests are labelled by the
// route's pattern (Fastify's routeOptions.url, "/admin/users/:id"), never the URL as sent, and by
// status class, so no client can add a series by inventing URLs.
import { createHash, timingSafeEqual } from "node:crypto";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Deps } from "../deps.js";
import { LATENCY_BUCKETS_SECONDS } from "../metrics/registry.js";

/** Requests no route matched (404s of made-up URLs) share one label value. */
const UNMATCHED_ROUTE = "unmatched";

export function registerMetrics(app: FastifyInstance, deps: Pick<Deps, "config" | "metrics">) {
  if (!deps.metrics.isEnabled) return;
  const duration = deps.metrics.histogram({
    name: "gatehouse_http_request_duration_seconds",
    help: "HTTP requests by method, route pattern and status class, from arrival to the answer",
    labelNames: ["method", "route", "status_class"],
    buckets: LATENCY_BUCKETS_SECONDS,
  });
  app.addHook("onResponse", (request, reply, done) => {
    duration.observe(
      {
        method: request.method,
        route: request.routeOptions.url ?? UNMATCHED_ROUTE,
        status_class: `${String(Math.floor(reply.statusCode / 100))}xx`,
      },
      reply.elapsedTime / 1000,
    );
    done();
  });
  const isAuthorized = bearerCheck(deps.config.metrics.token);
  app.get("/metrics", async (request, reply) => {
    if (!isAuthorized(request)) return refuse(reply);
    let exposition: { contentType: string; text: string };
    try {
      exposition = await deps.metrics.exposition();
    } catch (error) {
      // Under --workers, a worker being replaced may not answer the supervisor in time.
      request.log.warn({ err: error }, "metrics could not be gathered");
      return reply.code(503).header("retry-after", "1").send({ status: "unavailable" });
    }
    return reply
      .type(exposition.contentType)
      .header("cache-control", "no-store")
      .send(exposition.text);
  });
}

/**
 * METRICS_TOKEN unset: every scrape is allowed (a private network's choice, docs/decisions/0013).
 * Set: `Authorization: Bearer <token>`, compared as SHA-256 digests in constant time, so neither
 * the timing nor the length of a wrong token tells how close it was.
 */
function bearerCheck(token: string | undefined): (request: FastifyRequest) => boolean {
  if (token === undefined) return () => true;
  const expected = sha256(token);
  return (request) => {
    const match = /^Bearer +(\S+) *$/i.exec(request.headers.authorization ?? "");
    return match?.[1] !== undefined && timingSafeEqual(sha256(match[1]), expected);
  };
}

function sha256(text: string): Buffer {
  return createHash("sha256").update(text, "utf8").digest();
}

/** The same answer for a missing and a wrong token, and nothing of the metrics. */
function refuse(reply: FastifyReply): FastifyReply {
  return reply
    .code(401)
    .header("www-authenticate", 'Bearer realm="metrics"')
    .header("cache-control", "no-store")
    .send({ errors: [{ message: "Unauthorized" }] });
}
