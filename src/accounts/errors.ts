// The error contract of the accounts domain. Expected failures carry the `errors` object that
// SPEC §6.1 defines: keys are argument names (camelCase) or `nonFieldErrors`, values are lists of
// {message, code}. The GraphQL layer returns it as the payload's `errors`.

export interface ErrorDetail {
  message: string;
  code: string;
}

export type ErrorMap = Record<string, ErrorDetail[]>;

export const NON_FIELD_ERRORS = "nonFieldErrors";

/** SPEC §6.2, the reference's catalogue. */
export const CATALOGUE = {
  INVALID_PASSWORD: { message: "Invalid password.", code: "invalid_password" },
  UNAUTHENTICATED: { message: "Unauthenticated.", code: "unauthenticated" },
  INVALID_TOKEN: { message: "Invalid token.", code: "invalid_token" },
  EXPIRED_TOKEN: { message: "Expired token.", code: "expired_token" },
  ALREADY_VERIFIED: { message: "Account already verified.", code: "already_verified" },
  EMAIL_FAIL: { message: "Failed to send email.", code: "email_fail" },
  INVALID_CREDENTIALS: { message: "Please, enter valid credentials.", code: "invalid_credentials" },
  NOT_VERIFIED: { message: "Please verify your account.", code: "not_verified" },
  EMAIL_IN_USE: { message: "A user with that email already exists.", code: "unique" },
  SECONDARY_EMAIL_REQUIRED: {
    message: "You need to setup a secondary email to proceed.",
    code: "secondary_email_required",
  },
  PASSWORD_ALREADY_SET: {
    message: "Password already set for account.",
    code: "password_already_set",
  },
  RATE_LIMITED: { message: "Too many attempts. Try again later.", code: "rate_limited" },
  /** Ours: a request may have one password checked (aliases would otherwise batch guesses). */
  /** Ours: revokeSession for an id that names none of the caller's live sessions. */
  SESSION_NOT_FOUND: { message: "No such session.", code: "session_not_found" },
  PASSWORD_CHECK_LIMIT: {
    message: "Only one password can be checked per request.",
    code: "password_check_limit",
  },
  /** Ours, the second factor (accounts/second-factor/): tokenAuth needs a code for this user. */
  OTP_REQUIRED: {
    message: "Enter a code from your authenticator app or a recovery code.",
    code: "otp_required",
  },
  INVALID_OTP: { message: "Invalid or expired code.", code: "invalid_otp" },
  /** A request may have one code checked (aliases would otherwise batch guesses). */
  OTP_CHECK_LIMIT: {
    message: "Only one code can be checked per request.",
    code: "otp_check_limit",
  },
  TOTP_ALREADY_ENABLED: {
    message: "Two-factor authentication is already enabled.",
    code: "totp_already_enabled",
  },
  TOTP_NOT_SET_UP: {
    message: "Set up two-factor authentication first.",
    code: "totp_not_set_up",
  },
  TOTP_NOT_ENABLED: {
    message: "Two-factor authentication is not enabled.",
    code: "totp_not_enabled",
  },
  /** Ours, passkeys (accounts/passkeys/): a credential that does not verify, or a used challenge. */
  INVALID_PASSKEY: { message: "The passkey could not be verified.", code: "invalid_passkey" },
  PASSKEY_NOT_FOUND: { message: "No such passkey.", code: "passkey_not_found" },
} as const satisfies Record<string, ErrorDetail>;

export type AccountsErrorCode = keyof typeof CATALOGUE;

/** SPEC §6.3, Django 3.2's form messages. */
export const MESSAGES = {
  required: (): ErrorDetail => ({ message: "This field is required.", code: "required" }),
  invalidWebhookUrl: (problem: string): ErrorDetail => ({
    message: `The URL ${problem}.`,
    code: "invalid",
  }),
  invalidWebhookSecret: (): ErrorDetail => ({
    message: "A signing secret is whsec_ followed by base64 of 24 to 64 random bytes.",
    code: "invalid",
  }),
  maxLength: (limit: number, actual: number): ErrorDetail => ({
    message: `Ensure this value has at most ${limit} characters (it has ${actual}).`,
    code: "max_length",
  }),
  invalidEmail: (): ErrorDetail => ({ message: "Enter a valid email address.", code: "invalid" }),
  invalidUsername: (): ErrorDetail => ({
    message:
      "Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters.",
    code: "invalid",
  }),
  usernameTaken: (): ErrorDetail => ({
    message: "A user with that username already exists.",
    code: "unique",
  }),
  /** Ours, not Django's: a name confusable with another user's (validation.ts, UTS #39). */
  usernameSimilar: (): ErrorDetail => ({
    message: "A user with a similar username already exists.",
    code: "similar_username",
  }),
  primaryEmailTaken: (): ErrorDetail => ({
    message: "User with this Email already exists.",
    code: "unique",
  }),
  passwordMismatch: (): ErrorDetail => ({
    message: "The two password fields didn\u2019t match.",
    code: "password_mismatch",
  }),
};

/** An outcome the client can act on; `errors` is the SPEC §6.1 object. */
export class AccountsError extends Error {
  readonly errors: ErrorMap;

  constructor(errors: ErrorMap, options?: { cause?: unknown }) {
    super(Object.values(errors).flat()[0]?.code ?? "accounts_error", options);
    this.name = "AccountsError";
    this.errors = errors;
  }

  static of(code: AccountsErrorCode, field: string = NON_FIELD_ERRORS): AccountsError {
    return new AccountsError({ [field]: [{ ...CATALOGUE[code] }] });
  }

  hasCode(code: string): boolean {
    return Object.values(this.errors).some((details) => details.some((d) => d.code === code));
  }
}

/** Collects field errors in the order fields are checked; throws them together. */
export class FieldErrors {
  readonly #errors: ErrorMap = {};

  add(field: string, detail: ErrorDetail): void {
    (this.#errors[field] ??= []).push(detail);
  }

  has(field: string): boolean {
    return this.#errors[field] !== undefined;
  }

  get isEmpty(): boolean {
    return Object.keys(this.#errors).length === 0;
  }

  throwIfAny(): void {
    if (!this.isEmpty) throw new AccountsError(this.#errors);
  }
}
