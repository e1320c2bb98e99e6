// The second factor as a client and an authenticator app use it: the GraphQL documents, codes
// computed with otpauth at the test app's clock, and a user whose TOTP is on.
import { Secret, TOTP } from "otpauth";
import { expect } from "vitest";
import { aVerifiedUser, type RegisteredUser } from "./builders.js";
import type { TestApp } from "./test-app.js";

export const SETUP_TOTP = `mutation ($password: String!) {
  setupTotp(password: $password) { success errors secret otpauthUrl }
}`;
export const CONFIRM_TOTP = `mutation ($code: String!) {
  confirmTotp(code: $code) { success errors recoveryCodes }
}`;
export const DISABLE_TOTP = `mutation ($password: String!, $code: String!) {
  disableTotp(password: $password, code: $code) { success errors }
}`;
export const REGENERATE_RECOVERY_CODES = `mutation ($password: String!, $code: String!) {
  regenerateRecoveryCodes(password: $password, code: $code) { success errors recoveryCodes }
}`;
export const TOKEN_AUTH_OTP = `mutation ($username: String!, $password: String!, $otp: String) {
  tokenAuth(username: $username, password: $password, otp: $otp) {
    success errors token refreshToken user { username }
  }
}`;
export const ME_TWO_FACTOR = `{ me { username twoFactorEnabled } }`;

export const OTP_REQUIRED = {
  nonFieldErrors: [
    {
      message: "Enter a code from your authenticator app or a recovery code.",
      code: "otp_required",
    },
  ],
};
export const INVALID_OTP_DETAIL = { message: "Invalid or expired code.", code: "invalid_otp" };

/** The code an authenticator app shows for `secret` at `at` (RFC 6238 defaults, as we use). */
export function codeAt(secret: string, at: Date): string {
  return TOTP.generate({ secret: Secret.fromBase32(secret), timestamp: at.getTime() });
}

/** The code of the app's current time step. */
export function currentCode(app: TestApp, secret: string): string {
  return codeAt(secret, app.clock.now());
}

/** Moves the app's clock into the next 30-second step and returns that step's code. */
export function nextCode(app: TestApp, secret: string): string {
  app.clock.advance(30);
  return currentCode(app, secret);
}

export interface TotpUser extends RegisteredUser {
  secret: string;
  recoveryCodes: string[];
}

/** Sets up and confirms TOTP for the signed-in user, through the API. */
export async function turnOnTotp(
  app: TestApp,
  user: { token: string; password: string },
): Promise<{ secret: string; recoveryCodes: string[] }> {
  const setup = await app.gql(SETUP_TOTP, { password: user.password }, { token: user.token });
  const { secret } = setup.body.data?.setupTotp as { secret: string };
  expect(secret).toEqual(expect.any(String));
  const confirmed = await app.gql(
    CONFIRM_TOTP,
    { code: currentCode(app, secret) },
    { token: user.token },
  );
  const payload = confirmed.body.data?.confirmTotp as { success: boolean; recoveryCodes: string[] };
  expect(payload.success).toBe(true);
  return { secret, recoveryCodes: payload.recoveryCodes };
}

/** A verified user who has set up and confirmed TOTP through the API. */
export async function aUserWithTotp(app: TestApp): Promise<TotpUser> {
  const user = await aVerifiedUser(app);
  return { ...user, ...(await turnOnTotp(app, user)) };
}
