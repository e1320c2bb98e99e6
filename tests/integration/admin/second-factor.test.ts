// The second factor in the admin (issue 16): the user change page tells whether a user has one,
// staff who may change the user reset it (a POST with CSRF, recorded in the history), under the
// rule that only superusers change superusers; and the admin login asks for the code too.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listPermissions } from "../../../src/accounts/staff/groups-store.js";
import { createSuperuser } from "../../../src/accounts/users.js";
import { findUserByUsername } from "../../../src/accounts/users-store.js";
import { updateUserStatus } from "../../../src/accounts/user-writes-store.js";
import {
  aLoggedInSuperuser,
  anAdminClient,
  userChangeForm,
  type AdminClient,
} from "../../support/admin-client.js";
import { aVerifiedUser, logIn, STRONG_PASSWORD } from "../../support/builders.js";
import {
  aUserWithTotp,
  ME_TWO_FACTOR,
  nextCode,
  SETUP_TOTP,
  TOKEN_AUTH_OTP,
  turnOnTotp,
} from "../../support/second-factor.js";
import { startTestApp, testDatabases, unique, type TestApp } from "../../support/test-app.js";

const RESET_BUTTON = "Reset two-factor authentication</button>";

describe.each(testDatabases())("the second factor in the admin (%s)", (database) => {
  let app: TestApp;
  let admin: AdminClient;
  let permissionIds: Map<string, string>;

  beforeAll(async () => {
    app = await startTestApp(database);
    ({ client: admin } = await aLoggedInSuperuser(app));
    const permissions = await listPermissions(app.deps.db);
    permissionIds = new Map(permissions.map((p) => [p.codename, String(p.id)]));
  });
  afterAll(async () => {
    await app.close();
  });

  async function idOf(username: string): Promise<number> {
    return (await findUserByUsername(app.deps.db, username))?.id ?? 0;
  }

  const changePage = (client: AdminClient, id: number) =>
    client.get(`/admin/users/${String(id)}/change/`);
  const reset = (client: AdminClient, id: number, options: { withCsrf?: boolean } = {}) =>
    client.post(`/admin/users/${String(id)}/reset-2fa/`, {}, options);

  async function signsInWithoutCode(user: { username: string; password: string }) {
    const response = await app.gql(TOKEN_AUTH_OTP, user);
    return (response.body.data?.tokenAuth as { success: boolean }).success;
  }

  /** A signed-in staff member holding `codenames` directly. */
  async function aStaffMember(codenames: readonly string[]) {
    const user = await aVerifiedUser(app);
    const id = await idOf(user.username);
    const page = await changePage(admin, id);
    const saved = await admin.post(`/admin/users/${String(id)}/change/`, {
      ...userChangeForm(page.html),
      is_staff: "on",
      user_permissions: codenames.map((codename) => permissionIds.get(codename) ?? ""),
    });
    expect(saved.status).toBe(302);
    const client = anAdminClient(app);
    await client.logIn(user.username, STRONG_PASSWORD);
    return client;
  }

  /** A verified superuser with TOTP on, and its secret. */
  async function aSuperuserWithTotp() {
    const username = unique("super");
    const user = await createSuperuser(app.deps, {
      username,
      email: `${username}@example.com`,
      password: STRONG_PASSWORD,
    });
    await updateUserStatus(app.deps.db, user.id, { verified: true });
    const { token } = await logIn(app, { username, password: STRONG_PASSWORD });
    const { secret } = await turnOnTotp(app, { token, password: STRONG_PASSWORD });
    return { id: user.id, username, password: STRONG_PASSWORD, secret };
  }

  it("shows whether a user has the second factor, without its secret", async () => {
    const plain = await aVerifiedUser(app);
    const plainPage = await changePage(admin, await idOf(plain.username));
    expect(plainPage.html).toContain("Two-factor authentication");
    expect(plainPage.html).toMatch(/<strong class="no">Not enabled<\/strong>/);
    expect(plainPage.html).not.toContain(RESET_BUTTON);
    const user = await aUserWithTotp(app);
    const page = await changePage(admin, await idOf(user.username));
    expect(page.html).toMatch(/<strong class="yes">Enabled<\/strong> \(TOTP\) since \d{4}-/);
    expect(page.html).toContain("10 unused recovery codes");
    expect(page.html).toContain(RESET_BUTTON);
    expect(page.html).not.toContain(user.secret);
  });

  it("resets it on a POST with the CSRF field: recorded, and the user signs in with the password alone", async () => {
    const user = await aUserWithTotp(app);
    const id = await idOf(user.username);
    expect(await signsInWithoutCode(user)).toBe(false);
    await changePage(admin, id);
    const done = await reset(admin, id);
    expect(done.status).toBe(302);
    expect(done.location).toBe(`/admin/users/${String(id)}/change/`);
    const after = await changePage(admin, id);
    expect(after.html).toContain(`Two-factor authentication was reset for “${user.username}”.`);
    expect(after.html).toMatch(/<strong class="no">Not enabled<\/strong>/);
    const history = await admin.get(`/admin/users/${String(id)}/history/`);
    expect(history.html).toContain("Reset two-factor authentication.");
    expect(await signsInWithoutCode(user)).toBe(true);
    const { token } = await logIn(app, user);
    const me = await app.gql(ME_TWO_FACTOR, {}, { token });
    expect(me.body.data?.me).toMatchObject({ twoFactorEnabled: false });
  });

  it("refuses a POST without the CSRF field, and resets nothing", async () => {
    const user = await aUserWithTotp(app);
    const id = await idOf(user.username);
    expect((await reset(admin, id, { withCsrf: false })).status).toBe(403);
    expect(await signsInWithoutCode(user)).toBe(false);
  });

  it("answers 404 for a user that does not exist", async () => {
    await admin.get("/admin/");
    expect((await reset(admin, 999_999)).status).toBe(404);
  });

  it("lets staff who may only view users see it, but not reset it", async () => {
    const viewer = await aStaffMember(["view_user"]);
    const user = await aUserWithTotp(app);
    const id = await idOf(user.username);
    const page = await changePage(viewer, id);
    expect(page.html).toContain('<strong class="yes">Enabled</strong>');
    expect(page.html).not.toContain(RESET_BUTTON);
    expect((await reset(viewer, id)).status).toBe(403);
    expect(await signsInWithoutCode(user)).toBe(false);
  });

  it("lets staff who may change users reset a user's, but not a superuser's", async () => {
    const staff = await aStaffMember(["change_user"]);
    const user = await aUserWithTotp(app);
    await changePage(staff, await idOf(user.username));
    expect((await reset(staff, await idOf(user.username))).status).toBe(302);
    expect(await signsInWithoutCode(user)).toBe(true);

    const superuser = await aSuperuserWithTotp();
    const page = await changePage(staff, superuser.id);
    expect(page.html).toContain('<strong class="yes">Enabled</strong>');
    expect(page.html).not.toContain(RESET_BUTTON);
    expect((await reset(staff, superuser.id)).status).toBe(403);
    expect(await signsInWithoutCode(superuser)).toBe(false);
    // A superuser may.
    await changePage(admin, superuser.id);
    expect((await reset(admin, superuser.id)).status).toBe(302);
    expect(await signsInWithoutCode(superuser)).toBe(true);
  });

  describe("the admin login", () => {
    it("asks a staff member whose second factor is on for a code, and takes it once", async () => {
      const superuser = await aSuperuserWithTotp();
      const client = anAdminClient(app);
      await client.get("/admin/login/");
      const fields = {
        username: superuser.username,
        password: superuser.password,
        next: "/admin/",
      };
      const without = await client.post("/admin/login/", fields);
      expect(without.status).toBe(200);
      expect(without.html).toContain(
        "Enter a code from your authenticator app or a recovery code.",
      );
      const wrong = await client.post("/admin/login/", { ...fields, otp: "000000" });
      expect(wrong.html).toContain("Invalid or expired code.");
      const code = nextCode(app, superuser.secret);
      const right = await client.post("/admin/login/", { ...fields, otp: code });
      expect(right.status).toBe(302);
      expect((await client.get("/admin/")).status).toBe(200);
      const replay = anAdminClient(app);
      await replay.get("/admin/login/");
      const replayed = await replay.post("/admin/login/", { ...fields, otp: code });
      expect(replayed.html).toContain("Invalid or expired code.");
    });

    it("asks staff whose second factor is set up but not confirmed for the password only", async () => {
      const username = unique("super");
      const user = await createSuperuser(app.deps, {
        username,
        email: `${username}@example.com`,
        password: STRONG_PASSWORD,
      });
      await updateUserStatus(app.deps.db, user.id, { verified: true });
      const { token } = await logIn(app, { username, password: STRONG_PASSWORD });
      const setup = await app.gql(SETUP_TOTP, { password: STRONG_PASSWORD }, { token });
      expect(setup.body.data?.setupTotp).toMatchObject({ success: true });
      await anAdminClient(app).logIn(username, STRONG_PASSWORD);
    });
  });
});
