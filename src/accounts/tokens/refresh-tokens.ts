// Refresh tokens (SPEC §5.16–§5.17, §7.2): minted on demand at sign-in, rotated on every use with
// reuse detection (a token that rotation already replaced revokes its user's every token), and
// revoked on request. Also the keep-alive refresh of an access token when rotation is off.
import type { Deps } from "../../deps.js";
import { randomBytes } from "node:crypto";
import { AccountsError } from "../errors.js";
import { limitTokenRequest } from "../rate-limits/limiter.js";
import type { IssuedAccessToken, RefreshTokenMinter, RequestOrigin } from "../types.js";
import { naturalKeyOf } from "../natural-key.js";
import { findUserById } from "../users-store.js";
import { authenticateAccessToken, issueAccessToken, unixSeconds } from "./access-tokens.js";
import {
  findRefreshTokenByDigest,
  insertRefreshToken,
  replaceRefreshTokenValue,
  revokeRefreshToken as revokeTokenRow,
} from "./refresh-tokens-store.js";
import { endAllSessions } from "./revocation.js";
import { digestSecret } from "./secrets.js";
import { revokeSessions, touchSession } from "./sessions-store.js";
import { startSession } from "./user-sessions.js";
import { recordWebhookEvent, sessionsRevokedEvent, type WebhookEvent } from "../webhooks/events.js";

type RefreshDeps = Pick<
  Deps,
  "config" | "db" | "clock" | "accessTokens" | "events" | "rateLimiter"
>;

/** Where a request came from; the rate limits count per client (SPEC §11.4). */
type Client = Pick<RequestOrigin, "ip" | "userAgent">;

function newRefreshTokenValue(deps: Pick<Deps, "config">): {
  token: string;
  digest: string;
  prefix: string;
} {
  const token = randomBytes(deps.config.jwt.refreshTokenBytes).toString("hex");
  return { token, digest: digestSecret(token), prefix: token.slice(0, 8) };
}

function refreshExpiry(deps: Pick<Deps, "config">, created: Date): Date {
  return new Date(created.getTime() + deps.config.jwt.refreshExpirationDeltaSeconds * 1000);
}

/** Mints a refresh token row on first call only (SPEC §7.2: created only when asked for). */
export function refreshTokenMinter(
  deps: Pick<Deps, "config" | "db" | "clock">,
  userId: number,
  sessionId: string | null,
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
        sessionId,
      });
      return { token: value.token, expiresAt: refreshExpiry(deps, created) };
    })();
    return minted;
  };
}

/** Every session of the user ended because a rotated refresh token came back. */
function reuseDetected(userId: number, sessionId: string | null): WebhookEvent {
  return { type: "refresh_token.reuse_detected", userId, data: { userId, sessionId } };
}

/**
 * refreshToken in long-running mode (SPEC §5.16): rotates the presented token. Presenting a
 * token that rotation already replaced revokes every token of its user (reuse detection).
 */
export async function refreshTokens(deps: RefreshDeps, presented: string, client: Client) {
  await limitTokenRequest(deps, client);
  const now = deps.clock.now();
  const outcome = await deps.db.transaction().execute(async (tx) => {
    const record = await findRefreshTokenByDigest(tx, digestSecret(presented));
    if (record === undefined) return { kind: "invalid" as const };
    if (record.revoked !== null) {
      if (record.replacedById === null) return { kind: "invalid" as const };
      // A stolen token may have been refreshed already: its access tokens end with the family.
      await endAllSessions(deps, tx, { id: record.userId });
      await recordWebhookEvent(deps, tx, reuseDetected(record.userId, record.sessionId));
      return { kind: "reused" as const, userId: record.userId };
    }
    const user = await findUserById(tx, record.userId);
    if (user === undefined || !user.isActive || now > refreshExpiry(deps, record.created)) {
      return { kind: "invalid" as const };
    }
    // A family from before sessions (or imported) becomes one now, so it can be seen and ended.
    const sessionId = record.sessionId ?? (await startSession(deps, tx, user, client));
    await touchSession(tx, sessionId, { usedAt: now, expiresAt: refreshExpiry(deps, now) });
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
        sessionId,
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
      sessionId,
    });
    if (!(await revokeTokenRow(tx, record.id, now, newId))) {
      // A concurrent refresh rotated it first: this presentation is a replay.
      await endAllSessions(deps, tx, user);
      await recordWebhookEvent(deps, tx, reuseDetected(user.id, sessionId));
      return { kind: "reused" as const, userId: user.id };
    }
    return {
      kind: "rotated" as const,
      user,
      sessionId,
      token: value.token,
      oldId: record.id,
      newId,
    };
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
    access: issueAccessToken(deps, outcome.user, outcome.sessionId),
    refreshToken: outcome.token,
    refreshExpiresAt: refreshExpiry(deps, now),
  };
}

/**
 * refreshToken in keep-alive mode (JWT_LONG_RUNNING_REFRESH_TOKEN=false): a new token with the
 * same origIat while the refresh window lasts.
 */
export async function refreshAccessToken(deps: RefreshDeps, token: string, client: Client) {
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
  const sessionId = checked.binding?.sessionId;
  const issued = deps.accessTokens.issue(naturalKeyOf(deps.config, user), origIat, {
    issuedAtSeconds: now,
    binding: {
      userId: user.id,
      version: user.tokenVersion,
      ...(sessionId === undefined ? {} : { sessionId }),
    },
  });
  deps.events.emit("token_refreshed", { user });
  return {
    access: {
      token: issued.token,
      payload: deps.accessTokens.payloadOf(issued.claims),
    } satisfies IssuedAccessToken,
  };
}

/** revokeToken (SPEC §5.17): returns the revocation time. */
export async function revokeRefreshToken(
  deps: RefreshDeps,
  presented: string,
  client: Client,
): Promise<Date> {
  await limitTokenRequest(deps, client);
  const now = deps.clock.now();
  const record = await findRefreshTokenByDigest(deps.db, digestSecret(presented));
  if (record === undefined || record.revoked !== null) throw AccountsError.of("INVALID_TOKEN");
  // Signing out ends the sign-in: the session's access tokens stop with its refresh token, and
  // the sessions list no longer shows it.
  const revoked = await deps.db.transaction().execute(async (tx) => {
    if (!(await revokeTokenRow(tx, record.id, now))) return false;
    if (record.sessionId !== null) {
      await revokeSessions(tx, record.userId, now, { ids: [record.sessionId] });
      await recordWebhookEvent(
        deps,
        tx,
        sessionsRevokedEvent(record.userId, { sessionIds: [record.sessionId], by: "user" }),
      );
    }
    return true;
  });
  if (!revoked) throw AccountsError.of("INVALID_TOKEN");
  deps.events.emit("refresh_token_revoked", { userId: record.userId, tokenId: record.id });
  return now;
}
