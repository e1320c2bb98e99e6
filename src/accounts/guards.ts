// SPEC §5.0: the guards of the protected mutations, in their fixed order, stopping at the first
// failure: login, verified, secondary email, password confirmation.
import type { Deps } from "../deps.js";
import { AccountsError } from "./errors.js";
import type { User } from "./types.js";

export interface GuardOptions {
  requireSecondaryEmail?: boolean;
  /** The password argument to confirm, and the argument name its error is reported under. */
  password?: { value: string; argument: string };
}

export async function guardAccount(
  deps: Pick<Deps, "passwords">,
  viewer: User | undefined,
  options: GuardOptions = {},
): Promise<User> {
  if (viewer === undefined) throw AccountsError.of("UNAUTHENTICATED");
  if (!viewer.status.verified) throw AccountsError.of("NOT_VERIFIED");
  if (options.requireSecondaryEmail === true && viewer.status.secondaryEmail === null) {
    throw AccountsError.of("SECONDARY_EMAIL_REQUIRED");
  }
  if (options.password !== undefined) {
    const isRight = await deps.passwords.verify(options.password.value, viewer.passwordHash);
    if (!isRight) throw AccountsError.of("INVALID_PASSWORD", options.password.argument);
  }
  return viewer;
}
