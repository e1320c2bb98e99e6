// Action tokens for the email links (SPEC §7.3), bound by an `fp` key to the account state the
// action depends on, so a token stops working once that state changes (single use).
import type { Deps } from "../../deps.js";
import { AccountsError } from "../errors.js";
import { readActionToken, signActionToken, stateFingerprint } from "./action-tokens.js";
import type { User } from "../types.js";
import { findUserByNaturalKey, naturalKeyOf } from "../natural-key.js";
import { digestSecret } from "./secrets.js";
import { insertSpentActionToken, isActionTokenSpent } from "./spent-action-tokens-store.js";

export type TokenAction =
  "activation" | "password_reset" | "password_set" | "activation_secondary_email" | "sign_in";

function boundState(action: TokenAction, user: User): (string | number | null)[] {
  switch (action) {
    case "activation":
      return [action, user.email];
    case "password_reset":
      return [action, user.passwordHash, user.tokensValidAfter];
    case "password_set":
      // Single-effect already: once a password is set, reuse answers PASSWORD_ALREADY_SET
      // (SPEC §5.6, §7.3), which binding to the hash would turn into INVALID_TOKEN.
      return [action];
    case "activation_secondary_email":
      // Not bound to the secondary address itself: reusing the link must answer EMAIL_IN_USE
      // (SPEC §5.12), which binding it would turn into INVALID_TOKEN.
      return [action, user.email];
    case "sign_in":
      // A new password or "sign out everywhere" retires the links mailed before it; single use
      // and newest-only are the sign_in_links row's (email-sign-in.ts).
      return [action, user.passwordHash, user.tokensValidAfter];
  }
}

function maxAgeSeconds(config: Deps["config"], action: TokenAction): number {
  const ttl = config.actionTokens;
  switch (action) {
    case "activation":
      return ttl.activationTtlSeconds;
    case "password_reset":
      return ttl.passwordResetTtlSeconds;
    case "password_set":
      return ttl.passwordSetTtlSeconds;
    case "activation_secondary_email":
      return ttl.secondaryEmailTtlSeconds;
    case "sign_in":
      return ttl.signInTtlSeconds;
  }
}

export function actionToken(
  deps: Pick<Deps, "config" | "clock">,
  action: TokenAction,
  user: User,
  extra: Record<string, string> = {},
): string {
  // Keyed by USERNAME_FIELD, as django-graphql-auth's get_token does.
  const payload = {
    [deps.config.accounts.usernameField]: naturalKeyOf(deps.config, user),
    action,
    ...extra,
    fp: stateFingerprint(deps.config.secretKey, boundState(action, user)),
  };
  return signActionToken(deps.config.secretKey, payload, deps.clock.now());
}

export interface ActionLink {
  user: User;
  payload: Record<string, unknown>;
  /**
   * Set for a token without our state binding (a Django link, COMPAT_MODE): nothing in the
   * account changes when it is used, so spending it records it (spendActionLink).
   */
  unbound?: { digest: string; expiresAt: Date };
}

/**
 * Reads a token for `action` and returns its user and payload. Throws EXPIRED_TOKEN or
 * INVALID_TOKEN (also for a deleted user, a token whose bound state changed, or a spent one).
 */
export async function readActionLink(
  deps: Pick<Deps, "config" | "clock" | "db">,
  token: string,
  action: TokenAction,
): Promise<ActionLink> {
  const result = readActionToken(
    deps.config.secretKey,
    token,
    maxAgeSeconds(deps.config, action),
    deps.clock.now(),
  );
  if (!result.ok)
    throw AccountsError.of(result.reason === "expired" ? "EXPIRED_TOKEN" : "INVALID_TOKEN");
  const { payload } = result;
  const naturalKey = payload[deps.config.accounts.usernameField];
  if (payload.action !== action || typeof naturalKey !== "string")
    throw AccountsError.of("INVALID_TOKEN");
  const user = await findUserByNaturalKey(deps, naturalKey);
  if (user === undefined) throw AccountsError.of("INVALID_TOKEN");
  if (payload.fp !== undefined) {
    if (payload.fp !== stateFingerprint(deps.config.secretKey, boundState(action, user)))
      throw AccountsError.of("INVALID_TOKEN");
    return { user, payload };
  }
  // Links minted by a Django deployment sharing SECRET_KEY carry no fp (COMPAT_MODE only); Django
  // never mints sign-in links, so one without fp is forged or foreign.
  if (!deps.config.actionTokens.acceptUnboundTokens || action === "sign_in")
    throw AccountsError.of("INVALID_TOKEN");
  const digest = digestSecret(token);
  if (await isActionTokenSpent(deps.db, digest)) throw AccountsError.of("INVALID_TOKEN");
  const expiresAt = new Date(
    deps.clock.now().getTime() + maxAgeSeconds(deps.config, action) * 1000,
  );
  return { user, payload, unbound: { digest, expiresAt } };
}

/**
 * Marks a link used, inside the transaction of its effect, so an unbound (Django) link works
 * once, as ours do. Throws INVALID_TOKEN when a concurrent request spent it first.
 */
export async function spendActionLink(tx: Deps["db"], link: ActionLink): Promise<void> {
  if (link.unbound === undefined) return;
  if (!(await insertSpentActionToken(tx, link.unbound))) throw AccountsError.of("INVALID_TOKEN");
}
