// A user's passkeys in the admin (issue 18): staff who may view users see them; staff who may
// change the user (only superusers for a superuser: privileges.ts) remove one, recorded in the
// user's history. A lost or stolen device is the reason: its passkey must stop signing in.
import type { Deps } from "../../deps.js";
import { deletePasskey, listPasskeys } from "../passkeys/passkeys-store.js";
import type { User } from "../types.js";
import { recordAdminChange, requireAdmin, type AdminViewer } from "./access.js";
import { passkeyEvent, recordWebhookEvent } from "../webhooks/events.js";
import { accountToChange } from "./privileges.js";

export async function listUserPasskeysForAdmin(
  deps: Pick<Deps, "db">,
  viewer: AdminViewer,
  userId: number,
) {
  requireAdmin(viewer, "view", "user");
  return listPasskeys(deps.db, userId);
}

/**
 * Removes the user's passkey `passkeyId`. Returns undefined when the user is gone, else whether
 * a passkey was removed. Throws permission_denied.
 */
export async function removeUserPasskeyFromAdmin(
  deps: Pick<Deps, "db" | "clock">,
  viewer: AdminViewer,
  userId: number,
  passkeyId: string,
): Promise<{ user: User; removed: boolean } | undefined> {
  requireAdmin(viewer, "change", "user");
  return deps.db.transaction().execute(async (tx) => {
    const user = await accountToChange(tx, viewer, userId);
    if (user === undefined) return undefined;
    const removed = await deletePasskey(tx, userId, passkeyId);
    if (removed) {
      await recordAdminChange(deps, tx, {
        actor: viewer.user,
        model: "user",
        objectId: userId,
        objectRepr: user.username,
        kind: "change",
        message: "Removed a passkey.",
      });
      const removedPasskey = { id: passkeyId };
      await recordWebhookEvent(
        deps,
        tx,
        passkeyEvent("passkey.removed", user, removedPasskey, "staff"),
      );
    }
    return { user, removed };
  });
}
