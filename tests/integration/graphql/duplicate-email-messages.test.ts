// An address that is taken, as register and sendSecondaryEmailActivation answer it (issue 15).
// The two differ for a primary address, and must: SPEC §6.3 and the reference's transcript
// (shared conformance suite, register-errors step 1 and secondary-email step 2) give register
// the model's "User with this Email already exists." and sendSecondaryEmailActivation
// EMAIL_IN_USE's "A user with that email already exists.". Where SPEC leaves the choice (a
// secondary address) both answer EMAIL_IN_USE, and every answer has the code `unique`, which is
// what a client should test.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { aVerifiedUser, STRONG_PASSWORD, type RegisteredUser } from "../../support/builders.js";
import {
  REGISTER,
  SEND_SECONDARY_EMAIL_ACTIVATION,
  VERIFY_SECONDARY_EMAIL,
} from "../../support/operations.js";
import { startTestApp, unique, type TestApp } from "../../support/test-app.js";

const PRIMARY_TAKEN = { message: "User with this Email already exists.", code: "unique" };
const EMAIL_IN_USE = { message: "A user with that email already exists.", code: "unique" };

describe("answers to a taken address", () => {
  let app: TestApp;
  let owner: RegisteredUser;
  let secondary: string;
  beforeAll(async () => {
    app = await startTestApp("sqlite");
    owner = await aVerifiedUser(app);
    secondary = `${unique("second")}@example.com`;
    const sent = await app.gql(
      SEND_SECONDARY_EMAIL_ACTIVATION,
      { email: secondary, password: owner.password },
      { token: owner.token },
    );
    expect(sent.body.data?.sendSecondaryEmailActivation).toEqual({ success: true, errors: null });
    const verified = await app.gql(VERIFY_SECONDARY_EMAIL, {
      token: await app.mailToken(secondary),
    });
    expect(verified.body.data?.verifySecondaryEmail).toEqual({ success: true, errors: null });
  });
  afterAll(async () => {
    await app.close();
  });

  async function register(email: string) {
    const username = unique("dup");
    const response = await app.gql(REGISTER, {
      email,
      username,
      password1: STRONG_PASSWORD,
      password2: STRONG_PASSWORD,
    });
    return response.body.data?.register as { success: boolean; errors: unknown };
  }

  async function addSecondary(email: string) {
    const caller = await aVerifiedUser(app);
    const response = await app.gql(
      SEND_SECONDARY_EMAIL_ACTIVATION,
      { email, password: caller.password },
      { token: caller.token },
    );
    return response.body.data?.sendSecondaryEmailActivation as {
      success: boolean;
      errors: unknown;
    };
  }

  it("answers a primary address as the reference does: the model's message for register", async () => {
    expect(await register(owner.email)).toMatchObject({ errors: { email: [PRIMARY_TAKEN] } });
    expect(await register(owner.email.toUpperCase())).toMatchObject({
      errors: { email: [PRIMARY_TAKEN] },
    });
    expect(await addSecondary(owner.email)).toEqual({
      success: false,
      errors: { email: [EMAIL_IN_USE] },
    });
  });

  it("answers a secondary address alike, with EMAIL_IN_USE under email", async () => {
    expect(await register(secondary)).toMatchObject({ errors: { email: [EMAIL_IN_USE] } });
    expect(await addSecondary(secondary)).toEqual({
      success: false,
      errors: { email: [EMAIL_IN_USE] },
    });
  });
});
