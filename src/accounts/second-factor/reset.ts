// Resetting a user's second factor for them (a lost phone and lost recovery codes): staff with
// "change user" in the admin, under the rule that only superusers change superusers
// (staff/privileges.ts), recorded in the user's history; and operators through the CLI.
import type { Deps } from "../../deps.js";
import { AccountsError } from "../errors.js";
import { findUserByNaturalKey } from "../natural-key.js";
import { recordAdminChange, requireAdmin, type AdminViewer } from "../staff/access.js";
import { accountToChange } from "../staff/privileges.js";
import type { User } from "../types.js";
import { deleteSecondFactor } from "./second-factor-store.js";
import { recordWebhookEvent, userEvent } from "../webhooks/events.js";

/**
 * Removes the user's TOTP secret and recovery codes; the next sign-in needs the password only.
 * Returns undefined when the user is gone, else whether there was anything to remove (only then
 * is the change recorded). Throws permission_denied (requireAdmin, privileges.ts).
 */
export async function resetSecondFactorFromAdmin(
  deps: Pick<Deps, "db" | "clock">,
  viewer: AdminViewer,
  id: number,
): Promise<{ user: User; wasSet: boolean } | undefined> {
  requireAdmin(viewer, "change", "user");
  return deps.db.transaction().execute(async (tx) => {
    const user = await accountToChange(tx, viewer, id);
    if (user === undefined) return undefined;
    const wasSet = await deleteSecondFactor(tx, id);
    if (wasSet) {
      await recordAdminChange(deps, tx, {
        actor: viewer.user,
        model: "user",
        objectId: id,
        objectRepr: user.username,
        kind: "change",
        message: "Reset two-factor authentication.",
      });
      await recordWebhookEvent(deps, tx, userEvent("totp.disabled", user, { by: "staff" }));
    }
    return { user, wasSet };
  });
}

/**
 * `gatehouse reset-2fa <natural key>`: as the admin's reset. Returns whether there was anything
 * to remove; throws a field error (not_found) for an unknown user.
 */
export async function resetSecondFactorByNaturalKey(
  deps: Pick<Deps, "config" | "db" | "clock">,
  naturalKey: string,
): Promise<boolean> {
  const user = await findUserByNaturalKey(deps, naturalKey);
  if (user === undefined) {
    throw new AccountsError({
      username: [{ message: `user '${naturalKey}' does not exist`, code: "not_found" }],
    });
  }
  return deps.db.transaction().execute(async (tx) => {
    const wasSet = await deleteSecondFactor(tx, user.id);
    if (wasSet) await recordWebhookEvent(deps, tx, userEvent("totp.disabled", user, { by: "cli" }));
    return wasSet;
  });
}
