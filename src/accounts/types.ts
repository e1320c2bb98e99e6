// Domain shapes shared by the accounts functions and their callers (GraphQL, admin, CLI).

export interface UserStatus {
  verified: boolean;
  archived: boolean;
  secondaryEmail: string | null;
}

export interface User {
  id: number;
  username: string;
  firstName: string;
  lastName: string;
  email: string;
  isStaff: boolean;
  isActive: boolean;
  isSuperuser: boolean;
  dateJoined: Date;
  lastLogin: Date | null;
  /** The encoded hash; never leaves the domain. */
  passwordHash: string;
  /** Unix seconds; see SPEC §3.2 step 5. */
  tokensValidAfter: number;
  /** Named by every access token issued since the last revocation (accounts/tokens/). */
  tokenVersion: number;
  status: UserStatus;
  /**
   * The declared fields' columns (USER_FIELDS) as the driver returned them; read them through
   * accounts/fields/, which knows each one's type.
   */
  fieldColumns: Record<string, unknown>;
}

export interface IssuedAccessToken {
  token: string;
  /** The claims as the token carries them (the user under USERNAME_FIELD's name). */
  payload: Record<string, unknown>;
}

/**
 * A refresh token is minted only when the client selects the field (SPEC §7.2, like the
 * reference's lazy value), so callers get a function that creates it on first use.
 */
export type RefreshTokenMinter = () => Promise<{ token: string; expiresAt: Date }>;

export interface Clock {
  now(): Date;
}

/** Where a request came from, for email links (SPEC §9) and rate limits. */
export interface RequestOrigin {
  host: string | undefined;
  isSecure: boolean;
  ip: string | undefined;
  /** The User-Agent header, shown in the sessions a sign-in starts. */
  userAgent?: string | undefined;
  /** Set per request: how many passwords it may still have checked (passwords/checks.ts). */
  passwordChecks?: { remaining: number };
  /** Set per request: how many second-factor codes it may still have checked (second-factor/). */
  codeChecks?: { remaining: number };
}

/** How a user proved who they are when a session opened (`admin`: the admin site's form). */
export type SignInMethod = "password" | "email_link" | "passkey" | "admin";

/** How a refused sign-in was attempted. */
export type SignInFailureMethod = "password" | "email_link" | "second_factor" | "passkey" | "admin";
