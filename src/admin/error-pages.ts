// The admin's error pages: HTML in the admin layout instead of Fastify's JSON answers, and no stack
// trace or internal detail on any of them.
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { AccountsError } from "../accounts/errors.js";
import type { Deps } from "../deps.js";
import { renderPage } from "./render.js";

function errorPage(
  request: FastifyRequest,
  reply: FastifyReply,
  status: number,
  page: { title: string; detail: string },
) {
  return renderPage(request, reply, "error.html", page, status);
}

/** The 404 page for an object a path names that does not exist (or never could). */
export function notFound(request: FastifyRequest, reply: FastifyReply, what: string) {
  return errorPage(request, reply, 404, {
    title: "Page not found (404)",
    detail: `That ${what} does not exist. Perhaps it was deleted?`,
  });
}

function answerError(deps: Deps, error: unknown, request: FastifyRequest, reply: FastifyReply) {
  const code = (error as { code?: string }).code ?? "";
  if (code.startsWith("FST_CSRF"))
    return errorPage(request, reply, 403, {
      title: "Forbidden (403)",
      detail: "CSRF verification failed. Request aborted.",
    });
  if (error instanceof AccountsError && error.hasCode("permission_denied"))
    return errorPage(request, reply, 403, {
      title: "403 Forbidden",
      detail: "You don't have permission to do that.",
    });
  const status = (error as { statusCode?: number }).statusCode;
  if (status !== undefined && status >= 400 && status < 500)
    return errorPage(request, reply, status, {
      title: `Error (${status})`,
      detail: "The request could not be understood.",
    });
  if (deps.isDatabaseUnavailable(error)) {
    deps.log.warn({ err: error, reqId: request.id }, "database unavailable");
    void reply.header("retry-after", "1");
    return errorPage(request, reply, 503, {
      title: "Service unavailable (503)",
      detail: "The database cannot be reached right now. Try again in a moment.",
    });
  }
  deps.log.error({ err: error, reqId: request.id }, "unexpected error in the admin");
  return errorPage(request, reply, 500, {
    title: "Server error (500)",
    detail: "There's been an error. It has been logged.",
  });
}

export function registerErrorPages(scope: FastifyInstance, deps: Deps): void {
  scope.setErrorHandler((error, request, reply) => answerError(deps, error, request, reply));
  scope.setNotFoundHandler((request, reply) =>
    errorPage(request, reply, 404, {
      title: "Page not found (404)",
      detail: "The page you asked for does not exist.",
    }),
  );
}
