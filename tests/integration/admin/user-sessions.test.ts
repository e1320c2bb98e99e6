// A user's sessions on the admin's user page (issue 16): listed with where they came from, and
// ended one or all by staff who may change the user, at once for the API.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findUserByUsername } from "../../../src/accounts/users-store.js";
import { updateUser } from "../../../src/accounts/user-writes-store.js";
import { aLoggedInSuperuser, anAdminClient, type AdminClient } from "../../support/admin-client.js";
import { aVerifiedUser, type RegisteredUser } from "../../support/builders.js";
import { ME, TOKEN_AUTH_USERNAME } from "../../support/operations.js";
import { startTestApp, testDatabases, type TestApp } from "../../support/test-app.js";

describe.each(testDatabases())("admin: a user's sessions (%s)", (database) => {
  let app: TestApp;
  let admin: AdminClient;
  beforeAll(async () => {
    app = await startTestApp(database);
    ({ client: admin } = await aLoggedInSuperuser(app));
  });
  afterAll(async () => {
    await app.close();
  });

  async function signInFrom(user: RegisteredUser, userAgent: string): Promise<string> {
    const response = await app.gql(
      TOKEN_AUTH_USERNAME,
      { username: user.username, password: user.password },
      { headers: { "user-agent": userAgent } },
    );
    return (response.body.data?.tokenAuth as { token: string }).token;
  }

  const idOf = async (user: RegisteredUser) =>
    (await findUserByUsername(app.deps.db, user.username))?.id ?? 0;

  const isSignedIn = async (token: string) =>
    (await app.gql(ME, {}, { token })).body.data?.me !== null;

  it("lists where the user is signed in", async () => {
    const user = await aVerifiedUser(app);
    await signInFrom(user, "Firefox/130 on the laptop");
    const page = await admin.get(`/admin/users/${String(await idOf(user))}/change/`);
    expect(page.html).toContain('<legend id="sessions-heading">Sessions</legend>');
    expect(page.html).toContain("Firefox/130 on the laptop");
  });

  it("ends one session, which the API then refuses, and records it in the history", async () => {
    const user = await aVerifiedUser(app);
    const lost = await signInFrom(user, "Lost phone");
    const kept = await signInFrom(user, "Laptop");
    const id = await idOf(user);
    const page = await admin.get(`/admin/users/${String(id)}/change/`);
    const row = page.html.slice(page.html.indexOf("Lost phone"));
    const session = /name="session" value="([0-9a-f]{32})"/.exec(row)?.[1] ?? "";
    const ended = await admin.post(`/admin/users/${String(id)}/sessions/end/`, { session });
    expect(ended.status).toBe(302);
    expect(await isSignedIn(lost)).toBe(false);
    expect(await isSignedIn(kept)).toBe(true);
    const history = await admin.get(`/admin/users/${String(id)}/history/`);
    expect(history.html).toContain("Ended a session.");
  });

  it("ends every session at once", async () => {
    const user = await aVerifiedUser(app);
    const tokens = [await signInFrom(user, "One"), await signInFrom(user, "Two"), user.token];
    const ended = await admin.post(`/admin/users/${String(await idOf(user))}/sessions/end/`, {});
    expect(ended.status).toBe(302);
    for (const token of tokens) expect(await isSignedIn(token)).toBe(false);
  });

  it("ends nothing for a made-up session id, another user's included", async () => {
    const [user, other] = [await aVerifiedUser(app), await aVerifiedUser(app)];
    const otherPage = await admin.get(`/admin/users/${String(await idOf(other))}/change/`);
    const othersSession = /name="session" value="([0-9a-f]{32})"/.exec(otherPage.html)?.[1] ?? "";
    const path = `/admin/users/${String(await idOf(user))}/sessions/end/`;
    for (const session of [othersSession, "x", `${othersSession}\u0000`, "'; drop table x"]) {
      const answer = await admin.post(path, { session });
      expect(answer.status).toBe(302);
    }
    expect(await isSignedIn(user.token)).toBe(true);
    expect(await isSignedIn(other.token)).toBe(true);
  });

  it("refuses staff without the change permission, ending nothing", async () => {
    const user = await aVerifiedUser(app);
    const staff = await aVerifiedUser(app);
    const staffRow = await findUserByUsername(app.deps.db, staff.username);
    await updateUser(app.deps.db, staffRow?.id ?? 0, { isStaff: true });
    const viewer = anAdminClient(app);
    await viewer.logIn(staff.username, staff.password);
    const refused = await viewer.post(`/admin/users/${String(await idOf(user))}/sessions/end/`, {});
    expect(refused.status).toBe(403);
    expect(await isSignedIn(user.token)).toBe(true);
  });
});
