// Sessions a user can see and end (issue 16): one per sign-in (tokenAuth, register's automatic
// sign-in, a new password's), named by its refresh-token family and by every access token minted
// from it (the `sid` of their signed header). Ending one stops both at the next request on every
// server process: authentication reads the session with the user, in one query.
import { randomBytes } from "node:crypto";
import type { Deps } from "../../deps.js";
import { AccountsError } from "../errors.js";
import type { RequestOrigin, User } from "../types.js";
import {
  findSession,
  insertSession,
  listLiveSessions,
  revokeSessions,
  type SessionRecord,
} from "./sessions-store.js";
import { recordWebhookEvent, sessionsRevokedEvent } from "../webhooks/events.js";

const USER_AGENT_MAX_LENGTH = 512;

/** Where a sign-in came from, as the sessions list shows it. */
export type SessionOrigin = Pick<RequestOrigin, "ip"> & { userAgent?: string | undefined };

/** Whether `id` could name a session (ours are 32 hex digits): anything else never reaches SQL. */
export function isSessionId(id: string): boolean {
  return /^[0-9a-f]{32}$/.test(id);
}

/** Starts a session for a sign-in; returns its id. Runs in the caller's transaction, if any. */
export async function startSession(
  deps: Pick<Deps, "clock" | "config">,
  db: Deps["db"],
  user: Pick<User, "id">,
  origin: SessionOrigin,
): Promise<string> {
  const now = deps.clock.now();
  const id = randomBytes(16).toString("hex");
  await insertSession(db, {
    id,
    userId: user.id,
    createdAt: now,
    lastUsedAt: now,
    expiresAt: new Date(now.getTime() + deps.config.jwt.refreshExpirationDeltaSeconds * 1000),
    userAgent: (origin.userAgent ?? "").slice(0, USER_AGENT_MAX_LENGTH),
    ip: origin.ip ?? "",
  });
  return id;
}

export interface SessionView extends Omit<SessionRecord, "userId" | "revokedAt"> {
  /** The session the request's own token belongs to. */
  current: boolean;
}

/** `sessions`: the viewer's live sessions, newest first; none for an anonymous caller. */
export async function listSessions(
  deps: Pick<Deps, "db" | "clock">,
  viewer: User | undefined,
  currentSessionId: string | undefined,
): Promise<SessionView[]> {
  if (viewer === undefined) return [];
  const sessions = await listLiveSessions(deps.db, viewer.id, deps.clock.now());
  return sessions.map(({ userId: _user, revokedAt: _revoked, ...session }) => ({
    ...session,
    current: session.id === currentSessionId,
  }));
}

/** revokeSession: ends one of the viewer's sessions. Throws UNAUTHENTICATED or NOT_FOUND. */
export async function revokeSession(
  deps: Pick<Deps, "db" | "clock" | "events">,
  viewer: User | undefined,
  sessionId: string,
): Promise<void> {
  if (viewer === undefined) throw AccountsError.of("UNAUTHENTICATED");
  if (!isSessionId(sessionId)) throw AccountsError.of("SESSION_NOT_FOUND", "id");
  const session = await findSession(deps.db, sessionId);
  // Another user's session answers as a missing one: ids are not for probing.
  if (session === undefined || session.userId !== viewer.id || session.revokedAt !== null)
    throw AccountsError.of("SESSION_NOT_FOUND", "id");
  await deps.db.transaction().execute(async (tx) => {
    await revokeSessions(tx, viewer.id, deps.clock.now(), { ids: [sessionId] });
    await recordWebhookEvent(
      deps,
      tx,
      sessionsRevokedEvent(viewer.id, { sessionIds: [sessionId], by: "user" }),
    );
  });
  deps.events.emit("refresh_token_revoked", { userId: viewer.id, tokenId: null });
}

/** revokeOtherSessions: ends every session of the viewer but the request's own. */
export async function revokeOtherSessions(
  deps: Pick<Deps, "db" | "clock">,
  viewer: User | undefined,
  currentSessionId: string | undefined,
): Promise<number> {
  if (viewer === undefined) throw AccountsError.of("UNAUTHENTICATED");
  const ended = await deps.db.transaction().execute(async (tx) => {
    const revoked = await revokeSessions(
      tx,
      viewer.id,
      deps.clock.now(),
      currentSessionId === undefined ? {} : { exceptId: currentSessionId },
    );
    if (revoked.length > 0) {
      await recordWebhookEvent(
        deps,
        tx,
        sessionsRevokedEvent(viewer.id, { sessionIds: revoked, by: "user" }),
      );
    }
    return revoked;
  });
  return ended.length;
}
