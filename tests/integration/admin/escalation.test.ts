// Issue 12, item 4, over real HTTP: staff who may change users cannot raise their own privileges.
// Only a superuser changes a superuser (fields, password, deletion, bulk actions), and staff
// grant only permissions they hold (directly or by group membership); what a user already has
// survives a save by someone who could not grant it. Superusers stay unrestricted.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AdminViewer } from "../../../src/accounts/staff/access.js";
import { createGroup } from "../../../src/accounts/staff/groups.js";
import { listPermissions } from "../../../src/accounts/staff/groups-store.js";
import type { User } from "../../../src/accounts/types.js";
import { createSuperuser } from "../../../src/accounts/users.js";
import { findUserByUsername } from "../../../src/accounts/users-store.js";
import {
  AdminClient,
  userChangeForm,
  type Fields,
  type Page,
  aLoggedInSuperuser,
  anAdminClient,
} from "../../support/admin-client.js";
import { aVerifiedUser, STRONG_PASSWORD } from "../../support/builders.js";
import { TOKEN_AUTH_USERNAME } from "../../support/operations.js";
import { startTestApp, testDatabases, unique, type TestApp } from "../../support/test-app.js";

const NEW_PASSWORD = "Brand-New-Horse-77";

describe.each(testDatabases())("admin privilege escalation (%s)", (database) => {
  let app: TestApp;
  let root: User;
  let admin: AdminClient;
  let permissionIds: Map<string, string>;
  const newClient = () => anAdminClient(app);
  const rootViewer = (): AdminViewer => ({ user: root, permissions: new Set() });

  beforeAll(async () => {
    app = await startTestApp(database);
    ({ user: root, client: admin } = await aLoggedInSuperuser(app));
    const permissions = await listPermissions(app.deps.db);
    permissionIds = new Map(permissions.map((p) => [p.codename, String(p.id)]));
  });
  afterAll(async () => {
    await app.close();
  });

  const idsOf = (codenames: readonly string[]) =>
    codenames.map((codename) => permissionIds.get(codename) ?? `missing ${codename}`);

  async function aGroup(codenames: readonly string[]) {
    return createGroup(app.deps, rootViewer(), {
      name: unique("grp"),
      permissionIds: idsOf(codenames),
    });
  }

  async function idOf(username: string): Promise<number> {
    const found = await findUserByUsername(app.deps.db, username);
    expect(found).toBeDefined();
    return found?.id ?? 0;
  }

  /** The change form as `client` sees it, submitted with some fields replaced. */
  async function saveAs(client: AdminClient, id: number, changes: Fields): Promise<Page> {
    const page = await client.get(`/admin/users/${String(id)}/change/`);
    return client.post(`/admin/users/${String(id)}/change/`, {
      ...userChangeForm(page.html),
      ...changes,
    });
  }

  /** What the superuser's change page shows of the user. */
  async function shownTo(id: number): Promise<Fields> {
    return userChangeForm((await admin.get(`/admin/users/${String(id)}/change/`)).html);
  }

  async function signsIn(username: string, password: string): Promise<boolean> {
    const response = await app.gql(TOKEN_AUTH_USERNAME, { username, password });
    return (response.body.data?.tokenAuth as { success: boolean }).success;
  }

  async function aSuperuser() {
    const username = unique("super");
    const user = await createSuperuser(app.deps, {
      username,
      email: `${username}@example.com`,
      password: STRONG_PASSWORD,
    });
    return { id: user.id, username, email: user.email };
  }

  /** A signed-in staff member holding `codenames`, directly or through a group of their own. */
  async function aStaffMember(codenames: readonly string[], via: "direct" | "group" = "direct") {
    const user = await aVerifiedUser(app);
    const id = await idOf(user.username);
    const grant =
      via === "direct"
        ? { user_permissions: idsOf(codenames) }
        : { groups: String((await aGroup(codenames)).id) };
    expect((await saveAs(admin, id, { is_staff: "on", ...grant })).status).toBe(302);
    const client = newClient();
    await client.logIn(user.username, STRONG_PASSWORD);
    return { ...user, id, client };
  }

  describe.each(["direct", "group"] as const)("staff who may only change users (%s)", (via) => {
    it("refuses a staff member's grant to themselves of a permission they do not hold", async () => {
      const staff = await aStaffMember(["change_user"], via);
      const before = await shownTo(staff.id);
      const attempt = await saveAs(staff.client, staff.id, {
        user_permissions: [...(before.user_permissions as string[]), ...idsOf(["delete_user"])],
      });
      expect(attempt.status).toBe(200);
      expect(attempt.html).toContain(
        "You cannot grant “accounts.user | Can delete user”: you do not hold this permission.",
      );
      expect(await shownTo(staff.id)).toEqual(before);
      const victim = await aVerifiedUser(app);
      const refused = await staff.client.get(
        `/admin/users/${String(await idOf(victim.username))}/delete/`,
      );
      expect(refused.status).toBe(403);
    });

    it("refuses adding themselves to a group that holds permissions they lack", async () => {
      const staff = await aStaffMember(["change_user"], via);
      const powerful = await aGroup(["change_user", "change_group", "delete_user"]);
      const before = await shownTo(staff.id);
      const attempt = await saveAs(staff.client, staff.id, {
        groups: [...(before.groups as string[]), String(powerful.id)],
      });
      expect(attempt.status).toBe(200);
      expect(attempt.html).toContain(`You cannot add a member to “${powerful.name}”`);
      expect(attempt.html).toContain("auth.group | Can change group");
      expect(attempt.html).toContain("accounts.user | Can delete user");
      expect(await shownTo(staff.id)).toEqual(before);
      expect((await staff.client.get("/admin/groups/")).status).toBe(403);
    });

    it("refuses setting a superuser's password: 403, and the old password still signs in", async () => {
      const staff = await aStaffMember(["change_user"], via);
      const target = await aSuperuser();
      const path = `/admin/users/${String(target.id)}/password/`;
      expect((await staff.client.get(path)).status).toBe(403);
      const attempt = await staff.client.post(path, {
        password1: NEW_PASSWORD,
        password2: NEW_PASSWORD,
      });
      expect(attempt.status).toBe(403);
      expect(attempt.html).toContain("You don&#39;t have permission to do that.");
      expect(await signsIn(target.username, STRONG_PASSWORD)).toBe(true);
      expect(await signsIn(target.username, NEW_PASSWORD)).toBe(false);
    });

    it("refuses changing a superuser's email, active flag or permissions, and shows them read-only", async () => {
      const staff = await aStaffMember(["change_user", "view_group"], via);
      const target = await aSuperuser();
      const page = await staff.client.get(`/admin/users/${String(target.id)}/change/`);
      expect(page.status).toBe(200);
      expect(page.html).toContain("<fieldset disabled");
      expect(page.html).not.toContain(`href="/admin/users/${String(target.id)}/password/"`);
      const before = await shownTo(target.id);
      const fields = { ...before, is_superuser: "on" };
      const attempts: Fields[] = [
        { email: `${unique("taken")}@example.com` },
        { is_active: "" },
        { user_permissions: idsOf(["view_group"]) },
        { first_name: "Mallory" },
      ];
      for (const change of attempts) {
        const attempt = await staff.client.post(`/admin/users/${String(target.id)}/change/`, {
          ...fields,
          ...change,
        });
        expect(attempt.status, JSON.stringify(change)).toBe(403);
      }
      expect(await shownTo(target.id)).toEqual(before);
      expect(await signsIn(target.username, STRONG_PASSWORD)).toBe(true);
    });

    it("refuses deleting a superuser, and bulk actions on a selection holding one", async () => {
      const staff = await aStaffMember(["change_user", "delete_user"], via);
      const target = await aSuperuser();
      const bystander = await aVerifiedUser(app);
      const bystanderId = await idOf(bystander.username);
      const path = `/admin/users/${String(target.id)}/delete/`;
      expect((await staff.client.get(path)).status).toBe(403);
      expect((await staff.client.post(path, {})).status).toBe(403);
      await staff.client.get("/admin/users/");
      const selection = [String(bystanderId), String(target.id)];
      for (const action of ["deactivate", "log_out_everywhere", "delete_selected"]) {
        const attempt = await staff.client.post("/admin/users/action/", {
          action,
          _selected_action: selection,
          post: "yes",
        });
        expect(attempt.status, action).toBe(403);
      }
      expect((await shownTo(target.id)).is_active).toBe("on");
      expect((await shownTo(bystanderId)).is_active).toBe("on");
      expect(await signsIn(target.username, STRONG_PASSWORD)).toBe(true);
      expect(await signsIn(bystander.username, bystander.password)).toBe(true);
    });

    it("refuses a staff member making themselves a superuser", async () => {
      const staff = await aStaffMember(["change_user"], via);
      const attempt = await saveAs(staff.client, staff.id, { is_superuser: "on" });
      expect(attempt.status).toBe(200);
      expect(attempt.html).toContain("Only superusers can change superuser status.");
      expect((await shownTo(staff.id)).is_superuser).toBeUndefined();
      expect((await staff.client.get("/admin/groups/")).status).toBe(403);
    });
  });

  describe("what staff may still do", () => {
    it("lets a staff member edit an ordinary user and grant permissions they hold", async () => {
      const staff = await aStaffMember(["change_user", "view_refreshtoken"]);
      const tokensGroup = await aGroup(["view_refreshtoken"]);
      const user = await aVerifiedUser(app);
      const id = await idOf(user.username);
      const saved = await saveAs(staff.client, id, {
        first_name: "Grace",
        user_permissions: idsOf(["view_refreshtoken"]),
        groups: String(tokensGroup.id),
      });
      expect(saved.status).toBe(302);
      expect(await shownTo(id)).toMatchObject({
        first_name: "Grace",
        user_permissions: idsOf(["view_refreshtoken"]),
        groups: [String(tokensGroup.id)],
      });
      const password = await staff.client.post(`/admin/users/${String(id)}/password/`, {
        password1: NEW_PASSWORD,
        password2: NEW_PASSWORD,
      });
      expect(password.status).toBe(302);
      expect(await signsIn(user.username, NEW_PASSWORD)).toBe(true);
    });

    it("keeps what a user already holds when staff who could not grant it save the form", async () => {
      const staff = await aStaffMember(["change_user"]);
      const strongGroup = await aGroup(["delete_user"]);
      const user = await aVerifiedUser(app);
      const id = await idOf(user.username);
      const granted = { user_permissions: idsOf(["change_group"]), groups: String(strongGroup.id) };
      expect((await saveAs(admin, id, granted)).status).toBe(302);
      const saved = await saveAs(staff.client, id, { last_name: "Hopper" });
      expect(saved.status).toBe(302);
      expect(await shownTo(id)).toMatchObject({
        last_name: "Hopper",
        user_permissions: idsOf(["change_group"]),
        groups: [String(strongGroup.id)],
      });
    });

    it("lets a staff member take away a permission or group they do not hold", async () => {
      const staff = await aStaffMember(["change_user"]);
      const strongGroup = await aGroup(["delete_user"]);
      const user = await aVerifiedUser(app);
      const id = await idOf(user.username);
      const granted = { user_permissions: idsOf(["change_group"]), groups: String(strongGroup.id) };
      expect((await saveAs(admin, id, granted)).status).toBe(302);
      const saved = await saveAs(staff.client, id, { user_permissions: [], groups: [] });
      expect(saved.status).toBe(302);
      expect(await shownTo(id)).toMatchObject({ user_permissions: [], groups: [] });
    });

    it("lets a superuser grant any permission and change another superuser, password included", async () => {
      const target = await aSuperuser();
      const email = `${unique("moved")}@example.com`;
      const saved = await saveAs(admin, target.id, {
        email,
        user_permissions: idsOf(["delete_user", "change_group"]),
      });
      expect(saved.status).toBe(302);
      const shown = await shownTo(target.id);
      expect(shown).toMatchObject({ email, is_superuser: "on" });
      expect([...(shown.user_permissions as string[])].sort()).toEqual(
        idsOf(["delete_user", "change_group"]).sort(),
      );
      const password = await admin.post(`/admin/users/${String(target.id)}/password/`, {
        password1: NEW_PASSWORD,
        password2: NEW_PASSWORD,
      });
      expect(password.status).toBe(302);
      expect(await signsIn(target.username, NEW_PASSWORD)).toBe(true);
      const demoted = await saveAs(admin, target.id, { is_superuser: "", is_active: "" });
      expect(demoted.status).toBe(302);
      expect(await shownTo(target.id)).not.toHaveProperty("is_superuser");
    });
  });
});
