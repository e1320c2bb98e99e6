// The Fastify application: /, /graphql, /admin/, /healthz, /readyz, /metrics, and the masking of
// unexpected errors.
import cookie from "@fastify/cookie";
import cors from "@fastify/cors";
import csrf from "@fastify/csrf-protection";
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from "fastify";
import { registerAdmin } from "../admin/plugin.js";
import type { Deps } from "../deps.js";
import { registerGraphQL } from "../graphql/http.js";
import { clientErrorHandler } from "./client-errors.js";
import { registerHomePage } from "./home-page.js";
import { registerMetrics } from "./metrics.js";
import { registerOversizedBodyClose } from "./oversized-bodies.js";
import { RequestLog } from "./request-log.js";
import { readiness } from "./readiness.js";
import { registerRequestSpans } from "./request-spans.js";
import { registerSecurityHeaders } from "./security-headers.js";
import { registerWellKnown } from "./well-known.js";

const UNAVAILABLE = "Service unavailable: the database cannot be reached. Try again.";

export async function buildServer(deps: Deps): Promise<FastifyInstance> {
  const hardening = deps.config.httpHardening;
  const requestTimeoutMs = hardening.requestTimeoutSeconds * 1000;
  const app = Fastify({
    // A child of its own: main.ts quiets it while Fastify announces its addresses.
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- keeps FastifyInstance's default logger type
    loggerInstance: deps.log.child({}) as FastifyBaseLogger,
    bodyLimit: deps.config.http.bodyLimitBytes,
    trustProxy: deps.config.http.trustProxy,
    requestIdHeader: "x-request-id",
    // One line per request at most, at debug unless slow or failed (request-log.ts).
    logController: new RequestLog(),
    // Slow or oversized requests must not hold sockets and memory (Fastify's docs recommend a
    // requestTimeout whenever no reverse proxy stands in front; Node's own default is 5 min).
    http: {
      maxHeaderSize: hardening.headerLimitBytes,
      requestTimeout: requestTimeoutMs,
      headersTimeout: requestTimeoutMs,
    },
    requestTimeout: requestTimeoutMs,
    // A request whose connection was accepted before a drain began is served (with Connection:
    // close), not refused: the listener is closed already, so no new connection comes, and
    // close() waits for this one. A 503 here failed requests during a rolling restart (a
    // connection handed to a worker just before its close, its request read just after).
    return503OnClosing: false,
    connectionTimeout: hardening.connectionTimeoutSeconds * 1000,
    keepAliveTimeout: hardening.keepAliveTimeoutSeconds * 1000,
    clientErrorHandler: clientErrorHandler(deps.log),
  });
  registerRequestSpans(app, deps.tracing);
  registerSecurityHeaders(app, deps.config);
  registerOversizedBodyClose(app);
  registerMetrics(app, deps);
  await app.register(cookie);
  // SPEC §3.1 [FIX]: cross-origin callers only from an explicit allow-list (empty: same origin).
  const allowedOrigins = new Set(deps.config.http.corsAllowedOrigins);
  await app.register(cors, {
    origin: (origin, callback) => {
      callback(null, origin !== undefined && allowedOrigins.has(origin));
    },
    credentials: true,
    methods: ["GET", "POST"],
    allowedHeaders: ["Authorization", "Content-Type", "X-CSRFToken"],
  });
  // One CSRF secret for the admin's forms and for GraphiQL's use of an admin session (SPEC §3.2).
  await app.register(csrf, {
    cookieOpts: {
      path: "/",
      httpOnly: true,
      sameSite: "strict",
      secure: deps.config.environment === "production",
    },
    getToken: (request) => {
      const body = (request.body ?? {}) as Record<string, unknown>;
      return typeof body._csrf === "string"
        ? body._csrf
        : (request.headers["x-csrftoken"] as string | undefined);
    },
  });
  app.setErrorHandler((error, request, reply) => {
    const status = (error as { statusCode?: number }).statusCode;
    if (status !== undefined && status >= 400 && status < 500) {
      return reply.code(status).send({ errors: [{ message: (error as Error).message }] });
    }
    if (deps.isDatabaseUnavailable(error)) {
      request.log.warn({ err: error }, "database unavailable");
      return reply
        .code(503)
        .header("retry-after", "1")
        .send({ errors: [{ message: UNAVAILABLE }] });
    }
    request.log.error({ err: error }, "unexpected error");
    return reply.code(500).send({ errors: [{ message: "Internal server error" }] });
  });
  // Liveness: the process serves requests. A load balancer or orchestrator that restarted a node
  // whenever the database blinked would turn one outage into many, so the database is /readyz's.
  app.get("/healthz", () => ({ status: "ok" }));
  // Readiness: route traffic here only while the database answers (PostgreSQL or its pooler may
  // restart; the pool reconnects by itself and this turns 200 again) and holds every migration
  // this code needs (a node started with --no-migrate before the deploy step migrated).
  app.get("/readyz", async (_request, reply) => {
    const answer = await readiness(deps, UNAVAILABLE);
    if (answer.status === "ok") return answer;
    return reply.code(503).header("retry-after", "1").send(answer);
  });
  registerHomePage(app, deps.config);
  registerWellKnown(app, deps);
  registerGraphQL(app, deps);
  await registerAdmin(app, deps);
  await app.ready();
  return app;
}
