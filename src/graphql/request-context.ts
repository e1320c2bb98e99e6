// The context one GraphQL request runs with: who is asking (SPEC §3.2), from where, and the
// refresh-token cookie, which counts only when cookie-credentials.ts says the cookies may.
import type { FastifyReply, FastifyRequest } from "fastify";
import { onePasswordCheck } from "../accounts/passwords/checks.js";
import { ADMIN_SESSION_COOKIE, adminViewerForSession } from "../accounts/staff/access.js";
import { authenticateAccessToken } from "../accounts/tokens/access-tokens.js";
import type { User } from "../accounts/types.js";
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
    viewer: await resolveViewer(deps, request, { useCookie }),
    origin: {
      host: request.headers.host,
      isSecure: request.protocol === "https",
      ip: request.ip,
      passwordChecks: onePasswordCheck(),
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
async function resolveViewer(
  deps: Deps,
  request: FastifyRequest,
  options: { useCookie: boolean },
): Promise<User | undefined> {
  const token = presentedAccessToken(deps, request, options);
  if (token !== undefined) return authenticateAccessToken(deps, token);
  const session = request.cookies[ADMIN_SESSION_COOKIE];
  if (session === undefined || !hasValidCsrfToken(request)) return undefined;
  return (await adminViewerForSession(deps, session))?.user;
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
