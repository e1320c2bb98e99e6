// The second factor over GraphQL (issue 16): setupTotp, confirmTotp, disableTotp,
// regenerateRecoveryCodes, tokenAuth(otp:) and UserNode.twoFactorEnabled, on both databases.
// Codes are computed as an authenticator app would, at the test app's clock.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findUserByUsername } from "../../../src/accounts/users-store.js";
import { updateUser } from "../../../src/accounts/user-writes-store.js";
import { aVerifiedUser } from "../../support/builders.js";
import {
  aUserWithTotp,
  codeAt,
  CONFIRM_TOTP,
  currentCode,
  DISABLE_TOTP,
  INVALID_OTP_DETAIL,
  ME_TWO_FACTOR,
  nextCode,
  OTP_REQUIRED,
  REGENERATE_RECOVERY_CODES,
  SETUP_TOTP,
  TOKEN_AUTH_OTP,
  type TotpUser,
} from "../../support/second-factor.js";
import { startTestApp, testDatabases, type TestApp } from "../../support/test-app.js";

const WRONG_PASSWORD = "Not-The-Password-1";
const USER_TWO_FACTOR = `query ($id: ID!) { user(id: $id) { username twoFactorEnabled } }`;

describe.each(testDatabases())("the second factor on %s", (database) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(database, { USER_QUERY_ACCESS: "authenticated", TOTP_ISSUER: "Acme" });
  });
  afterAll(async () => {
    await app.close();
  });

  async function call(query: string, variables: Record<string, unknown>, token?: string) {
    const response = await app.gql(query, variables, token === undefined ? {} : { token });
    expect(response.body.errors).toBeUndefined();
    return Object.values(response.body.data ?? {})[0] as Record<string, unknown>;
  }

  const signIn = (user: { username: string; password: string }, otp?: string | null) =>
    call(TOKEN_AUTH_OTP, { username: user.username, password: user.password, otp });

  async function storedRow(username: string) {
    const user = await findUserByUsername(app.deps.db, username);
    return app.deps.db
      .selectFrom("totp_secrets")
      .selectAll()
      .where("user_id", "=", user?.id ?? 0)
      .executeTakeFirst();
  }

  describe("setupTotp", () => {
    it("returns a base32 secret and its otpauth URL, and changes nothing about sign-in yet", async () => {
      const user = await aVerifiedUser(app);
      const setup = await call(SETUP_TOTP, { password: user.password }, user.token);
      expect(setup).toMatchObject({ success: true, errors: null });
      const secret = setup.secret as string;
      expect(secret).toMatch(/^[A-Z2-7]{32}$/);
      const url = new URL(setup.otpauthUrl as string);
      expect(decodeURIComponent(url.pathname)).toBe(`/Acme:${user.username}`);
      expect(url.searchParams.get("secret")).toBe(secret);
      expect(url.searchParams.get("issuer")).toBe("Acme");
      // Stored encrypted, never in clear.
      const row = await storedRow(user.username);
      expect(row?.secret_ciphertext).not.toContain(secret);
      expect(row?.confirmed_at).toBeNull();
      expect(await signIn(user)).toMatchObject({ success: true });
      expect(await call(ME_TWO_FACTOR, {}, user.token)).toMatchObject({ twoFactorEnabled: false });
    });

    it("checks the login and the password (invalid_password under `password`)", async () => {
      const user = await aVerifiedUser(app);
      expect(await call(SETUP_TOTP, { password: user.password })).toMatchObject({
        success: false,
        errors: { nonFieldErrors: [{ code: "unauthenticated" }] },
        secret: null,
        otpauthUrl: null,
      });
      expect(await call(SETUP_TOTP, { password: WRONG_PASSWORD }, user.token)).toMatchObject({
        success: false,
        errors: { password: [{ message: "Invalid password.", code: "invalid_password" }] },
        secret: null,
      });
    });

    it("gives a new secret each time before confirmation, and the last one is the one confirmed", async () => {
      const user = await aVerifiedUser(app);
      const first = await call(SETUP_TOTP, { password: user.password }, user.token);
      const second = await call(SETUP_TOTP, { password: user.password }, user.token);
      expect(second.secret).not.toBe(first.secret);
      const stale = await call(
        CONFIRM_TOTP,
        { code: currentCode(app, first.secret as string) },
        user.token,
      );
      expect(stale).toMatchObject({ success: false, errors: { code: [INVALID_OTP_DETAIL] } });
      const confirmed = await call(
        CONFIRM_TOTP,
        { code: currentCode(app, second.secret as string) },
        user.token,
      );
      expect(confirmed).toMatchObject({ success: true });
    });

    it("never returns the secret again once it is on", async () => {
      const user = await aUserWithTotp(app);
      const again = await call(SETUP_TOTP, { password: user.password }, user.token);
      expect(again).toEqual({
        success: false,
        errors: {
          nonFieldErrors: [
            {
              message: "Two-factor authentication is already enabled.",
              code: "totp_already_enabled",
            },
          ],
        },
        secret: null,
        otpauthUrl: null,
      });
      const me = await call(ME_TWO_FACTOR, {}, user.token);
      expect(JSON.stringify(me)).not.toContain(user.secret);
    });
  });

  describe("confirmTotp", () => {
    it("turns the factor on with a current code and returns ten recovery codes", async () => {
      const user = await aVerifiedUser(app);
      const { secret } = (await call(SETUP_TOTP, { password: user.password }, user.token)) as {
        secret: string;
      };
      const wrong = await call(CONFIRM_TOTP, { code: "000000" }, user.token);
      expect(wrong).toEqual({
        success: false,
        errors: { code: [INVALID_OTP_DETAIL] },
        recoveryCodes: null,
      });
      expect(await call(ME_TWO_FACTOR, {}, user.token)).toMatchObject({ twoFactorEnabled: false });
      const confirmed = await call(CONFIRM_TOTP, { code: currentCode(app, secret) }, user.token);
      expect(confirmed).toMatchObject({ success: true, errors: null });
      const codes = confirmed.recoveryCodes as string[];
      expect(codes).toHaveLength(10);
      expect(new Set(codes).size).toBe(10);
      for (const code of codes) expect(code).toMatch(/^[A-Z2-7]{5}-[A-Z2-7]{5}$/);
      expect(await call(ME_TWO_FACTOR, {}, user.token)).toMatchObject({ twoFactorEnabled: true });
      // Only digests are stored.
      const stored = await app.deps.db.selectFrom("recovery_codes").select("code_digest").execute();
      const digests = stored.map((row) => row.code_digest);
      for (const code of codes) expect(digests).not.toContain(code);
    });

    it("answers totp_not_set_up without a pending secret", async () => {
      const user = await aVerifiedUser(app);
      expect(await call(CONFIRM_TOTP, { code: "123456" }, user.token)).toMatchObject({
        success: false,
        errors: { nonFieldErrors: [{ code: "totp_not_set_up" }] },
      });
    });

    it("checks one code per request: an aliased second confirmTotp answers otp_check_limit", async () => {
      const user = await aVerifiedUser(app);
      const { secret } = (await call(SETUP_TOTP, { password: user.password }, user.token)) as {
        secret: string;
      };
      const response = await app.gql(
        `mutation ($a: String!, $b: String!) {
          first: confirmTotp(code: $a) { success errors }
          second: confirmTotp(code: $b) { success errors }
        }`,
        { a: "000000", b: currentCode(app, secret) },
        { token: user.token },
      );
      expect(response.body.data).toEqual({
        first: { success: false, errors: { code: [INVALID_OTP_DETAIL] } },
        second: {
          success: false,
          errors: {
            nonFieldErrors: [
              { message: "Only one code can be checked per request.", code: "otp_check_limit" },
            ],
          },
        },
      });
    });
  });

  describe("tokenAuth with the second factor on", () => {
    let user: TotpUser;
    beforeAll(async () => {
      user = await aUserWithTotp(app);
    });

    it("answers otp_required without a code, and issues no token", async () => {
      for (const otp of [undefined, null, "", "  "]) {
        expect(await signIn(user, otp)).toEqual({
          success: false,
          errors: OTP_REQUIRED,
          token: null,
          refreshToken: null,
          user: null,
        });
      }
    });

    it("answers invalid_credentials for a wrong password, whatever the code", async () => {
      const answer = await signIn(
        { username: user.username, password: WRONG_PASSWORD },
        currentCode(app, user.secret),
      );
      expect(answer).toMatchObject({
        errors: { nonFieldErrors: [{ code: "invalid_credentials" }] },
      });
    });

    it("answers invalid_otp for a wrong code", async () => {
      for (const otp of ["000000", "12345", "ABCDE-FGHIJ", "not a code"]) {
        expect(await signIn(user, otp)).toMatchObject({
          success: false,
          errors: { nonFieldErrors: [INVALID_OTP_DETAIL] },
          token: null,
        });
      }
    });

    it("signs in with a current code, once: the same code is refused afterwards", async () => {
      const code = nextCode(app, user.secret);
      const signedIn = await signIn(user, code);
      expect(signedIn).toMatchObject({
        success: true,
        errors: null,
        user: { username: user.username },
      });
      const me = await call(ME_TWO_FACTOR, {}, signedIn.token as string);
      expect(me).toMatchObject({ twoFactorEnabled: true });
      expect(await signIn(user, code)).toMatchObject({
        success: false,
        errors: { nonFieldErrors: [INVALID_OTP_DETAIL] },
      });
    });

    it("accepts the code of the step before or after (clock drift), but not an older step than one used", async () => {
      app.clock.advance(120);
      const now = app.clock.now();
      const previous = codeAt(user.secret, new Date(now.getTime() - 30_000));
      const following = codeAt(user.secret, new Date(now.getTime() + 30_000));
      expect(await signIn(user, following)).toMatchObject({ success: true });
      // The next step was used: codes of earlier steps are now refused too.
      expect(await signIn(user, previous)).toMatchObject({ success: false });
      expect(await signIn(user, currentCode(app, user.secret))).toMatchObject({ success: false });
      const tooOld = codeAt(user.secret, new Date(now.getTime() + 30_000 * 5));
      expect(await signIn(user, tooOld)).toMatchObject({ success: false });
    });

    it("signs in with a recovery code, each once, however it is typed", async () => {
      const [first = "", second = ""] = user.recoveryCodes;
      expect(await signIn(user, first)).toMatchObject({ success: true });
      expect(await signIn(user, first)).toMatchObject({
        success: false,
        errors: { nonFieldErrors: [INVALID_OTP_DETAIL] },
      });
      expect(await signIn(user, ` ${second.replace("-", " ").toLowerCase()} `)).toMatchObject({
        success: true,
      });
      expect(await signIn(user, second)).toMatchObject({ success: false });
    });

    it("signs in by email with the code too", async () => {
      // Two steps on: the step after the current one was used above.
      app.clock.advance(30);
      const response = await app.gql(
        `mutation ($email: String!, $password: String!, $otp: String) {
          tokenAuth(email: $email, password: $password, otp: $otp) { success errors }
        }`,
        { email: user.email, password: user.password, otp: nextCode(app, user.secret) },
      );
      expect(response.body.data?.tokenAuth).toEqual({ success: true, errors: null });
    });
  });

  describe("regenerateRecoveryCodes", () => {
    it("replaces every recovery code: the old ones stop working, the new ones work", async () => {
      const user = await aUserWithTotp(app);
      const wrong = await call(
        REGENERATE_RECOVERY_CODES,
        { password: user.password, code: "000000" },
        user.token,
      );
      expect(wrong).toEqual({
        success: false,
        errors: { code: [INVALID_OTP_DETAIL] },
        recoveryCodes: null,
      });
      const regenerated = await call(
        REGENERATE_RECOVERY_CODES,
        { password: user.password, code: nextCode(app, user.secret) },
        user.token,
      );
      expect(regenerated).toMatchObject({ success: true, errors: null });
      const fresh = regenerated.recoveryCodes as string[];
      expect(fresh).toHaveLength(10);
      expect(fresh.filter((code) => user.recoveryCodes.includes(code))).toEqual([]);
      expect(await signIn(user, user.recoveryCodes[0])).toMatchObject({ success: false });
      expect(await signIn(user, fresh[0])).toMatchObject({ success: true });
    });

    it("needs the password, and the factor on", async () => {
      const user = await aUserWithTotp(app);
      expect(
        await call(
          REGENERATE_RECOVERY_CODES,
          { password: WRONG_PASSWORD, code: nextCode(app, user.secret) },
          user.token,
        ),
      ).toMatchObject({ success: false, errors: { password: [{ code: "invalid_password" }] } });
      const plain = await aVerifiedUser(app);
      expect(
        await call(
          REGENERATE_RECOVERY_CODES,
          { password: plain.password, code: "123456" },
          plain.token,
        ),
      ).toMatchObject({
        success: false,
        errors: { nonFieldErrors: [{ code: "totp_not_enabled" }] },
      });
    });
  });

  describe("disableTotp", () => {
    it("needs the password and a code, then signs in with the password alone", async () => {
      const user = await aUserWithTotp(app);
      expect(
        await call(DISABLE_TOTP, { password: user.password, code: "000000" }, user.token),
      ).toEqual({ success: false, errors: { code: [INVALID_OTP_DETAIL] } });
      expect(
        await call(
          DISABLE_TOTP,
          { password: WRONG_PASSWORD, code: nextCode(app, user.secret) },
          user.token,
        ),
      ).toMatchObject({ success: false, errors: { password: [{ code: "invalid_password" }] } });
      expect(
        await call(
          DISABLE_TOTP,
          { password: user.password, code: nextCode(app, user.secret) },
          user.token,
        ),
      ).toEqual({ success: true, errors: null });
      expect(await signIn(user)).toMatchObject({ success: true });
      expect(await call(ME_TWO_FACTOR, {}, user.token)).toMatchObject({ twoFactorEnabled: false });
      expect(await storedRow(user.username)).toBeUndefined();
      const left = await app.deps.db
        .selectFrom("recovery_codes")
        .select("id")
        .where("user_id", "=", (await findUserByUsername(app.deps.db, user.username))?.id ?? 0)
        .execute();
      expect(left).toEqual([]);
    });

    it("takes a recovery code instead of a TOTP code", async () => {
      const user = await aUserWithTotp(app);
      expect(
        await call(
          DISABLE_TOTP,
          { password: user.password, code: user.recoveryCodes[3] },
          user.token,
        ),
      ).toEqual({ success: true, errors: null });
    });
  });

  describe("UserNode.twoFactorEnabled", () => {
    it("tells the user and staff, and is null for anyone else", async () => {
      const owner = await aUserWithTotp(app);
      const other = await aVerifiedUser(app);
      const ownerId = (await findUserByUsername(app.deps.db, owner.username))?.id ?? 0;
      const globalId = Buffer.from(`UserNode:${String(ownerId)}`).toString("base64");
      const seenBy = async (token: string) =>
        (await call(USER_TWO_FACTOR, { id: globalId }, token)) as {
          twoFactorEnabled: boolean | null;
        };
      expect((await seenBy(owner.token)).twoFactorEnabled).toBe(true);
      expect((await seenBy(other.token)).twoFactorEnabled).toBeNull();
      await updateUser(
        app.deps.db,
        (await findUserByUsername(app.deps.db, other.username))?.id ?? 0,
        {
          isStaff: true,
        },
      );
      expect((await seenBy(other.token)).twoFactorEnabled).toBe(true);
    });
  });
});
