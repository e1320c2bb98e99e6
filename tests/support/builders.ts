// Test users made through the real API, with unique names and emails.
import { expect } from "vitest";
import { REGISTER, TOKEN_AUTH_USERNAME, VERIFY_ACCOUNT } from "./operations.js";
import { unique, type TestApp } from "./test-app.js";

export const STRONG_PASSWORD = "Correct-Horse-42";

export interface RegisteredUser {
  username: string;
  email: string;
  password: string;
  token: string;
  refreshToken: string;
  activationToken: string;
}

export async function aRegisteredUser(
  app: TestApp,
  overrides: { username?: string; email?: string; password?: string } = {},
): Promise<RegisteredUser> {
  const username = overrides.username ?? unique("user");
  const email = overrides.email ?? `${username}@example.com`;
  const password = overrides.password ?? STRONG_PASSWORD;
  const response = await app.gql(REGISTER, {
    email,
    username,
    password1: password,
    password2: password,
  });
  expect(response.body.data?.register).toMatchObject({ success: true, errors: null });
  const activationToken = await app.mailToken(email);
  const register = response.body.data?.register as { token: string; refreshToken: string };
  return {
    username,
    email,
    password,
    token: register.token,
    refreshToken: register.refreshToken,
    activationToken,
  };
}

export async function aVerifiedUser(
  app: TestApp,
  overrides: { username?: string; email?: string; password?: string } = {},
): Promise<RegisteredUser> {
  const user = await aRegisteredUser(app, overrides);
  const verified = await app.gql(VERIFY_ACCOUNT, { token: user.activationToken });
  expect(verified.body.data?.verifyAccount).toEqual({ success: true, errors: null });
  return user;
}

export async function logIn(app: TestApp, user: { username: string; password: string }) {
  const response = await app.gql(TOKEN_AUTH_USERNAME, {
    username: user.username,
    password: user.password,
  });
  const payload = response.body.data?.tokenAuth as {
    success: boolean;
    token: string;
    refreshToken: string;
  };
  expect(payload.success).toBe(true);
  return payload;
}
