// The lifecycle of stored signing keys, for `gatehouse keys` (issue 19): where each key stands,
// a rotation (a new key published now, signing later), and pruning the keys no token that could
// still verify was signed with.
import type { Config } from "../../config/config.js";
import {
  deleteSigningKeys,
  insertSigningKey,
  listSigningKeys,
  type StoredSigningKey,
} from "./signing-keys-store.js";
import { KEY_REFRESH_INTERVAL_MS, newStoredKey, type KeyRingDeps } from "./signing-keys.js";

/** How long after a key stops signing its tokens may still be presented (and must verify). */
export function keyRetentionSeconds(settings: Config["jwt"]): number | undefined {
  if (!settings.verifyExpiration) return undefined;
  // Without long-running refresh tokens, refreshToken takes an expired access token until its
  // refresh window closes, and must still check its signature.
  const lifetime =
    settings.allowRefresh && !settings.longRunningRefreshToken
      ? Math.max(settings.expirationDeltaSeconds, settings.refreshExpirationDeltaSeconds)
      : settings.expirationDeltaSeconds;
  return lifetime + settings.leewaySeconds + KEY_REFRESH_INTERVAL_MS / 1000;
}

export interface KeyStatus {
  kid: string;
  algorithm: string;
  createdAt: Date;
  activatesAt: Date;
  state: "pending" | "current" | "previous" | "expired";
  /** For previous keys: when the last token it signed stops verifying. */
  removableAt?: Date;
}

/** Every stored key and where it stands now. */
export async function signingKeyStatuses(
  deps: Pick<KeyRingDeps, "config" | "db" | "clock">,
): Promise<KeyStatus[]> {
  const keys = await listSigningKeys(deps.db);
  const now = deps.clock.now().getTime();
  const retentionMs = (keyRetentionSeconds(deps.config.jwt) ?? Number.POSITIVE_INFINITY) * 1000;
  const active = keys.filter((key) => key.activatesAt.getTime() <= now);
  return keys.map((key) => {
    const base = {
      kid: key.kid,
      algorithm: key.algorithm,
      createdAt: key.createdAt,
      activatesAt: key.activatesAt,
    };
    if (key.activatesAt.getTime() > now) return { ...base, state: "pending" };
    // Superseded when a later key (of any algorithm) has activated: it signed nothing since.
    const successor = active.find(
      (other) => other.activatesAt.getTime() > key.activatesAt.getTime(),
    );
    if (successor === undefined) return { ...base, state: "current" };
    const removableAt = new Date(successor.activatesAt.getTime() + retentionMs);
    return {
      ...base,
      state: removableAt.getTime() <= now ? "expired" : "previous",
      ...(Number.isFinite(removableAt.getTime()) ? { removableAt } : {}),
    };
  });
}

/** `gatehouse keys rotate`: a new key, published at once, signing from `activateInSeconds`. */
export async function rotateSigningKey(
  deps: Pick<KeyRingDeps, "config" | "db" | "clock">,
  activateInSeconds: number,
): Promise<StoredSigningKey> {
  const now = deps.clock.now();
  const key = newStoredKey(deps.config, now, new Date(now.getTime() + activateInSeconds * 1000));
  if (!(await insertSigningKey(deps.db, key))) {
    throw new Error("another key activates at that very instant; run the rotation again");
  }
  return key;
}

/** `gatehouse keys prune`: removes the keys no token that could still verify was signed with. */
export async function pruneSigningKeys(
  deps: Pick<KeyRingDeps, "config" | "db" | "clock">,
): Promise<string[]> {
  const expired = (await signingKeyStatuses(deps)).filter((key) => key.state === "expired");
  const kids = expired.map((key) => key.kid);
  await deleteSigningKeys(deps.db, kids);
  return kids;
}
