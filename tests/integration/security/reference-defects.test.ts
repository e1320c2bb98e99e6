// One regression test per defect of the reference (django-graphql-auth 0.3.16 on
// django-graphql-jwt 0.3.0) that SPEC §13 says we fix. Each test says what the reference does.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { aRegisteredUser, aVerifiedUser, logIn } from "../../support/builders.js";
import {
  ARCHIVE_ACCOUNT,
  ME,
  PASSWORD_CHANGE,
  PASSWORD_RESET,
  REFRESH_TOKEN,
  REGISTER,
  RESEND_ACTIVATION_EMAIL,
  SEND_PASSWORD_RESET_EMAIL,
  TOKEN_AUTH_USERNAME,
  UPDATE_ACCOUNT,
  USERS,
  VERIFY_TOKEN,
} from "../../support/operations.js";
import { startTestApp, testDatabases, unique, type TestApp } from "../../support/test-app.js";

const INVALID_TOKEN = { nonFieldErrors: [{ message: "Invalid token.", code: "invalid_token" }] };
const INVALID_CREDENTIALS = {
  nonFieldErrors: [{ message: "Please, enter valid credentials.", code: "invalid_credentials" }],
};
const PERMISSION_DENIED = "You do not have permission to perform this action";
const NEW_PASSWORD = "Brand-New-Secret-77";

describe.each(testDatabases())("defects of the reference, fixed, on %s", (database) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(database);
  });
  afterAll(async () => {
    await app.close();
  });

  it("refuses a password-reset token once it has been used", async () => {
    // Regression: django-graphql-auth #148. The reference accepts the same reset link for its
    // whole hour, so a leaked link resets the password again (SPEC §5.5, §7.3).
    const user = await aVerifiedUser(app);
    const sent = await app.gql(SEND_PASSWORD_RESET_EMAIL, { email: user.email });
    expect(sent.body.data?.sendPasswordResetEmail).toEqual({ success: true, errors: null });
    const token = await app.mailToken(user.email);

    const first = await app.gql(PASSWORD_RESET, { token, p1: NEW_PASSWORD, p2: NEW_PASSWORD });
    expect(first.body.data?.passwordReset).toEqual({ success: true, errors: null });
    const again = await app.gql(PASSWORD_RESET, {
      token,
      p1: "Another-Secret-88",
      p2: "Another-Secret-88",
    });
    expect(again.body.data?.passwordReset).toEqual({ success: false, errors: INVALID_TOKEN });
    await logIn(app, { username: user.username, password: NEW_PASSWORD });
  });

  it("revokes the whole token family when a rotated refresh token is presented again", async () => {
    // Regression: django-graphql-jwt #81, #206. The reference leaves a used refresh token valid
    // until it expires, so a stolen one keeps working next to the legitimate one (SPEC §5.16).
    const user = await aVerifiedUser(app);
    const first = await app.gql(REFRESH_TOKEN, { refreshToken: user.refreshToken });
    const newest = (first.body.data?.refreshToken as { refreshToken: string }).refreshToken;

    const replay = await app.gql(REFRESH_TOKEN, { refreshToken: user.refreshToken });
    expect(replay.body.data?.refreshToken).toMatchObject({
      success: false,
      errors: INVALID_TOKEN,
      token: null,
    });
    const afterReplay = await app.gql(REFRESH_TOKEN, { refreshToken: newest });
    expect(afterReplay.body.data?.refreshToken).toMatchObject({
      success: false,
      errors: INVALID_TOKEN,
      token: null,
    });
  });

  it("rejects access tokens issued before a password change", async () => {
    // Regression: django-graphql-jwt #11, #27. The reference keeps old JWTs valid after a
    // password change until they expire (SPEC §5.7, §3.2 step 5).
    const user = await aVerifiedUser(app);
    const changed = await app.gql(
      PASSWORD_CHANGE,
      { old: user.password, p1: NEW_PASSWORD, p2: NEW_PASSWORD },
      { token: user.token },
    );
    expect(changed.body.data?.passwordChange).toMatchObject({ success: true, errors: null });
    const me = await app.gql(ME, {}, { token: user.token });
    expect(me.body).toEqual({ data: { me: null } });
  });

  describe("the users query", () => {
    // Regression: django-graphql-auth #131. The reference lets anyone list every account's
    // email, secondary email and staff flag (SPEC §4.3).
    it("is refused to an anonymous caller and to a non-staff user", async () => {
      const user = await aVerifiedUser(app);
      for (const options of [{}, { token: user.token }]) {
        const response = await app.gql(USERS, { username: user.username }, options);
        expect(response.body.data).toEqual({ users: null });
        expect(response.body.errors?.[0]?.message).toBe(PERMISSION_DENIED);
      }
    });

    it("is answered to a staff user", async () => {
      const staff = await aVerifiedUser(app);
      const listed = await aVerifiedUser(app);
      await app.deps.db
        .updateTable("users")
        .set({ is_staff: true })
        .where("username", "=", staff.username)
        .execute();
      const response = await app.gql(USERS, { username: listed.username }, { token: staff.token });
      expect(response.body.errors).toBeUndefined();
      const edges = (
        response.body.data?.users as { edges: { node: { username: string; email: string } }[] }
      ).edges;
      expect(edges.map((edge) => edge.node)).toEqual([
        expect.objectContaining({ username: listed.username, email: listed.email }),
      ]);
    });
  });

  describe("no account enumeration", () => {
    // Regression: django-graphql-auth #112. The reference answers resendActivationEmail with
    // ALREADY_VERIFIED for verified accounts, revealing that they exist (SPEC §5.3, §5.4).
    it.each([
      ["resendActivationEmail", RESEND_ACTIVATION_EMAIL],
      ["sendPasswordResetEmail", SEND_PASSWORD_RESET_EMAIL],
    ])(
      "%s gives the same answer for unknown, verified and unverified addresses",
      async (name, mutation) => {
        const verified = await aVerifiedUser(app);
        const unverified = await aRegisteredUser(app);
        const answers = [];
        for (const email of [`${unique("nobody")}@example.com`, verified.email, unverified.email]) {
          const response = await app.gql(mutation, { email });
          answers.push(response.body);
        }
        const expected = { data: { [name]: { success: true, errors: null } } };
        expect(answers).toEqual([expected, expected, expected]);
      },
    );
  });

  it("keeps the fields updateAccount is not given", async () => {
    // Regression: django-graphql-auth #68, #69. The reference blanks every updatable field the
    // request leaves out (the fix, PR #129, was never released) (SPEC §5.8).
    const user = await aVerifiedUser(app);
    await app.gql(
      UPDATE_ACCOUNT,
      { firstName: "Ada", lastName: "Lovelace" },
      { token: user.token },
    );
    const partial = await app.gql(UPDATE_ACCOUNT, { lastName: "King" }, { token: user.token });
    expect(partial.body.data?.updateAccount).toEqual({ success: true, errors: null });
    const me = await app.gql(ME, {}, { token: user.token });
    expect(me.body.data?.me).toMatchObject({ firstName: "Ada", lastName: "King" });
  });

  it("refuses to register an email that differs from an existing one only in case", async () => {
    // Regression: django-graphql-jwt #327. The reference compares emails exactly, so
    // Alice@example.com and alice@example.com become two accounts (SPEC §2.2).
    const username = unique("case");
    await aVerifiedUser(app, { username, email: `${username}.Smith@example.com` });
    const other = unique("case");
    const response = await app.gql(REGISTER, {
      email: `${username.toUpperCase()}.SMITH@Example.Com`,
      username: other,
      password1: NEW_PASSWORD,
      password2: NEW_PASSWORD,
    });
    expect(response.body.data?.register).toEqual({
      success: false,
      errors: { email: [{ message: "User with this Email already exists.", code: "unique" }] },
      token: null,
      refreshToken: null,
    });
  });

  it("un-archives an account only after the password was checked", async () => {
    // The reference un-archives before checking the password, so anyone who knows a username
    // can un-archive that account, and it answers unarchiving: false on failure (SPEC §5.14).
    const user = await aVerifiedUser(app);
    await app.gql(ARCHIVE_ACCOUNT, { password: user.password }, { token: user.token });
    const wrong = await app.gql(TOKEN_AUTH_USERNAME, {
      username: user.username,
      password: "Wrong-Password-1",
    });
    expect(wrong.body.data?.tokenAuth).toMatchObject({
      success: false,
      errors: INVALID_CREDENTIALS,
      unarchiving: false,
    });
    const right = await app.gql(TOKEN_AUTH_USERNAME, {
      username: user.username,
      password: user.password,
    });
    // Still archived after the failed attempt, so the right password reports the un-archiving.
    expect(right.body.data?.tokenAuth).toMatchObject({
      success: true,
      unarchiving: true,
      user: { archived: false },
    });
  });

  it("refuses verifyToken for a deactivated user", async () => {
    // The reference's verifyToken only checks the signature and expiry, so a deactivated (or
    // deleted) user's token still verifies (SPEC §5.15).
    const user = await aVerifiedUser(app);
    await app.deps.db
      .updateTable("users")
      .set({ is_active: false })
      .where("username", "=", user.username)
      .execute();
    const response = await app.gql(VERIFY_TOKEN, { token: user.token });
    expect(response.body.data?.verifyToken).toEqual({
      success: false,
      errors: INVALID_TOKEN,
      payload: null,
    });
  });

  it("sets lastLogin on tokenAuth", async () => {
    // Regression: django-graphql-auth #51, django-graphql-jwt #211. The reference never updates
    // last_login (SPEC §2.1, §5.14).
    const user = await aVerifiedUser(app);
    const session = await logIn(app, user);
    const me = await app.gql(ME, {}, { token: session.token });
    expect((me.body.data?.me as { lastLogin: string | null }).lastLogin).toEqual(
      expect.any(String),
    );
  });
});
