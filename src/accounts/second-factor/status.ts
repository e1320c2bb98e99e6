// Whether a user's second factor is on, as UserNode and the admin's user page tell it. Only the
// user and staff see it through the API: who lacks a second factor is a list of easier targets.
import type { Deps } from "../../deps.js";
import { requireAdmin, type AdminViewer } from "../staff/access.js";
import type { User } from "../types.js";
import {
  countUnusedRecoveryCodes,
  findTotpSecret,
  isTotpConfirmed,
} from "./second-factor-store.js";

/** UserNode.twoFactorEnabled: the user's own or, for staff, anyone's; null for other callers. */
export async function twoFactorEnabledFor(
  deps: Pick<Deps, "db">,
  viewer: Pick<User, "id" | "isStaff"> | undefined,
  user: Pick<User, "id">,
): Promise<boolean | null> {
  if (viewer === undefined || (viewer.id !== user.id && !viewer.isStaff)) return null;
  return isTotpConfirmed(deps.db, user.id);
}

export interface SecondFactorSummary {
  state: "enabled" | "pending" | "off";
  confirmedAt: Date | undefined;
  unusedRecoveryCodes: number;
}

/** The admin's view of a user's second factor (never the secret). */
export async function secondFactorSummary(
  deps: Pick<Deps, "db">,
  viewer: AdminViewer,
  userId: number,
): Promise<SecondFactorSummary> {
  requireAdmin(viewer, "view", "user");
  const stored = await findTotpSecret(deps.db, userId);
  if (stored === undefined) return { state: "off", confirmedAt: undefined, unusedRecoveryCodes: 0 };
  return {
    state: stored.confirmedAt === undefined ? "pending" : "enabled",
    confirmedAt: stored.confirmedAt,
    unusedRecoveryCodes: await countUnusedRecoveryCodes(deps.db, userId),
  };
}
