import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { aVerifiedUser } from "../../support/builders.js";
import { ME } from "../../support/operations.js";
import { startTestApp, testDatabases, type TestApp } from "../../support/test-app.js";

describe.each(testDatabases())("me on %s", (database) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(database);
  });
  afterAll(async () => {
    await app.close();
  });

  it("answers the verified caller named by the access token", async () => {
    const user = await aVerifiedUser(app);
    const response = await app.gql(ME, {}, { token: user.token });
    expect(response.body.data?.me).toMatchObject({ username: user.username, verified: true });
  });
});
