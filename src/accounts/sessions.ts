// Signing in: tokenAuth's checks (SPEC §5.14). The tokens a sign-in hands out are made in tokens/,
// and ended there too (tokens/revocation.ts).
import type { Deps } from "../deps.js";
import { AccountsError } from "./errors.js";
import { spendPasswordCheck } from "./passwords/checks.js";
import { limitSignIn } from "./rate-limits/limiter.js";
import { requireSecondFactor } from "./second-factor/sign-in.js";
import { issueAccessToken } from "./tokens/access-tokens.js";
import { refreshTokenMinter } from "./tokens/refresh-tokens.js";
import { startSession } from "./tokens/user-sessions.js";
import type { RequestOrigin, SignInMethod, User } from "./types.js";
import { declaredField } from "./fields/user-fields.js";
import {
  findUserByDeclaredColumn,
  findUserByEmail,
  findUserBySecondaryEmail,
  findUserByUsername,
} from "./users-store.js";
import { updateUser, updateUserStatus } from "./user-writes-store.js";
import { recordSignInFailure, recordWebhookEvents, userEvent } from "./webhooks/events.js";

type SessionDeps = Pick<
  Deps,
  "config" | "db" | "clock" | "accessTokens" | "events" | "passwords" | "rateLimiter"
>;

/** Where a request came from; the rate limits count per client (SPEC §11.4). */
type Client = Pick<RequestOrigin, "ip" | "userAgent" | "passwordChecks" | "codeChecks">;

export interface Credentials {
  /** The login field used (`username`, `email`, or another model field). */
  field: string;
  value: string;
  password: string;
  /** A TOTP or recovery code, for users whose second factor is on (second-factor/). */
  otp?: string | null | undefined;
}

async function findLoginUser(
  deps: SessionDeps,
  credentials: Credentials,
): Promise<User | undefined> {
  if (credentials.field === "email") {
    const user = await findUserByEmail(deps.db, credentials.value);
    if (user !== undefined || !deps.config.accounts.allowLoginWithSecondaryEmail) return user;
    return findUserBySecondaryEmail(deps.db, credentials.value);
  }
  if (credentials.field === "username") return findUserByUsername(deps.db, credentials.value);
  // A declared unique field LOGIN_ALLOWED_FIELDS names (config/model-fields.ts checked it).
  const declared = declaredField(deps.config, credentials.field);
  return declared === undefined
    ? undefined
    : findUserByDeclaredColumn(deps.db, declared.name, credentials.value.trim());
}

/**
 * tokenAuth (SPEC §5.14). Throws PASSWORD_CHECK_LIMIT, RATE_LIMITED, INVALID_CREDENTIALS or
 * NOT_VERIFIED; un-archives only after the password matched. Unknown identifiers still spend one
 * hash, so timing reveals nothing. The attempt is counted before anything is looked up or hashed.
 */
export async function signIn(deps: SessionDeps, credentials: Credentials, client: Client) {
  spendPasswordCheck(client);
  await limitSignIn(deps, { identifier: credentials.value, origin: client });
  const user = await findLoginUser(deps, credentials);
  const caller = { caller: client.ip };
  const isPasswordRight =
    user === undefined
      ? await deps.passwords.verifyAgainstDummy(credentials.password, caller).then(() => false)
      : await deps.passwords.verify(credentials.password, user.passwordHash, caller);
  if (user === undefined || !isPasswordRight || !user.isActive) {
    await recordSignInFailure(deps, user, {
      method: "password",
      ip: client.ip,
      identifier: credentials.value,
    });
    throw AccountsError.of("INVALID_CREDENTIALS");
  }
  if (!user.status.verified && !deps.config.accounts.allowLoginNotVerified) {
    throw AccountsError.of("NOT_VERIFIED");
  }
  await requireSecondFactor(deps, user, credentials.otp, client);
  const rehashed = deps.passwords.needsRehash(user.passwordHash)
    ? await deps.passwords.hash(credentials.password, caller)
    : undefined;
  return openSession(deps, user, client, {
    method: "password",
    ...(rehashed === undefined ? {} : { passwordHash: rehashed }),
  });
}

/**
 * The end of every sign-in (password, email link, passkey): in one transaction, `alsoInTx` (a
 * link or counter spent, which may refuse), the last login, an archived account un-archived, a
 * proven address verified (`verifies`), a rehashed password stored, and a new session. Then the
 * access token now, and the refresh token when the answer asks for it.
 */
export async function openSession(
  deps: Pick<Deps, "config" | "db" | "clock" | "accessTokens" | "events">,
  user: User,
  client: Pick<RequestOrigin, "ip" | "userAgent">,
  options: {
    /** How the user proved who they are, as `user.signed_in` reports it. */
    method: Exclude<SignInMethod, "admin">;
    passwordHash?: string;
    verifies?: boolean;
    alsoInTx?: (tx: Deps["db"]) => Promise<void>;
  },
) {
  const now = deps.clock.now();
  const unarchiving = user.status.archived;
  const verifying = options.verifies === true && !user.status.verified;
  const signedInUser: User = {
    ...user,
    lastLogin: now,
    status: { ...user.status, archived: false, verified: user.status.verified || verifying },
  };
  const sessionId = await deps.db.transaction().execute(async (tx) => {
    await options.alsoInTx?.(tx);
    await updateUser(tx, user.id, {
      lastLogin: now,
      ...(options.passwordHash === undefined ? {} : { passwordHash: options.passwordHash }),
    });
    if (unarchiving || verifying) {
      await updateUserStatus(tx, user.id, {
        archived: false,
        ...(verifying ? { verified: true } : {}),
      });
    }
    await recordWebhookEvents(deps, tx, [
      ...(verifying ? [userEvent("user.verified", signedInUser)] : []),
      userEvent("user.signed_in", signedInUser, {
        ip: client.ip ?? null,
        via: "api",
        method: options.method,
      }),
    ]);
    return startSession(deps, tx, user, client);
  });
  if (verifying) deps.events.emit("user_verified", { user: signedInUser });
  deps.events.emit("user_logged_in", { user: signedInUser, method: options.method });
  deps.events.emit("token_issued", { user: signedInUser });
  return {
    user: signedInUser,
    access: issueAccessToken(deps, signedInUser, sessionId),
    refreshToken: refreshTokenMinter(deps, user.id, sessionId),
    unarchiving,
  };
}
