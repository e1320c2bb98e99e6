// The admin site at /admin/ (SPEC §12): server-rendered Liquid pages, plain forms, CSRF on every
// form, sessions for active staff. This file only sets the scope up and registers the pages.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import formbody from "@fastify/formbody";
import view from "@fastify/view";
import type { FastifyInstance } from "fastify";
import { Liquid } from "liquidjs";
import { adminViewerForSession } from "../accounts/staff/access.js";
import { shippedTemplatesDir } from "../accounts/mail/rendering.js";
import type { Deps } from "../deps.js";
import { registerAuthPages } from "./auth-pages.js";
import { registerErrorPages } from "./error-pages.js";
import { registerGroupPages } from "./groups.js";
import { registerIndexPage } from "./index-page.js";
import { registerRefreshTokenPages } from "./refresh-tokens.js";
import { SESSION_COOKIE } from "./render.js";
import { registerUserStatusPages } from "./user-status.js";
import { registerUserPages } from "./users.js";
import { registerWebhookPages } from "./webhooks.js";

/**
 * The admin pages' Content-Security-Policy: no scripts at all, the stylesheet from here plus the
 * few inline style attributes of the templates, forms posting only here, and no framing.
 */
const ADMIN_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join("; ");

async function registerTemplates(scope: FastifyInstance, templatesRoot: string): Promise<void> {
  await scope.register(view, {
    engine: {
      liquid: new Liquid({
        root: templatesRoot,
        extname: ".html",
        outputEscape: "escape",
        cache: true,
        // Times are shown in UTC and say so (the templates add "UTC"), whatever the server's zone.
        timezoneOffset: 0,
      }),
    },
    root: templatesRoot,
  });
}

/** The stylesheet and the icon (also the home page's): files of templates/admin/, read once. */
function registerStaticFiles(scope: FastifyInstance, templatesRoot: string): void {
  const files = [
    { name: "admin.css", type: "text/css; charset=utf-8" },
    { name: "favicon.svg", type: "image/svg+xml" },
  ];
  for (const file of files) {
    const content = readFileSync(join(templatesRoot, file.name), "utf8");
    scope.get(`/static/${file.name}`, (_request, reply) =>
      reply.type(file.type).header("cache-control", "public, max-age=3600").send(content),
    );
  }
}

function registerSessionHooks(scope: FastifyInstance, deps: Deps): void {
  scope.decorateRequest("adminViewer", undefined);
  // Replaces the JSON answers' policy that http/security-headers.ts sets on every response.
  scope.addHook("onRequest", (_request, reply, done) => {
    void reply.header("content-security-policy", ADMIN_CONTENT_SECURITY_POLICY);
    done();
  });
  scope.addHook("preHandler", async (request) => {
    request.adminViewer = await adminViewerForSession(deps, request.cookies[SESSION_COOKIE]);
  });
}

export async function registerAdmin(app: FastifyInstance, deps: Deps): Promise<void> {
  const templatesRoot = join(shippedTemplatesDir(), "admin");
  await app.register(
    async (scope) => {
      await scope.register(formbody, { bodyLimit: deps.config.http.bodyLimitBytes });
      await registerTemplates(scope, templatesRoot);
      registerSessionHooks(scope, deps);
      registerStaticFiles(scope, templatesRoot);
      registerErrorPages(scope, deps);
      registerAuthPages(scope, deps);
      registerIndexPage(scope, deps);
      registerUserPages(scope, deps);
      registerUserStatusPages(scope, deps);
      registerRefreshTokenPages(scope, deps);
      registerGroupPages(scope, deps);
      registerWebhookPages(scope, deps);
    },
    { prefix: "/admin" },
  );
}
