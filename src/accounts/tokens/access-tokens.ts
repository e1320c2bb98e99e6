// Access tokens as the API uses them (SPEC §3.2, §5.15, §7.1): issuing one for a user, and who a
// presented one belongs to. The JWS encoding itself is jwt.ts.
import type { Deps } from "../../deps.js";
import { AccountsError } from "../errors.js";
import { limitTokenRequest } from "../rate-limits/limiter.js";
import type { IssuedAccessToken, RequestOrigin, User } from "../types.js";
import { findUserByUsername } from "../users-store.js";
import type { AccessTokenClaims } from "./jwt.js";

export function unixSeconds(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}

/** origIat never precedes tokens_valid_after, so a fresh token survives the move it follows. */
export function issueAccessToken(
  deps: Pick<Deps, "clock" | "accessTokens">,
  user: User,
): IssuedAccessToken {
  const origIat = Math.max(unixSeconds(deps.clock.now()), user.tokensValidAfter);
  const { token, claims } = deps.accessTokens.issue(user.username, origIat);
  return { token, payload: claims };
}

/** The user an access token authenticates, or undefined (SPEC §3.2 steps 4–5). */
export async function authenticateAccessToken(
  deps: Pick<Deps, "db" | "clock" | "accessTokens">,
  token: string,
): Promise<User | undefined> {
  const checked = deps.accessTokens.check(token, unixSeconds(deps.clock.now()));
  return checked.ok ? userOfClaims(deps, checked.claims) : undefined;
}

/** The active user valid claims name, unless a later password change or logout ended them. */
async function userOfClaims(
  deps: Pick<Deps, "db">,
  claims: AccessTokenClaims,
): Promise<User | undefined> {
  const user = await findUserByUsername(deps.db, claims.username);
  if (user === undefined || !user.isActive) return undefined;
  const origIat = claims.origIat ?? claims.exp;
  return origIat < user.tokensValidAfter ? undefined : user;
}

/** verifyToken (SPEC §5.15): the claims of a token that would authenticate its user. */
export async function verifyAccessToken(
  deps: Pick<Deps, "db" | "clock" | "accessTokens" | "rateLimiter">,
  token: string,
  client: Pick<RequestOrigin, "ip">,
) {
  await limitTokenRequest(deps, client);
  const checked = deps.accessTokens.check(token, unixSeconds(deps.clock.now()));
  if (!checked.ok)
    throw AccountsError.of(checked.reason === "expired" ? "EXPIRED_TOKEN" : "INVALID_TOKEN");
  if ((await userOfClaims(deps, checked.claims)) === undefined) {
    throw AccountsError.of("INVALID_TOKEN");
  }
  return checked.claims;
}
