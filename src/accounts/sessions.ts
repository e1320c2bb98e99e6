// Access tokens (JWT) and rotating refresh tokens: signIn, refreshTokens, revokeRefreshToken,
// and who a presented access token belongs to (SPEC §3.2, §5.14–§5.17, §7.1–§7.2).
import type { AccessTokenClaims } from "./tokens/jwt.js";
import { createHash, randomBytes } from "node:crypto";
import type { Deps } from "../deps.js";
import { AccountsError } from "./errors.js";
import { limitSignIn, limitTokenRequest } from "./rate-limits/limiter.js";
import {
  findRefreshTokenByDigest,
  insertRefreshToken,
  replaceRefreshTokenValue,
  revokeRefreshToken as revokeTokenRow,
  revokeUserRefreshTokens,
} from "./tokens/refresh-tokens-store.js";
import type { IssuedAccessToken, RefreshTokenMinter, RequestOrigin, User } from "./types.js";
import {
  findUserByEmail,
  findUserById,
  findUserBySecondaryEmail,
  findUserByUsername,
  updateUser,
  updateUserStatus,
} from "./users-store.js";

type SessionDeps = Pick<
  Deps,
  "config" | "db" | "clock" | "accessTokens" | "events" | "passwords" | "rateLimiter"
>;

/** Where a request came from; the rate limits count per client (SPEC §11.4). */
type Client = Pick<RequestOrigin, "ip">;

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

function digest(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

function newRefreshTokenValue(deps: Pick<Deps, "config">): {
  token: string;
  digest: string;
  prefix: string;
} {
  const token = randomBytes(deps.config.jwt.refreshTokenBytes).toString("hex");
  return { token, digest: digest(token), prefix: token.slice(0, 8) };
}

function refreshExpiry(deps: Pick<Deps, "config">, created: Date): Date {
  return new Date(created.getTime() + deps.config.jwt.refreshExpirationDeltaSeconds * 1000);
}

/** Mints a refresh token row on first call only (SPEC §7.2: created only when asked for). */
export function refreshTokenMinter(
  deps: Pick<Deps, "config" | "db" | "clock">,
  userId: number,
): RefreshTokenMinter {
  let minted: ReturnType<RefreshTokenMinter> | undefined;
  return () => {
    minted ??= (async () => {
      const value = newRefreshTokenValue(deps);
      const created = deps.clock.now();
      await insertRefreshToken(deps.db, {
        userId,
        digest: value.digest,
        prefix: value.prefix,
        created,
      });
      return { token: value.token, expiresAt: refreshExpiry(deps, created) };
    })();
    return minted;
  };
}

export interface Credentials {
  /** The login field used (`username`, `email`, or another model field). */
  field: string;
  value: string;
  password: string;
}

async function findLoginUser(
  deps: SessionDeps,
  credentials: Credentials,
): Promise<User | undefined> {
  if (credentials.field === "email") {
    const user = await findUserByEmail(deps.db, credentials.value);
    if (user !== undefined || !deps.config.accounts.allowLoginWithSecondaryEmail) return user;
    return findUserBySecondaryEmail(deps.db, credentials.value);
  }
  if (credentials.field === "username") return findUserByUsername(deps.db, credentials.value);
  return undefined;
}

/**
 * tokenAuth (SPEC §5.14). Throws RATE_LIMITED, INVALID_CREDENTIALS or NOT_VERIFIED; un-archives
 * only after the password matched. Unknown identifiers still spend one hash, so timing reveals
 * nothing. The attempt is counted before anything is looked up or hashed.
 */
export async function signIn(deps: SessionDeps, credentials: Credentials, client: Client) {
  await limitSignIn(deps, { identifier: credentials.value, origin: client });
  const user = await findLoginUser(deps, credentials);
  const isPasswordRight =
    user === undefined
      ? await deps.passwords.verifyAgainstDummy(credentials.password).then(() => false)
      : await deps.passwords.verify(credentials.password, user.passwordHash);
  if (user === undefined || !isPasswordRight || !user.isActive) {
    deps.events.emit("user_login_failed", { identifier: credentials.value });
    throw AccountsError.of("INVALID_CREDENTIALS");
  }
  if (!user.status.verified && !deps.config.accounts.allowLoginNotVerified) {
    throw AccountsError.of("NOT_VERIFIED");
  }
  const now = deps.clock.now();
  const rehashed = deps.passwords.needsRehash(user.passwordHash)
    ? await deps.passwords.hash(credentials.password)
    : undefined;
  const unarchiving = user.status.archived;
  await deps.db.transaction().execute(async (tx) => {
    await updateUser(tx, user.id, {
      lastLogin: now,
      ...(rehashed === undefined ? {} : { passwordHash: rehashed }),
    });
    if (unarchiving) await updateUserStatus(tx, user.id, { archived: false });
  });
  const signedInUser: User = {
    ...user,
    lastLogin: now,
    status: { ...user.status, archived: false },
  };
  deps.events.emit("token_issued", { user: signedInUser });
  return {
    user: signedInUser,
    access: issueAccessToken(deps, signedInUser),
    refreshToken: refreshTokenMinter(deps, user.id),
    unarchiving,
  };
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
  client: Client,
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

/**
 * refreshToken in long-running mode (SPEC §5.16): rotates the presented token. Presenting a
 * token that rotation already replaced revokes every token of its user (reuse detection).
 */
export async function refreshTokens(deps: SessionDeps, presented: string, client: Client) {
  await limitTokenRequest(deps, client);
  const now = deps.clock.now();
  const outcome = await deps.db.transaction().execute(async (tx) => {
    const record = await findRefreshTokenByDigest(tx, digest(presented));
    if (record === undefined) return { kind: "invalid" as const };
    if (record.revoked !== null) {
      if (record.replacedById === null) return { kind: "invalid" as const };
      await revokeUserRefreshTokens(tx, record.userId, now);
      return { kind: "reused" as const, userId: record.userId };
    }
    const user = await findUserById(tx, record.userId);
    if (user === undefined || !user.isActive || now > refreshExpiry(deps, record.created)) {
      return { kind: "invalid" as const };
    }
    const value = newRefreshTokenValue(deps);
    if (deps.config.jwt.reuseRefreshTokens) {
      await replaceRefreshTokenValue(tx, record.id, {
        digest: value.digest,
        prefix: value.prefix,
        created: now,
      });
      return {
        kind: "rotated" as const,
        user,
        token: value.token,
        oldId: record.id,
        newId: record.id,
      };
    }
    const newId = await insertRefreshToken(tx, {
      userId: user.id,
      digest: value.digest,
      prefix: value.prefix,
      created: now,
    });
    if (!(await revokeTokenRow(tx, record.id, now, newId))) {
      // A concurrent refresh rotated it first: this presentation is a replay.
      await revokeUserRefreshTokens(tx, user.id, now);
      return { kind: "reused" as const, userId: user.id };
    }
    return { kind: "rotated" as const, user, token: value.token, oldId: record.id, newId };
  });
  if (outcome.kind !== "rotated") {
    if (outcome.kind === "reused")
      deps.events.emit("refresh_token_revoked", { userId: outcome.userId, tokenId: null });
    throw AccountsError.of("INVALID_TOKEN");
  }
  deps.events.emit("refresh_token_rotated", {
    userId: outcome.user.id,
    oldTokenId: outcome.oldId,
    newTokenId: outcome.newId,
  });
  return {
    access: issueAccessToken(deps, outcome.user),
    refreshToken: outcome.token,
    refreshExpiresAt: refreshExpiry(deps, now),
  };
}

/**
 * refreshToken in keep-alive mode (JWT_LONG_RUNNING_REFRESH_TOKEN=false): a new token with the
 * same origIat while the refresh window lasts.
 */
export async function refreshAccessToken(deps: SessionDeps, token: string, client: Client) {
  await limitTokenRequest(deps, client);
  const checked = deps.accessTokens.check(token, unixSeconds(deps.clock.now()));
  if (!checked.ok)
    throw AccountsError.of(checked.reason === "expired" ? "EXPIRED_TOKEN" : "INVALID_TOKEN");
  const origIat = checked.claims.origIat;
  const user = await authenticateAccessToken(deps, token);
  const now = unixSeconds(deps.clock.now());
  if (
    origIat === undefined ||
    user === undefined ||
    now > origIat + deps.config.jwt.refreshExpirationDeltaSeconds
  ) {
    throw AccountsError.of("INVALID_TOKEN");
  }
  const issued = deps.accessTokens.issue(user.username, origIat, now);
  deps.events.emit("token_refreshed", { user });
  return { access: { token: issued.token, payload: issued.claims } satisfies IssuedAccessToken };
}

/** revokeToken (SPEC §5.17): returns the revocation time. */
export async function revokeRefreshToken(
  deps: SessionDeps,
  presented: string,
  client: Client,
): Promise<Date> {
  await limitTokenRequest(deps, client);
  const now = deps.clock.now();
  const record = await findRefreshTokenByDigest(deps.db, digest(presented));
  if (
    record === undefined ||
    record.revoked !== null ||
    !(await revokeTokenRow(deps.db, record.id, now))
  ) {
    throw AccountsError.of("INVALID_TOKEN");
  }
  deps.events.emit("refresh_token_revoked", { userId: record.userId, tokenId: record.id });
  return now;
}

/**
 * Ends every session of a user: refresh tokens revoked, and access tokens issued up to now
 * refused from the next whole second on (SPEC §3.2 step 5). Runs inside the caller's transaction.
 */
export async function endAllSessions(
  deps: Pick<Deps, "clock">,
  tx: Deps["db"],
  user: User,
): Promise<number> {
  const now = deps.clock.now();
  await revokeUserRefreshTokens(tx, user.id, now);
  const tokensValidAfter = unixSeconds(now) + 1;
  await updateUser(tx, user.id, { tokensValidAfter });
  return tokensValidAfter;
}
