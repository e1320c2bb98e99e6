// A user's sessions in the admin (issue 16): staff who may view users see them; staff who may
// change the user (and only superusers for a superuser: privileges.ts) end one or all, each
// ending recorded in the user's history.
import type { Deps } from "../../deps.js";
import { listLiveSessions, revokeSessions } from "../tokens/sessions-store.js";
import { isSessionId } from "../tokens/user-sessions.js";
import type { User } from "../types.js";
import { recordAdminChange, requireAdmin, type AdminViewer } from "./access.js";
import { accountToChange } from "./privileges.js";
import { recordWebhookEvent, sessionsRevokedEvent } from "../webhooks/events.js";

export async function listUserSessionsForAdmin(
  deps: Pick<Deps, "db" | "clock">,
  viewer: AdminViewer,
  userId: number,
) {
  requireAdmin(viewer, "view", "user");
  return listLiveSessions(deps.db, userId, deps.clock.now());
}

/**
 * Ends the named session of the user, or all of them (`sessionId` undefined). Returns undefined
 * when the user is gone, else how many sessions ended. Throws permission_denied.
 */
export async function endUserSessionsFromAdmin(
  deps: Pick<Deps, "db" | "clock">,
  viewer: AdminViewer,
  userId: number,
  sessionId: string | undefined,
): Promise<{ user: User; ended: number } | undefined> {
  requireAdmin(viewer, "change", "user");
  return deps.db.transaction().execute(async (tx) => {
    const user = await accountToChange(tx, viewer, userId);
    if (user === undefined) return undefined;
    if (sessionId !== undefined && !isSessionId(sessionId)) return { user, ended: 0 };
    const ended = await revokeSessions(
      tx,
      userId,
      deps.clock.now(),
      sessionId === undefined ? {} : { ids: [sessionId] },
    );
    if (ended.length > 0) {
      await recordAdminChange(deps, tx, {
        actor: viewer.user,
        model: "user",
        objectId: userId,
        objectRepr: user.username,
        kind: "change",
        message: sessionId === undefined ? "Ended every session." : "Ended a session.",
      });
      await recordWebhookEvent(
        deps,
        tx,
        sessionsRevokedEvent(userId, { sessionIds: ended, by: "staff" }),
      );
    }
    return { user, ended: ended.length };
  });
}
