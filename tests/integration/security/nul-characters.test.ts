import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { aVerifiedUser } from "../../support/builders.js";
import {
  REGISTER,
  TOKEN_AUTH_EMAIL,
  TOKEN_AUTH_USERNAME,
  UPDATE_ACCOUNT,
} from "../../support/operations.js";
import { startTestApp, testDatabases, type TestApp } from "../../support/test-app.js";

// PostgreSQL text cannot hold NUL: such input must get an answer, never an internal error.
describe.each(testDatabases())("NUL characters in arguments on %s", (database) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(database);
  });
  afterAll(async () => {
    await app.close();
  });

  it("answers invalid credentials for a username or email containing NUL", async () => {
    const byName = await app.gql(TOKEN_AUTH_USERNAME, {
      username: "n\u0000ul",
      password: "whatever-123",
    });
    expect(byName.body.data?.tokenAuth).toMatchObject({
      success: false,
      errors: { nonFieldErrors: [{ code: "invalid_credentials" }] },
    });
    const byEmail = await app.gql(TOKEN_AUTH_EMAIL, {
      email: "n\u0000ul@example.com",
      password: "whatever-123",
    });
    expect(byEmail.body.data?.tokenAuth).toMatchObject({ success: false });
  });

  it("refuses NUL in names with Django's message and changes nothing", async () => {
    const user = await aVerifiedUser(app);
    const response = await app.gql(
      UPDATE_ACCOUNT,
      { firstName: "A\u0000my" },
      { token: user.token },
    );
    expect(response.body.data?.updateAccount).toEqual({
      success: false,
      errors: {
        firstName: [
          { message: "Null characters are not allowed.", code: "null_characters_not_allowed" },
        ],
      },
    });
  });

  it("refuses NUL in a username or email at registration", async () => {
    const response = await app.gql(REGISTER, {
      email: "a\u0000b@example.com",
      username: "a\u0000b",
      password1: "Correct-Horse-42",
      password2: "Correct-Horse-42",
    });
    expect(response.body.data?.register).toMatchObject({
      success: false,
      errors: { username: [{ code: "invalid" }], email: [{ code: "invalid" }] },
    });
  });
});
