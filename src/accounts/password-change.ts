// passwordChange (SPEC §5.7): a new password ends every session, then the caller is signed in
// again with a fresh access token and refresh token.
import type { Deps } from "../deps.js";
import { guardAccount } from "./guards.js";
import type { PasswordCheckOrigin } from "./passwords/checks.js";
import { cleanPasswordPair } from "./password-reset.js";
import { endAllSessions } from "./tokens/revocation.js";
import { issueAccessToken } from "./tokens/access-tokens.js";
import { refreshTokenMinter } from "./tokens/refresh-tokens.js";
import { startSession, type SessionOrigin } from "./tokens/user-sessions.js";
import type { User } from "./types.js";
import { updateUser } from "./user-writes-store.js";
import { recordWebhookEvent, userEvent } from "./webhooks/events.js";

export interface PasswordChangeInput {
  oldPassword: string;
  newPassword1: string;
  newPassword2: string;
}

/** Throws UNAUTHENTICATED, NOT_VERIFIED, `oldPassword` INVALID_PASSWORD or field errors. */
export async function changePassword(
  deps: Pick<
    Deps,
    | "config"
    | "db"
    | "clock"
    | "passwords"
    | "passwordPolicy"
    | "accessTokens"
    | "events"
    | "rateLimiter"
  >,
  viewer: User | undefined,
  input: PasswordChangeInput,
  origin: PasswordCheckOrigin & SessionOrigin,
) {
  const user = await guardAccount(deps, viewer, {
    password: { value: input.oldPassword, argument: "oldPassword", origin },
  });
  const password = cleanPasswordPair(deps, user, input);
  const passwordHash = await deps.passwords.hash(password, { caller: origin.ip });
  // Every session ends; the caller goes on in a new one.
  const { revoked, sessionId } = await deps.db.transaction().execute(async (tx) => {
    const ended = await endAllSessions(deps, tx, user);
    await updateUser(tx, user.id, { passwordHash });
    await recordWebhookEvent(
      deps,
      tx,
      userEvent("user.password_changed", user, { by: "password_change" }),
    );
    return { revoked: ended, sessionId: await startSession(deps, tx, user, origin) };
  });
  const changed: User = { ...user, passwordHash, ...revoked };
  deps.events.emit("token_issued", { user: changed });
  return {
    access: issueAccessToken(deps, changed, sessionId),
    refreshToken: refreshTokenMinter(deps, user.id, sessionId),
  };
}
