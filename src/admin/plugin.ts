// The admin site at /admin/ (SPEC §12): server-rendered Liquid pages, plain forms, CSRF on every
// form, sessions for active staff. Handlers call the accounts domain; no SQL and no rules here.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import formbody from "@fastify/formbody";
import view from "@fastify/view";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { Liquid } from "liquidjs";
import {
  adminViewerForSession,
  recentAdminActions,
  signInToAdmin,
  signOutOfAdmin,
  type AdminViewer,
} from "../accounts/staff/access.js";
import { changeOwnPassword } from "../accounts/staff/user-changes.js";
import { AccountsError } from "../accounts/errors.js";
import { shippedTemplatesDir } from "../accounts/mail/rendering.js";
import type { Deps } from "../deps.js";
import { flash, renderPage, SESSION_COOKIE } from "./render.js";
import { registerGroupPages } from "./groups.js";
import { registerRefreshTokenPages } from "./refresh-tokens.js";
import { registerUserStatusPages } from "./user-status.js";
import { registerUserPages } from "./users.js";

export type AdminScope = FastifyInstance;

/**
 * The admin pages' Content-Security-Policy: no scripts at all, the stylesheet from here plus the
 * few inline style attributes of the templates, forms posting only here, and no framing.
 */
export const ADMIN_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join("; ");

/** The signed-in staff member, or a redirect to the login page. */
export function requireViewer(
  request: FastifyRequest,
  reply: FastifyReply,
): AdminViewer | undefined {
  if (request.adminViewer !== undefined) return request.adminViewer;
  void reply.redirect(`/admin/login/?next=${encodeURIComponent(request.url)}`);
  return undefined;
}

function safeNext(next: unknown): string {
  // Only local admin paths: an open redirect would let a link send staff anywhere after login.
  return typeof next === "string" && next.startsWith("/admin/") && !next.startsWith("//")
    ? next
    : "/admin/";
}

function formField(request: FastifyRequest, name: string): string {
  const body = (request.body ?? {}) as Record<string, unknown>;
  const value = body[name];
  return typeof value === "string" ? value : "";
}

/** The CSRF check for a form handler (Fastify's method, bound to its scope). */
export function csrfCheck(scope: FastifyInstance) {
  return scope.csrfProtection.bind(scope);
}

function registerAuthPages(scope: FastifyInstance, deps: Deps): void {
  const checkCsrf = csrfCheck(scope);
  const cookieOptions = {
    path: "/",
    httpOnly: true,
    sameSite: "lax" as const,
    secure: deps.config.environment === "production",
  };

  scope.get("/login/", async (request, reply) => {
    if (request.adminViewer !== undefined) return reply.redirect("/admin/");
    return renderPage(request, reply, "login.html", {
      next: safeNext((request.query as Record<string, unknown>).next),
    });
  });

  scope.post("/login/", { preHandler: checkCsrf }, async (request, reply) => {
    const username = formField(request, "username");
    try {
      const { sessionToken } = await signInToAdmin(
        deps,
        { username, password: formField(request, "password") },
        { ip: request.ip },
      );
      void reply.setCookie(SESSION_COOKIE, sessionToken, cookieOptions);
      return await reply.redirect(safeNext(formField(request, "next")));
    } catch (error) {
      if (!(error instanceof AccountsError)) throw error;
      return renderPage(
        request,
        reply,
        "login.html",
        { username, next: safeNext(formField(request, "next")), errors: error.errors },
        200,
      );
    }
  });

  scope.post("/logout/", { preHandler: checkCsrf }, async (request, reply) => {
    const token = request.cookies[SESSION_COOKIE];
    if (token !== undefined) await signOutOfAdmin(deps, token);
    void reply.clearCookie(SESSION_COOKIE, { path: "/" });
    request.adminViewer = undefined;
    return renderPage(request, reply, "logged_out.html");
  });

  scope.get("/password_change/", async (request, reply) => {
    if (requireViewer(request, reply) === undefined) return reply;
    return renderPage(request, reply, "password_change.html");
  });

  scope.post("/password_change/", { preHandler: checkCsrf }, async (request, reply) => {
    const viewer = requireViewer(request, reply);
    if (viewer === undefined) return reply;
    try {
      await changeOwnPassword(deps, viewer.user, {
        oldPassword: formField(request, "old_password"),
        newPassword1: formField(request, "new_password1"),
        newPassword2: formField(request, "new_password2"),
      });
    } catch (error) {
      if (!(error instanceof AccountsError)) throw error;
      return renderPage(request, reply, "password_change.html", { errors: error.errors });
    }
    flash(reply, "Your password was changed.");
    return reply.redirect("/admin/");
  });

  scope.get("/", async (request, reply) => {
    const viewer = requireViewer(request, reply);
    if (viewer === undefined) return reply;
    const actions = await recentAdminActions(deps, { userId: viewer.user.id, limit: 10 });
    return renderPage(request, reply, "index.html", { actions });
  });
}

function registerErrorPages(scope: FastifyInstance, deps: Deps): void {
  scope.setErrorHandler(async (error, request, reply) => {
    const code = (error as { code?: string }).code ?? "";
    if (code.startsWith("FST_CSRF")) {
      return renderPage(
        request,
        reply,
        "error.html",
        { title: "Forbidden (403)", detail: "CSRF verification failed. Request aborted." },
        403,
      );
    }
    if (error instanceof AccountsError && error.hasCode("permission_denied")) {
      return renderPage(
        request,
        reply,
        "error.html",
        { title: "403 Forbidden", detail: "You don't have permission to do that." },
        403,
      );
    }
    const status = (error as { statusCode?: number }).statusCode;
    if (status !== undefined && status >= 400 && status < 500) {
      return renderPage(
        request,
        reply,
        "error.html",
        { title: `Error (${status})`, detail: "The request could not be understood." },
        status,
      );
    }
    deps.log.error({ err: error, reqId: request.id }, "unexpected error in the admin");
    return renderPage(
      request,
      reply,
      "error.html",
      { title: "Server error (500)", detail: "There's been an error. It has been logged." },
      500,
    );
  });
  scope.setNotFoundHandler(async (request, reply) =>
    renderPage(
      request,
      reply,
      "error.html",
      { title: "Page not found (404)", detail: "The page you asked for does not exist." },
      404,
    ),
  );
}

export async function registerAdmin(app: FastifyInstance, deps: Deps): Promise<void> {
  const templatesRoot = join(shippedTemplatesDir(), "admin");
  const stylesheet = readFileSync(join(templatesRoot, "admin.css"), "utf8");
  await app.register(
    async (scope) => {
      await scope.register(formbody, { bodyLimit: deps.config.http.bodyLimitBytes });
      await scope.register(view, {
        engine: {
          liquid: new Liquid({
            root: templatesRoot,
            extname: ".html",
            outputEscape: "escape",
            cache: true,
          }),
        },
        root: templatesRoot,
      });
      scope.decorateRequest("adminViewer", undefined);
      // Replaces the JSON answers' policy that http/security-headers.ts sets on every response.
      scope.addHook("onRequest", (_request, reply, done) => {
        void reply.header("content-security-policy", ADMIN_CONTENT_SECURITY_POLICY);
        done();
      });
      scope.addHook("preHandler", async (request) => {
        request.adminViewer = await adminViewerForSession(deps, request.cookies[SESSION_COOKIE]);
      });
      scope.get("/static/admin.css", (_request, reply) =>
        reply
          .type("text/css; charset=utf-8")
          .header("cache-control", "public, max-age=3600")
          .send(stylesheet),
      );
      registerErrorPages(scope, deps);
      registerAuthPages(scope, deps);
      registerUserPages(scope, deps);
      registerUserStatusPages(scope, deps);
      registerRefreshTokenPages(scope, deps);
      registerGroupPages(scope, deps);
    },
    { prefix: "/admin" },
  );
}
