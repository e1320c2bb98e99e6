// Issue 12, item 4, in the Groups and User status sections: staff who may change groups add to
// a group only permissions they hold, and a superuser's status (whose secondary email receives
// password resets) is changed by superusers only.
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
  aLoggedInSuperuser,
  anAdminClient,
} from "../../support/admin-client.js";
import { aVerifiedUser, STRONG_PASSWORD } from "../../support/builders.js";
import { startTestApp, testDatabases, unique, type TestApp } from "../../support/test-app.js";

/** The permission ids a group form shows ticked. */
const tickedPermissions = (html: string) =>
  [...html.matchAll(/name="permissions" value="(\d+)" checked/g)].map((match) => match[1] ?? "");

describe.each(testDatabases())(
  "admin privilege escalation: groups and statuses (%s)",
  (database) => {
    let app: TestApp;
    let root: User;
    let admin: AdminClient;
    let permissionIds: Map<string, string>;
    const newClient = () => anAdminClient(app);

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
    const sorted = (ids: readonly string[]) => [...ids].sort((a, b) => Number(a) - Number(b));

    async function aGroup(codenames: readonly string[]) {
      const viewer: AdminViewer = { user: root, permissions: new Set() };
      return createGroup(app.deps, viewer, {
        name: unique("grp"),
        permissionIds: idsOf(codenames),
      });
    }

    async function groupPermissionsShown(id: number): Promise<string[]> {
      return sorted(
        tickedPermissions((await admin.get(`/admin/groups/${String(id)}/change/`)).html),
      );
    }

    /** A signed-in staff member holding `codenames` directly. */
    async function aStaffMember(codenames: readonly string[]) {
      const user = await aVerifiedUser(app);
      const id = (await findUserByUsername(app.deps.db, user.username))?.id ?? 0;
      const page = await admin.get(`/admin/users/${String(id)}/change/`);
      const saved = await admin.post(`/admin/users/${String(id)}/change/`, {
        ...userChangeForm(page.html),
        is_staff: "on",
        user_permissions: idsOf(codenames),
      });
      expect(saved.status).toBe(302);
      const client = newClient();
      await client.logIn(user.username, STRONG_PASSWORD);
      return { ...user, id, client };
    }

    describe("groups", () => {
      it("refuses a staff member's addition to a group of a permission they do not hold", async () => {
        const staff = await aStaffMember(["change_group", "view_user"]);
        const group = await aGroup(["view_user"]);
        const path = `/admin/groups/${String(group.id)}/change/`;
        await staff.client.get(path);
        const attempt = await staff.client.post(path, {
          name: group.name,
          permissions: idsOf(["view_user", "change_user"]),
        });
        expect(attempt.status).toBe(200);
        expect(attempt.html).toContain(
          "You cannot grant “accounts.user | Can change user”: you do not hold this permission.",
        );
        expect(await groupPermissionsShown(group.id)).toEqual(idsOf(["view_user"]));
      });

      it("refuses a new group carrying a permission its creator does not hold", async () => {
        const staff = await aStaffMember(["add_group", "view_group"]);
        const name = unique("grp");
        await staff.client.get("/admin/groups/add/");
        const attempt = await staff.client.post("/admin/groups/add/", {
          name,
          permissions: idsOf(["delete_user"]),
        });
        expect(attempt.status).toBe(200);
        expect(attempt.html).toContain("You cannot grant “accounts.user | Can delete user”");
        expect((await admin.get(`/admin/groups/?q=${name}`)).html).not.toContain(`>${name}</a>`);
      });

      it("lets a staff member add a permission they hold and take away one they lack", async () => {
        const staff = await aStaffMember(["change_group", "view_user"]);
        const group = await aGroup(["delete_user", "change_user"]);
        const path = `/admin/groups/${String(group.id)}/change/`;
        await staff.client.get(path);
        const saved = await staff.client.post(path, {
          name: group.name,
          permissions: idsOf(["change_user", "view_user"]),
        });
        expect(saved.status).toBe(302);
        expect(await groupPermissionsShown(group.id)).toEqual(
          sorted(idsOf(["change_user", "view_user"])),
        );
      });

      it("keeps a group's permissions its editor could not grant when they rename it", async () => {
        const staff = await aStaffMember(["change_group"]);
        const group = await aGroup(["delete_user", "change_user"]);
        const path = `/admin/groups/${String(group.id)}/change/`;
        const form = await staff.client.get(path);
        const renamed = `${group.name}-renamed`;
        const saved = await staff.client.post(path, {
          name: renamed,
          permissions: tickedPermissions(form.html),
        });
        expect(saved.status).toBe(302);
        const page = await admin.get(path);
        expect(page.html).toContain(`value="${renamed}"`);
        expect(sorted(tickedPermissions(page.html))).toEqual(
          sorted(idsOf(["delete_user", "change_user"])),
        );
      });

      it("lets a superuser add any permission to a group", async () => {
        const group = await aGroup([]);
        const path = `/admin/groups/${String(group.id)}/change/`;
        await admin.get(path);
        const wanted = idsOf(["change_user", "delete_user", "change_group"]);
        const saved = await admin.post(path, { name: group.name, permissions: wanted });
        expect(saved.status).toBe(302);
        expect(await groupPermissionsShown(group.id)).toEqual(sorted(wanted));
      });
    });

    describe("user statuses", () => {
      it("refuses a staff member's change to a superuser's status and shows it read-only", async () => {
        const staff = await aStaffMember(["change_userstatus"]);
        const username = unique("super");
        const target = await createSuperuser(app.deps, {
          username,
          email: `${username}@example.com`,
          password: STRONG_PASSWORD,
        });
        const path = `/admin/user-status/${String(target.id)}/change/`;
        const page = await staff.client.get(path);
        expect(page.status).toBe(200);
        expect(page.html).toContain("View user status");
        const attempt = await staff.client.post(path, {
          verified: "on",
          secondary_email: `${unique("mallory")}@example.com`,
        });
        expect(attempt.status).toBe(403);
        expect(attempt.html).toContain("You don&#39;t have permission to do that.");
        const shown = await admin.get(path);
        expect(shown.html).toContain('name="secondary_email" value=""');
      });

      it("lets a staff member change an ordinary user's status", async () => {
        const staff = await aStaffMember(["change_userstatus"]);
        const user = await aVerifiedUser(app);
        const id = (await findUserByUsername(app.deps.db, user.username))?.id ?? 0;
        const path = `/admin/user-status/${String(id)}/change/`;
        expect((await staff.client.get(path)).html).toContain("Change user status");
        const secondary = `${unique("second")}@example.com`;
        const saved = await staff.client.post(path, { verified: "on", secondary_email: secondary });
        expect(saved.status).toBe(302);
        expect((await admin.get(path)).html).toContain(`value="${secondary}"`);
      });
    });
  },
);
