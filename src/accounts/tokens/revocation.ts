// Ending every session of a user (SPEC §3.2 step 5): after a password change or reset, archiving,
// the admin's "log out everywhere", and refresh-token reuse. Refresh tokens are revoked, and
// access tokens stop at once because the version they name moves on.
import type { Deps } from "../../deps.js";
import { revokeUserAccessTokens } from "../user-writes-store.js";
import { unixSeconds } from "./access-tokens.js";
import { revokeUserRefreshTokens } from "./refresh-tokens-store.js";
import { revokeSessions } from "./sessions-store.js";

/**
 * Runs inside the caller's transaction. Returns what a token issued afterwards must carry:
 * the new version, and the second from which legacy (unversioned) tokens count.
 */
export async function endAllSessions(
  deps: Pick<Deps, "clock">,
  tx: Deps["db"],
  user: { id: number },
): Promise<{ tokenVersion: number; tokensValidAfter: number }> {
  const now = deps.clock.now();
  await revokeSessions(tx, user.id, now);
  await revokeUserRefreshTokens(tx, user.id, now);
  const tokensValidAfter = unixSeconds(now) + 1;
  const tokenVersion = await revokeUserAccessTokens(tx, user.id, tokensValidAfter);
  return { tokenVersion, tokensValidAfter };
}
