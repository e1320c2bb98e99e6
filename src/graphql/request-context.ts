// The context one GraphQL request runs with: who is asking (SPEC §3.2), from where, and the
// refresh-token cookie, which counts only when cookie-credentials.ts says the cookies may.
import type { FastifyReply, FastifyRequest } from "fastify";
import { onePasswordCheck } from "../accounts/passwords/checks.js";
import { oneCodeCheck } from "../accounts/second-factor/code-checks.js";
import { ADMIN_SESSION_COOKIE, adminViewerForSession } from "../accounts/staff/access.js";
import { authenticateCaller, type AuthenticatedCaller } from "../accounts/tokens/access-tokens.js";
import type { Deps } from "../deps.js";
import type { GraphQLContext } from "./builder.js";
import { hasValidCsrfToken, mayUseTokenCookies } from "./cookie-credentials.js";

export async function requestContext(
  deps: Deps,
  request: FastifyRequest,
  reply: FastifyReply,
  allowedOrigins: ReadonlySet<string>,
): Promise<GraphQLContext & { reply: FastifyReply }> {
  const useCookie = deps.config.jwt.cookieAuth && mayUseTokenCookies(request, allowedOrigins);
  return {
    deps,
    ...viewerOf(await resolveViewer(deps, request, { useCookie })),
    origin: {
      host: request.headers.host,
      isSecure: request.protocol === "https",
      ip: request.ip,
      userAgent: request.headers["user-agent"],
      passwordChecks: onePasswordCheck(),
      codeChecks: oneCodeCheck(),
    },
    cookies: [],
    presentedRefreshTokenCookie: useCookie
      ? request.cookies[deps.config.jwt.refreshTokenCookieName]
      : undefined,
    reply,
  };
}

/**
 * SPEC §3.2: a token when one is presented; otherwise a logged-in admin session, but only
 * together with the matching CSRF token, so a cross-site request cannot ride on the session.
 */
function viewerOf(caller: AuthenticatedCaller | undefined) {
  return { viewer: caller?.user, viewerSessionId: caller?.sessionId };
}

async function resolveViewer(
  deps: Deps,
  request: FastifyRequest,
  options: { useCookie: boolean },
): Promise<AuthenticatedCaller | undefined> {
  const token = presentedAccessToken(deps, request, options);
  if (token !== undefined) return authenticateCaller(deps, token);
  const session = request.cookies[ADMIN_SESSION_COOKIE];
  if (session === undefined || !hasValidCsrfToken(request)) return undefined;
  const user = (await adminViewerForSession(deps, session))?.user;
  return user === undefined ? undefined : { user, sessionId: undefined };
}

/**
 * SPEC §3.2 steps 1–2: the token of the Authorization header, else of the JWT cookie when it
 * counts for this request (JWT_COOKIE_AUTH and the rule of cookie-credentials.ts).
 */
function presentedAccessToken(
  deps: Deps,
  request: FastifyRequest,
  options: { useCookie: boolean },
): string | undefined {
  const header = request.headers.authorization;
  if (header !== undefined) {
    const parts = header.trim().split(/\s+/);
    const [prefix, token] = parts;
    if (parts.length !== 2 || prefix === undefined || token === undefined) return undefined;
    const lower = prefix.toLowerCase();
    return lower === deps.config.jwt.authHeaderPrefix.toLowerCase() || lower === "bearer"
      ? token
      : undefined;
  }
  return options.useCookie ? request.cookies[deps.config.jwt.cookieName] : undefined;
}
