// Operator tasks behind the CLI: setting a password and clearing old refresh tokens.
import type { Deps } from "../deps.js";
import { AccountsError, FieldErrors } from "./errors.js";
import { cleanNewPasswords } from "./registration.js";
import { endAllSessions } from "./tokens/revocation.js";
import { deleteExpiredSpentActionTokens } from "./tokens/spent-action-tokens-store.js";
import {
  deleteRefreshTokensCreatedBefore,
  deleteRevokedRefreshTokens,
} from "./tokens/refresh-tokens-store.js";
import { findUserByNaturalKey } from "./natural-key.js";
import { updateUser } from "./user-writes-store.js";
import { recordWebhookEvent, userEvent } from "./webhooks/events.js";

/** changepassword: validators apply; every session of the user ends. Throws field errors. */
export async function changeUserPassword(
  deps: Pick<Deps, "config" | "db" | "clock" | "passwords" | "passwordPolicy">,
  /** The value of USERNAME_FIELD, as Django's changepassword takes it. */
  username: string,
  password: string,
): Promise<void> {
  const user = await findUserByNaturalKey(deps, username);
  if (user === undefined) {
    throw new AccountsError({
      username: [{ message: `user '${username}' does not exist`, code: "not_found" }],
    });
  }
  const errors = new FieldErrors();
  cleanNewPasswords(
    deps,
    errors,
    { password1: password, password2: password },
    {
      username: user.username,
      email: user.email,
      first_name: user.firstName,
      last_name: user.lastName,
    },
    { first: "password", second: "password" },
  );
  errors.throwIfAny();
  const passwordHash = await deps.passwords.hash(password);
  await deps.db.transaction().execute(async (tx) => {
    await endAllSessions(deps, tx, user);
    await updateUser(tx, user.id, { passwordHash });
    await recordWebhookEvent(deps, tx, userEvent("user.password_changed", user, { by: "cli" }));
  });
}

/**
 * cleartokens: revoked tokens always, expired ones with includeExpired (SPEC §7.2); the records of
 * spent Django links go once those links would have expired anyway.
 */
export async function clearRefreshTokens(
  deps: Pick<Deps, "db" | "clock" | "config">,
  options: { includeExpired: boolean },
): Promise<{ revoked: number; expired: number }> {
  await deleteExpiredSpentActionTokens(deps.db, deps.clock.now());
  const revoked = await deleteRevokedRefreshTokens(deps.db);
  if (!options.includeExpired) return { revoked, expired: 0 };
  const cutoff = new Date(
    deps.clock.now().getTime() - deps.config.jwt.refreshExpirationDeltaSeconds * 1000,
  );
  const expired = await deleteRefreshTokensCreatedBefore(deps.db, cutoff);
  return { revoked, expired };
}
