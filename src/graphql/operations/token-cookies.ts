// The optional HttpOnly cookie mode (SPEC §7.2, JWT_COOKIE_AUTH): token mutations also set the
// access and refresh tokens as cookies.
import type { GraphQLContext } from "../builder.js";

export function tokenCookies(
  ctx: GraphQLContext,
  tokens: { access?: string; refresh?: string },
): void {
  const jwt = ctx.deps.config.jwt;
  if (!jwt.cookieAuth) return;
  if (tokens.access !== undefined) {
    ctx.cookies.push({
      name: jwt.cookieName,
      value: tokens.access,
      maxAgeSeconds: jwt.expirationDeltaSeconds,
    });
  }
  if (tokens.refresh !== undefined) {
    ctx.cookies.push({
      name: jwt.refreshTokenCookieName,
      value: tokens.refresh,
      maxAgeSeconds: jwt.refreshExpirationDeltaSeconds,
    });
  }
}
