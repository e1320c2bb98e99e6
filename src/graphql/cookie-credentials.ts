// When a cookie may stand for the caller on /graphql (SPEC §3.2 [FIX], §7.2). Browsers attach
// cookies to cross-site requests too (a form another site posts, SameSite=None, sibling
// subdomains under Lax), so a cookie only counts on a request that shows it comes from a page we
// trust. The JWT cookies (JWT_COOKIE_AUTH) count when either
//   - the Origin header (or, without one, the Referer) is this server's own origin or one of
//     CORS_ALLOWED_ORIGINS: browsers set these and no page can forge them (OWASP CSRF Prevention
//     Cheat Sheet, "Verifying origin with standard headers"); or
//   - X-CSRFToken matches the CSRF cookie, the token our GraphiQL page sends: a cross-site form
//     cannot set a header, and a cross-site script needs a CORS preflight we refuse.
// Otherwise the cookie is ignored and the caller is anonymous, as with any invalid credential.
// The admin session keeps the stricter rule of SPEC §3.2 step 3: the CSRF token only.
//
// The same rule decides whether an answer may set the token cookies (tokenAuth, refreshToken:
// graphql/http.ts is the one place that sets them). Otherwise a cross-site form posting tokenAuth
// with the attacker's password would sign the victim's browser in as the attacker (login CSRF),
// and what the victim then types lands in the attacker's account. Such a request still runs, but
// no cookie is set: it is no more than the attacker could send from anywhere, its answer (the
// tokens) is one a cross-site page cannot read, and withholding at the one place cookies are set
// holds for every operation that sets them, present or future, where refusing up front would
// need a list of them to keep up to date. A request without Origin or Referer (curl, a mobile
// app) gets the tokens in the answer, as it would without cookie mode.
import CSRF from "@fastify/csrf";
import type { FastifyRequest } from "fastify";

// The same token scheme as @fastify/csrf-protection's forms; checked here without its reply,
// since a bad token just means "no cookie credentials", not an error answer.
const csrfTokens = CSRF();
const CSRF_SECRET_COOKIE = "_csrf";

/** Whether the request carries a valid CSRF token (X-CSRFToken) for its CSRF cookie. */
export function hasValidCsrfToken(request: FastifyRequest): boolean {
  const token = request.headers["x-csrftoken"];
  const secret = request.cookies[CSRF_SECRET_COOKIE];
  return typeof token === "string" && secret !== undefined && csrfTokens.verify(secret, token);
}

function originOf(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}

/** Whether Origin (or Referer) names this server or an origin of CORS_ALLOWED_ORIGINS. */
export function comesFromTrustedOrigin(
  request: FastifyRequest,
  allowedOrigins: ReadonlySet<string>,
): boolean {
  const origin = request.headers.origin ?? originOf(request.headers.referer);
  // "null" (sandboxed frames, some redirects) is no origin at all.
  if (origin === undefined || origin === "null") return false;
  // With TRUST_PROXY, protocol and host are the ones the proxy received.
  const ownOrigin = `${request.protocol}://${request.host}`.toLowerCase();
  return origin.toLowerCase() === ownOrigin || allowedOrigins.has(origin);
}

/**
 * Whether the JWT cookies may authenticate this request, and whether its answer may set them (the
 * rule at the top of this file).
 */
export function mayUseTokenCookies(
  request: FastifyRequest,
  allowedOrigins: ReadonlySet<string>,
): boolean {
  return comesFromTrustedOrigin(request, allowedOrigins) || hasValidCsrfToken(request);
}
