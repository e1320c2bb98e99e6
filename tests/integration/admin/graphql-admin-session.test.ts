import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSuperuser } from "../../../src/accounts/users.js";
import { AdminClient } from "../../support/admin-client.js";
import { ME } from "../../support/operations.js";
import { startTestApp, testDatabases, type TestApp } from "../../support/test-app.js";

// SPEC §3.2 step 3: GraphiQL works for a logged-in admin, but only with the CSRF token, so a
// cross-site request cannot ride on the admin session cookie.
describe.each(testDatabases())("the admin session on /graphql on %s", (database) => {
  let app: TestApp;
  let admin: AdminClient;
  beforeAll(async () => {
    app = await startTestApp(database);
    await createSuperuser(app.deps, {
      username: "root",
      email: "root@example.com",
      password: "Correct-Horse-42",
    });
    admin = new AdminClient(app.url.replace(/\/graphql$/, ""));
    await admin.logIn("root", "Correct-Horse-42");
  });
  afterAll(async () => {
    await app.close();
  });

  const meWith = (headers: Record<string, string>) =>
    app.gql(ME, {}, { headers: { cookie: admin.cookieHeader(), ...headers } });

  it("acts as the admin when the request carries the CSRF token", async () => {
    const response = await meWith({ "x-csrftoken": admin.csrfToken });
    expect(response.body.data?.me).toMatchObject({ username: "root", isStaff: true });
  });

  it("ignores the session without a CSRF token", async () => {
    const response = await meWith({});
    expect(response.body).toEqual({ data: { me: null } });
  });

  it("ignores the session with a forged CSRF token", async () => {
    const response = await meWith({ "x-csrftoken": "forged-token" });
    expect(response.body).toEqual({ data: { me: null } });
  });

  it("serves GraphiQL with a CSRF token for its requests", async () => {
    const response = await fetch(app.url, {
      headers: { accept: "text/html", cookie: admin.cookieHeader() },
    });
    const html = await response.text();
    expect(html).toContain("GraphiQL");
    expect(html).toMatch(/"X-CSRFToken": "[^"]+"/);
  });
});
