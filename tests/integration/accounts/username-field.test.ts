// USERNAME_FIELD=email: a project that signs in by email and never asks for a username, end to
// end — register, tokenAuth, the tokens' claims (named after the field, as django-graphql-jwt
// names them), refresh, verifyToken, a reset link, the admin login and createsuperuser.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSuperuser } from "../../../src/accounts/users.js";
import { anAdminClient } from "../../support/admin-client.js";
import { STRONG_PASSWORD } from "../../support/builders.js";
import {
  ME,
  PASSWORD_RESET,
  REFRESH_TOKEN,
  SEND_PASSWORD_RESET_EMAIL,
  VERIFY_TOKEN,
} from "../../support/operations.js";
import { startTestApp, testDatabases, unique, type TestApp } from "../../support/test-app.js";

const REGISTER_BY_EMAIL = `mutation ($email: String!, $p: String!) {
  register(email: $email, password1: $p, password2: $p) { success errors token refreshToken }
}`;
const ME_FIELDS = `{ me { email verified } }`;
const TOKEN_AUTH_EMAIL = `mutation ($email: String!, $password: String!) {
  tokenAuth(email: $email, password: $password) { success errors token user { email } }
}`;

function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString("utf8")) as Record<
    string,
    unknown
  >;
}

describe.each(testDatabases())("USERNAME_FIELD=email, on %s", (database) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(database, { USERNAME_FIELD: "email" });
  });
  afterAll(async () => {
    await app.close();
  });

  async function aUserByEmail() {
    const email = `${unique("byemail")}@example.com`;
    const registered = await app.gql(REGISTER_BY_EMAIL, { email, p: STRONG_PASSWORD });
    expect(registered.body.data?.register).toMatchObject({ success: true, errors: null });
    await app.mailToken(email); // the activation mail
    return {
      email,
      ...(registered.body.data?.register as { token: string; refreshToken: string }),
    };
  }

  it("registers without a username and names the user by email in the token's claims", async () => {
    const user = await aUserByEmail();
    expect(Object.keys(claimsOf(user.token)).sort()).toEqual(["email", "exp", "origIat"]);
    expect(claimsOf(user.token).email).toBe(user.email);
    const me = await app.gql(ME_FIELDS, {}, { token: user.token });
    expect(me.body.data?.me).toEqual({ email: user.email, verified: false });
  });

  it("hides the username it never asked for, and takes no username argument", async () => {
    const me = await app.gql(ME, {}, {});
    expect(me.body.errors?.[0]?.message).toContain('Cannot query field "username"');
    const withUsername = await app.gql(
      `mutation { register(email: "x@example.com", username: "x", password1: "a", password2: "a") { success } }`,
      {},
    );
    expect(withUsername.body.errors?.[0]?.message).toContain('Unknown argument "username"');
  });

  it("signs in by email, verifies and refreshes tokens that carry the email claim", async () => {
    const user = await aUserByEmail();
    const signedIn = await app.gql(TOKEN_AUTH_EMAIL, {
      email: user.email,
      password: STRONG_PASSWORD,
    });
    expect(signedIn.body.data?.tokenAuth).toMatchObject({ success: true });
    const token = (signedIn.body.data?.tokenAuth as { token: string }).token;
    const verified = await app.gql(VERIFY_TOKEN, { token });
    expect(verified.body.data?.verifyToken).toMatchObject({
      success: true,
      payload: { email: user.email },
    });
    const refreshed = await app.gql(REFRESH_TOKEN, { refreshToken: user.refreshToken });
    expect(refreshed.body.data?.refreshToken).toMatchObject({
      success: true,
      payload: { email: user.email },
    });
  });

  it("resets the password from the emailed link", async () => {
    const user = await aUserByEmail();
    await app.gql(SEND_PASSWORD_RESET_EMAIL, { email: user.email });
    const token = await app.mailToken(user.email);
    const reset = await app.gql(PASSWORD_RESET, {
      token,
      p1: "Brand-New-Secret-77",
      p2: "Brand-New-Secret-77",
    });
    expect(reset.body.data?.passwordReset).toEqual({ success: true, errors: null });
    const signedIn = await app.gql(TOKEN_AUTH_EMAIL, {
      email: user.email,
      password: "Brand-New-Secret-77",
    });
    expect(signedIn.body.data?.tokenAuth).toMatchObject({ success: true });
  });

  it("lets a superuser made with an email alone into the admin by that email", async () => {
    const email = `${unique("root")}@example.com`;
    await createSuperuser(app.deps, { username: "", email, password: STRONG_PASSWORD });
    const client = anAdminClient(app);
    await client.logIn(email, STRONG_PASSWORD);
    expect((await client.get("/admin/")).status).toBe(200);
  });

  it("refuses a superuser without an email", async () => {
    await expect(
      createSuperuser(app.deps, { username: "", email: "", password: STRONG_PASSWORD }),
    ).rejects.toMatchObject({ errors: { email: [{ code: "required" }] } });
  });
});
