// Signing in and out: tokenAuth's checks (SPEC §5.14), and ending every session of a user when a
// password changes or an account is archived (SPEC §3.2 step 5). The tokens a sign-in hands out
// are made in tokens/.
import type { Deps } from "../deps.js";
import { AccountsError } from "./errors.js";
import { limitSignIn } from "./rate-limits/limiter.js";
import { issueAccessToken, unixSeconds } from "./tokens/access-tokens.js";
import { refreshTokenMinter } from "./tokens/refresh-tokens.js";
import { revokeUserRefreshTokens } from "./tokens/refresh-tokens-store.js";
import type { RequestOrigin, User } from "./types.js";
import {
  findUserByEmail,
  findUserBySecondaryEmail,
  findUserByUsername,
  updateUser,
  updateUserStatus,
} from "./users-store.js";

type SessionDeps = Pick<
  Deps,
  "config" | "db" | "clock" | "accessTokens" | "events" | "passwords" | "rateLimiter"
>;

/** Where a request came from; the rate limits count per client (SPEC §11.4). */
type Client = Pick<RequestOrigin, "ip">;

export interface Credentials {
  /** The login field used (`username`, `email`, or another model field). */
  field: string;
  value: string;
  password: string;
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
  return undefined;
}

/**
 * tokenAuth (SPEC §5.14). Throws RATE_LIMITED, INVALID_CREDENTIALS or NOT_VERIFIED; un-archives
 * only after the password matched. Unknown identifiers still spend one hash, so timing reveals
 * nothing. The attempt is counted before anything is looked up or hashed.
 */
export async function signIn(deps: SessionDeps, credentials: Credentials, client: Client) {
  await limitSignIn(deps, { identifier: credentials.value, origin: client });
  const user = await findLoginUser(deps, credentials);
  const isPasswordRight =
    user === undefined
      ? await deps.passwords.verifyAgainstDummy(credentials.password).then(() => false)
      : await deps.passwords.verify(credentials.password, user.passwordHash);
  if (user === undefined || !isPasswordRight || !user.isActive) {
    deps.events.emit("user_login_failed", { identifier: credentials.value });
    throw AccountsError.of("INVALID_CREDENTIALS");
  }
  if (!user.status.verified && !deps.config.accounts.allowLoginNotVerified) {
    throw AccountsError.of("NOT_VERIFIED");
  }
  const now = deps.clock.now();
  const rehashed = deps.passwords.needsRehash(user.passwordHash)
    ? await deps.passwords.hash(credentials.password)
    : undefined;
  const unarchiving = user.status.archived;
  await deps.db.transaction().execute(async (tx) => {
    await updateUser(tx, user.id, {
      lastLogin: now,
      ...(rehashed === undefined ? {} : { passwordHash: rehashed }),
    });
    if (unarchiving) await updateUserStatus(tx, user.id, { archived: false });
  });
  const signedInUser: User = {
    ...user,
    lastLogin: now,
    status: { ...user.status, archived: false },
  };
  deps.events.emit("token_issued", { user: signedInUser });
  return {
    user: signedInUser,
    access: issueAccessToken(deps, signedInUser),
    refreshToken: refreshTokenMinter(deps, user.id),
    unarchiving,
  };
}

/**
 * Ends every session of a user: refresh tokens revoked, and access tokens issued up to now
 * refused from the next whole second on (SPEC §3.2 step 5). Runs inside the caller's transaction.
 */
export async function endAllSessions(
  deps: Pick<Deps, "clock">,
  tx: Deps["db"],
  user: User,
): Promise<number> {
  const now = deps.clock.now();
  await revokeUserRefreshTokens(tx, user.id, now);
  const tokensValidAfter = unixSeconds(now) + 1;
  await updateUser(tx, user.id, { tokensValidAfter });
  return tokensValidAfter;
}
