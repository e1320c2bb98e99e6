// Checking a known user's password outside tokenAuth (passwordChange, archiveAccount, the
// secondary-email mutations, the admin's forms) is a password oracle like sign-in, so it is
// limited like sign-in (issue 12, item 1): counted against the same per-user and per-IP limits
// before any hashing, and at most one password per request, so aliases cannot batch guesses.
import type { Deps } from "../../deps.js";
import { AccountsError } from "../errors.js";
import { naturalKeyOf } from "../natural-key.js";
import { limitSignIn } from "../rate-limits/limiter.js";
import type { RequestOrigin, User } from "../types.js";

/** How many passwords a request may still have checked: one, created per request. */
export interface PasswordCheckBudget {
  remaining: number;
}

export function onePasswordCheck(): PasswordCheckBudget {
  return { remaining: 1 };
}

export type PasswordCheckOrigin = Pick<RequestOrigin, "ip" | "passwordChecks">;

/** Throws PASSWORD_CHECK_LIMIT when this request has already had a password checked. */
export function spendPasswordCheck(origin: PasswordCheckOrigin): void {
  const budget = origin.passwordChecks;
  if (budget === undefined) return;
  if (budget.remaining <= 0) throw AccountsError.of("PASSWORD_CHECK_LIMIT");
  budget.remaining -= 1;
}

/**
 * Whether `password` is the user's. Throws PASSWORD_CHECK_LIMIT (a second check in one request)
 * or RATE_LIMITED (the user's or the client's sign-in attempts are used up), both before hashing.
 */
export async function checkUserPassword(
  deps: Pick<Deps, "config" | "passwords" | "rateLimiter">,
  user: User,
  password: string,
  origin: PasswordCheckOrigin,
): Promise<boolean> {
  spendPasswordCheck(origin);
  await limitSignIn(deps, { identifier: naturalKeyOf(deps.config, user), origin });
  return deps.passwords.verify(password, user.passwordHash, { caller: origin.ip });
}
