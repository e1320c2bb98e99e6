// What the server logs about requests. Fastify's default writes two info lines per request
// ("incoming request", "request completed"): a 10-minute load test left 364 MB of them (issue 15),
// and at the default level they buried the lines worth reading. Here a request writes at most
// one line: at debug when all went well, at info when it took over a second, at warn when it
// failed with a 5xx, at error when the response itself broke. The path is logged without its
// query string, which may carry a GraphQL document's variables.
// Fastify's LogController is the documented way to change these lines (its top-level
// disableRequestLogging is deprecated, and would silence failures too); it must be a subclass.
import { LogController, type FastifyReply, type FastifyRequest } from "fastify";

const WRITES_DEBUG: ReadonlySet<string> = new Set(["debug", "trace"]);

/** Requests slower than this are logged at info. */
export const SLOW_REQUEST_MS = 1000;

function requestFields(request: FastifyRequest, reply: FastifyReply) {
  return {
    method: request.method,
    path: request.url.split("?")[0],
    statusCode: reply.statusCode,
    responseTimeMs: Math.round(reply.elapsedTime),
  };
}

export class RequestLog extends LogController {
  override incomingRequest(request: FastifyRequest): void {
    request.log.trace({ method: request.method, path: request.url.split("?")[0] }, "request");
  }

  override requestCompleted(
    error: Error | null | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
  ): void {
    if (error) reply.log.error({ ...requestFields(request, reply), err: error }, "request errored");
    else if (reply.statusCode >= 500)
      reply.log.warn(requestFields(request, reply), "request failed");
    else if (reply.elapsedTime > SLOW_REQUEST_MS)
      reply.log.info(requestFields(request, reply), "slow request");
    // The common case: below the default level, so nothing is built for a line not written.
    else if (WRITES_DEBUG.has(reply.log.level))
      reply.log.debug(requestFields(request, reply), "request completed");
  }

  override routeNotFound(request: FastifyRequest): void {
    request.log.debug({ method: request.method, path: request.url.split("?")[0] }, "no route");
  }
}
