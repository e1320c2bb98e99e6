// sendSecondaryEmailActivation, verifySecondaryEmail, swapEmails and removeSecondaryEmail
// (SPEC §5.0 guard order, §5.11–§5.13).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { answerOf } from "../../support/answers.js";
import { aRegisteredUser, aVerifiedUser, type RegisteredUser } from "../../support/builders.js";
import {
  ME,
  REMOVE_SECONDARY_EMAIL,
  SEND_SECONDARY_EMAIL_ACTIVATION,
  SWAP_EMAILS,
  TOKEN_AUTH_EMAIL,
  VERIFY_SECONDARY_EMAIL,
} from "../../support/operations.js";
import { startTestApp, testDatabases, unique, type TestApp } from "../../support/test-app.js";

const UNAUTHENTICATED = {
  nonFieldErrors: [{ message: "Unauthenticated.", code: "unauthenticated" }],
};
const NOT_VERIFIED = {
  nonFieldErrors: [{ message: "Please verify your account.", code: "not_verified" }],
};
const SECONDARY_EMAIL_REQUIRED = {
  nonFieldErrors: [
    {
      message: "You need to setup a secondary email to proceed.",
      code: "secondary_email_required",
    },
  ],
};
const WRONG_PASSWORD = { password: [{ message: "Invalid password.", code: "invalid_password" }] };
const EMAIL_IN_USE_DETAIL = { message: "A user with that email already exists.", code: "unique" };

type Answer = { success: boolean; errors: unknown };

function aFreshAddress(): string {
  return `${unique("second")}@example.org`;
}

describe.each(testDatabases())("secondary email on %s", (database) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(database);
  });
  afterAll(async () => {
    await app.close();
  });

  async function sendActivation(token: string | undefined, email: string, password: string) {
    const response = await app.gql(
      SEND_SECONDARY_EMAIL_ACTIVATION,
      { email, password },
      token === undefined ? {} : { token },
    );
    return answerOf(response, "sendSecondaryEmailActivation") as Answer;
  }

  async function verifySecondary(token: string) {
    return answerOf(
      await app.gql(VERIFY_SECONDARY_EMAIL, { token }),
      "verifySecondaryEmail",
    ) as Answer;
  }

  async function withPassword(
    operation: string,
    field: string,
    token: string | undefined,
    password: string,
  ) {
    return answerOf(
      await app.gql(operation, { password }, token === undefined ? {} : { token }),
      field,
    ) as Answer;
  }

  async function secondaryEmailOf(token: string) {
    const response = await app.gql(ME, {}, { token });
    return response.body.data?.me as { email: string; secondaryEmail: string | null };
  }

  /** A verified user whose secondary email is set, through the real mail link. */
  async function aUserWithSecondaryEmail(): Promise<RegisteredUser & { secondary: string }> {
    const user = await aVerifiedUser(app);
    const secondary = aFreshAddress();
    expect(await sendActivation(user.token, secondary, user.password)).toEqual({
      success: true,
      errors: null,
    });
    expect(await verifySecondary(await app.mailToken(secondary))).toEqual({
      success: true,
      errors: null,
    });
    return { ...user, secondary };
  }

  describe("sendSecondaryEmailActivation", () => {
    it("answers UNAUTHENTICATED without a token, before checking anything else", async () => {
      expect(await sendActivation(undefined, "not an email", "wrong")).toEqual({
        success: false,
        errors: UNAUTHENTICATED,
      });
    });

    it("answers NOT_VERIFIED to an unverified user, before checking the password", async () => {
      const user = await aRegisteredUser(app);
      expect(await sendActivation(user.token, aFreshAddress(), "Wrong-Password-1")).toEqual({
        success: false,
        errors: NOT_VERIFIED,
      });
    });

    it("answers INVALID_PASSWORD under password when the password is wrong", async () => {
      const user = await aVerifiedUser(app);
      expect(await sendActivation(user.token, aFreshAddress(), "Wrong-Password-1")).toEqual({
        success: false,
        errors: WRONG_PASSWORD,
      });
    });

    it("answers EMAIL_IN_USE under email for the caller's own primary address in another case", async () => {
      const user = await aVerifiedUser(app);
      expect(await sendActivation(user.token, user.email.toUpperCase(), user.password)).toEqual({
        success: false,
        errors: { email: [EMAIL_IN_USE_DETAIL] },
      });
    });

    it("answers EMAIL_IN_USE under email for another user's primary address in another case", async () => {
      const user = await aVerifiedUser(app);
      const other = await aVerifiedUser(app);
      expect(await sendActivation(user.token, other.email.toUpperCase(), user.password)).toEqual({
        success: false,
        errors: { email: [EMAIL_IN_USE_DETAIL] },
      });
    });

    it("answers EMAIL_IN_USE under email for another user's secondary address", async () => {
      const user = await aVerifiedUser(app);
      const other = await aUserWithSecondaryEmail();
      expect(await sendActivation(user.token, other.secondary, user.password)).toEqual({
        success: false,
        errors: { email: [EMAIL_IN_USE_DETAIL] },
      });
    });

    it("answers invalid under email for an address that is not valid", async () => {
      const user = await aVerifiedUser(app);
      expect(await sendActivation(user.token, "not-an-address", user.password)).toEqual({
        success: false,
        errors: { email: [{ message: "Enter a valid email address.", code: "invalid" }] },
      });
    });

    it("mails the activation link to the new address and stores nothing yet", async () => {
      const user = await aVerifiedUser(app);
      const secondary = aFreshAddress();
      expect(await sendActivation(user.token, secondary, user.password)).toEqual({
        success: true,
        errors: null,
      });
      await app.mailToken(secondary);
      expect(app.mailsTo(user.email)).toHaveLength(1); // only the registration's activation mail
      expect(await secondaryEmailOf(user.token)).toMatchObject({ secondaryEmail: null });
    });
  });

  describe("verifySecondaryEmail", () => {
    it("sets the secondary email from the mailed token", async () => {
      const user = await aUserWithSecondaryEmail();
      expect(await secondaryEmailOf(user.token)).toEqual(
        expect.objectContaining({ email: user.email, secondaryEmail: user.secondary }),
      );
    });

    // Known defect, left for the lead: action-links.ts binds this token's fp to the user's current
    // secondary email, so reuse answers INVALID_TOKEN instead of the EMAIL_IN_USE that SPEC §7.3
    // and §5.12 give (the action is single-effect; only activation and password_reset carry state).
    // The fix is in src/accounts/tokens/action-links.ts (boundState); drop `.fails` then.
    it("answers EMAIL_IN_USE as a non-field error when the token is used again", async () => {
      const user = await aVerifiedUser(app);
      const secondary = aFreshAddress();
      await sendActivation(user.token, secondary, user.password);
      const token = await app.mailToken(secondary);
      expect(await verifySecondary(token)).toEqual({ success: true, errors: null });
      expect(await verifySecondary(token)).toEqual({
        success: false,
        errors: { nonFieldErrors: [EMAIL_IN_USE_DETAIL] },
      });
    });

    it("answers EMAIL_IN_USE as a non-field error when another user took the address meanwhile", async () => {
      const user = await aVerifiedUser(app);
      const other = await aVerifiedUser(app);
      const secondary = aFreshAddress();
      await sendActivation(user.token, secondary, user.password);
      await sendActivation(other.token, secondary, other.password);
      const firstToken = await app.mailToken(secondary);
      const secondToken = await app.mailToken(secondary);
      expect(await verifySecondary(secondToken)).toEqual({ success: true, errors: null });
      expect(await verifySecondary(firstToken)).toEqual({
        success: false,
        errors: { nonFieldErrors: [EMAIL_IN_USE_DETAIL] },
      });
    });

    it("answers INVALID_TOKEN to a token that is not one", async () => {
      expect(await verifySecondary("nonsense")).toEqual({
        success: false,
        errors: { nonFieldErrors: [{ message: "Invalid token.", code: "invalid_token" }] },
      });
    });
  });

  describe("swapEmails", () => {
    it("answers SECONDARY_EMAIL_REQUIRED without a secondary email, before checking the password", async () => {
      const user = await aVerifiedUser(app);
      expect(await withPassword(SWAP_EMAILS, "swapEmails", user.token, "Wrong-Password-1")).toEqual(
        {
          success: false,
          errors: SECONDARY_EMAIL_REQUIRED,
        },
      );
    });

    it("answers UNAUTHENTICATED without a token and NOT_VERIFIED to an unverified user", async () => {
      expect(await withPassword(SWAP_EMAILS, "swapEmails", undefined, "whatever")).toEqual({
        success: false,
        errors: UNAUTHENTICATED,
      });
      const user = await aRegisteredUser(app);
      expect(await withPassword(SWAP_EMAILS, "swapEmails", user.token, user.password)).toEqual({
        success: false,
        errors: NOT_VERIFIED,
      });
    });

    it("answers INVALID_PASSWORD under password when the password is wrong, and swaps nothing", async () => {
      const user = await aUserWithSecondaryEmail();
      expect(await withPassword(SWAP_EMAILS, "swapEmails", user.token, "Wrong-Password-1")).toEqual(
        {
          success: false,
          errors: WRONG_PASSWORD,
        },
      );
      expect(await secondaryEmailOf(user.token)).toMatchObject({
        email: user.email,
        secondaryEmail: user.secondary,
      });
    });

    it("exchanges the primary and secondary addresses", async () => {
      const user = await aUserWithSecondaryEmail();
      expect(await withPassword(SWAP_EMAILS, "swapEmails", user.token, user.password)).toEqual({
        success: true,
        errors: null,
      });
      expect(await secondaryEmailOf(user.token)).toMatchObject({
        email: user.secondary,
        secondaryEmail: user.email,
      });
      const login = await app.gql(TOKEN_AUTH_EMAIL, {
        email: user.secondary,
        password: user.password,
      });
      expect(login.body.data?.tokenAuth).toMatchObject({
        success: true,
        user: { username: user.username, email: user.secondary },
      });
    });
  });

  describe("removeSecondaryEmail", () => {
    it("answers SECONDARY_EMAIL_REQUIRED without a secondary email", async () => {
      const user = await aVerifiedUser(app);
      expect(
        await withPassword(
          REMOVE_SECONDARY_EMAIL,
          "removeSecondaryEmail",
          user.token,
          user.password,
        ),
      ).toEqual({
        success: false,
        errors: SECONDARY_EMAIL_REQUIRED,
      });
    });

    it("answers INVALID_PASSWORD under password when the password is wrong", async () => {
      const user = await aUserWithSecondaryEmail();
      expect(
        await withPassword(
          REMOVE_SECONDARY_EMAIL,
          "removeSecondaryEmail",
          user.token,
          "Wrong-Password-1",
        ),
      ).toEqual({
        success: false,
        errors: WRONG_PASSWORD,
      });
      expect(await secondaryEmailOf(user.token)).toMatchObject({ secondaryEmail: user.secondary });
    });

    it("clears the secondary email, which then no longer logs in", async () => {
      const user = await aUserWithSecondaryEmail();
      expect(
        await withPassword(
          REMOVE_SECONDARY_EMAIL,
          "removeSecondaryEmail",
          user.token,
          user.password,
        ),
      ).toEqual({
        success: true,
        errors: null,
      });
      expect(await secondaryEmailOf(user.token)).toMatchObject({
        email: user.email,
        secondaryEmail: null,
      });
      const login = await app.gql(TOKEN_AUTH_EMAIL, {
        email: user.secondary,
        password: user.password,
      });
      expect(login.body.data?.tokenAuth).toMatchObject({ success: false, token: null });
    });
  });
});
