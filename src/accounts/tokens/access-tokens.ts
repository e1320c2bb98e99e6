// Access tokens as the API uses them (SPEC §3.2, §5.15, §7.1): issuing one for a user, and who a
// presented one belongs to. The JWS encoding itself is jwt.ts.
import type { Deps } from "../../deps.js";
import { AccountsError } from "../errors.js";
import { limitTokenRequest } from "../rate-limits/limiter.js";
import type { IssuedAccessToken, RequestOrigin, User } from "../types.js";
import { findUserByNaturalKey, naturalKeyOf } from "../natural-key.js";
import { findUserById, findUserForSession } from "../users-store.js";
import type { AccessTokenBinding, AccessTokenClaims } from "./jwt.js";

export function unixSeconds(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}

/**
 * An access token for `user` in `sessionId` (tokens user-sessions.ts ends with it). origIat never
 * precedes tokens_valid_after, so a fresh token survives the move it follows.
 */
export function issueAccessToken(
  deps: Pick<Deps, "clock" | "accessTokens" | "config">,
  user: User,
  sessionId: string | undefined,
): IssuedAccessToken {
  const origIat = Math.max(unixSeconds(deps.clock.now()), user.tokensValidAfter);
  const { token, claims } = deps.accessTokens.issue(naturalKeyOf(deps.config, user), origIat, {
    binding: {
      userId: user.id,
      version: user.tokenVersion,
      ...(sessionId === undefined ? {} : { sessionId }),
    },
  });
  return { token, payload: deps.accessTokens.payloadOf(claims) };
}

/** Who a request's access token authenticates, and in which session. */
export interface AuthenticatedCaller {
  user: User;
  sessionId: string | undefined;
}

/** The user an access token authenticates, with its session, or undefined (SPEC §3.2 steps 4–5). */
export async function authenticateCaller(
  deps: Pick<Deps, "db" | "clock" | "accessTokens" | "config">,
  token: string,
): Promise<AuthenticatedCaller | undefined> {
  const checked = deps.accessTokens.check(token, unixSeconds(deps.clock.now()));
  if (!checked.ok) return undefined;
  const user = await userOfToken(deps, checked);
  return user === undefined ? undefined : { user, sessionId: checked.binding?.sessionId };
}

/** The user an access token authenticates, or undefined (SPEC §3.2 steps 4–5). */
export async function authenticateAccessToken(
  deps: Pick<Deps, "db" | "clock" | "accessTokens" | "config">,
  token: string,
): Promise<User | undefined> {
  return (await authenticateCaller(deps, token))?.user;
}

/**
 * The active user a valid token was issued to, unless a revocation since ended it. Our tokens
 * name the user's id and token version: a password change, logout everywhere, refresh-token reuse
 * or a rename moves the version on, and a deleted user's namesake has another id.
 */
async function userOfToken(
  deps: Pick<Deps, "db" | "config" | "clock">,
  token: { claims: AccessTokenClaims; binding?: AccessTokenBinding },
): Promise<User | undefined> {
  const { binding } = token;
  if (binding === undefined) return userOfLegacyToken(deps, token.claims);
  // A token of a session reads the session with the user: an ended one ends the token at once.
  let user: User | undefined;
  if (binding.sessionId === undefined) user = await findUserById(deps.db, binding.userId);
  else {
    const found = await findUserForSession(
      deps.db,
      binding.userId,
      binding.sessionId,
      deps.clock.now(),
      deps.config.accounts.userFields,
    );
    user = found?.isSessionLive === true ? found.user : undefined;
  }
  if (user === undefined || !user.isActive) return undefined;
  const isCurrent =
    user.tokenVersion === binding.version &&
    naturalKeyOf(deps.config, user) === token.claims.username;
  return isCurrent ? user : undefined;
}

/**
 * A token without our binding was minted by a Django deployment sharing the key: accepted only in
 * COMPAT_MODE, by its username, and only when issued after the user's last revocation. Without
 * origIat (JWT_ALLOW_REFRESH=false) its issue time is exp minus the token lifetime, not exp,
 * which would outlive every revocation made within the lifetime.
 */
async function userOfLegacyToken(
  deps: Pick<Deps, "db" | "config">,
  claims: AccessTokenClaims,
): Promise<User | undefined> {
  if (!deps.config.compatMode) return undefined;
  const user = await findUserByNaturalKey(deps, claims.username);
  if (user === undefined || !user.isActive) return undefined;
  const issuedAt = claims.origIat ?? claims.exp - deps.config.jwt.expirationDeltaSeconds;
  return issuedAt < user.tokensValidAfter ? undefined : user;
}

/** verifyToken (SPEC §5.15): the claims of a token that would authenticate its user. */
export async function verifyAccessToken(
  deps: Pick<Deps, "db" | "clock" | "accessTokens" | "rateLimiter" | "config">,
  token: string,
  client: Pick<RequestOrigin, "ip">,
) {
  await limitTokenRequest(deps, client);
  const checked = deps.accessTokens.check(token, unixSeconds(deps.clock.now()));
  if (!checked.ok)
    throw AccountsError.of(checked.reason === "expired" ? "EXPIRED_TOKEN" : "INVALID_TOKEN");
  if ((await userOfToken(deps, checked)) === undefined) {
    throw AccountsError.of("INVALID_TOKEN");
  }
  return deps.accessTokens.payloadOf(checked.claims);
}
