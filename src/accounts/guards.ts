// SPEC §5.0: the guards of the protected mutations, in their fixed order, stopping at the first
// failure: login, verified, secondary email, password confirmation.
import type { Deps } from "../deps.js";
import { AccountsError } from "./errors.js";
import { checkUserPassword, type PasswordCheckOrigin } from "./passwords/checks.js";
import type { User } from "./types.js";

export interface GuardOptions {
  requireSecondaryEmail?: boolean;
  /**
   * The password argument to confirm, the argument name its error is reported under, and the
   * request it came with (the check is rate-limited like sign-in).
   */
  password?: { value: string; argument: string; origin: PasswordCheckOrigin };
}

/** Throws the first failing guard's error; RATE_LIMITED or PASSWORD_CHECK_LIMIT before hashing. */
export async function guardAccount(
  deps: Pick<Deps, "config" | "passwords" | "rateLimiter">,
  viewer: User | undefined,
  options: GuardOptions = {},
): Promise<User> {
  if (viewer === undefined) throw AccountsError.of("UNAUTHENTICATED");
  if (!viewer.status.verified) throw AccountsError.of("NOT_VERIFIED");
  if (options.requireSecondaryEmail === true && viewer.status.secondaryEmail === null) {
    throw AccountsError.of("SECONDARY_EMAIL_REQUIRED");
  }
  if (options.password !== undefined) {
    const { value, origin } = options.password;
    const isRight = await checkUserPassword(deps, viewer, value, origin);
    if (!isRight) throw AccountsError.of("INVALID_PASSWORD", options.password.argument);
  }
  return viewer;
}
