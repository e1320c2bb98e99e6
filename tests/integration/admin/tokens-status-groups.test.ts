// The admin's User status, Refresh tokens and Groups sections over real HTTP (SPEC §12): plain
// form posts with the CSRF field, per-model permissions, the admin log, and escaping of names.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGroup } from "../../../src/accounts/staff/groups.js";
import type { User } from "../../../src/accounts/types.js";
import { createSuperuser } from "../../../src/accounts/users.js";
import { insertRefreshToken } from "../../../src/accounts/tokens/refresh-tokens-store.js";
import { findUserByUsername } from "../../../src/accounts/users-store.js";
import { updateUser } from "../../../src/accounts/user-writes-store.js";
import { AdminClient, aLoggedInSuperuser } from "../../support/admin-client.js";
import { aRegisteredUser, STRONG_PASSWORD, type RegisteredUser } from "../../support/builders.js";
import { ME, REFRESH_TOKEN } from "../../support/operations.js";
import { startTestApp, testDatabases, unique, type TestApp } from "../../support/test-app.js";

/** Ids of the rows a token list page offers for bulk actions. */
function selectableIds(html: string): string[] {
  return [...html.matchAll(/name="_selected_action" value="(\d+)"/g)].map(
    (match) => match[1] ?? "",
  );
}

function permissionIdFor(html: string, codename: string): string {
  const match = new RegExp(
    `name="permissions" value="(\\d+)"[^>]*>[^<]*<span class="help">${codename}</span>`,
  ).exec(html);
  expect(match, codename).not.toBeNull();
  return match?.[1] ?? "";
}

describe.each(testDatabases())("admin user status, refresh tokens and groups (%s)", (database) => {
  let app: TestApp;
  let admin: AdminClient;
  let baseUrl: string;
  let adminName: string;
  let superuser: User;

  beforeAll(async () => {
    app = await startTestApp(database);
    baseUrl = app.url.replace(/\/graphql$/, "");
    adminName = unique("admin");
    superuser = await createSuperuser(app.deps, {
      username: adminName,
      email: `${adminName}@example.com`,
      password: STRONG_PASSWORD,
    });
    admin = new AdminClient(baseUrl);
    await admin.logIn(adminName, STRONG_PASSWORD);
  });
  afterAll(async () => {
    await app.close();
  });

  async function userIdOf(user: { username: string }): Promise<number> {
    const found = await findUserByUsername(app.deps.db, user.username);
    expect(found).toBeDefined();
    return found?.id ?? 0;
  }

  async function meOf(
    user: RegisteredUser,
  ): Promise<{ verified: boolean; archived: boolean; secondaryEmail: string | null }> {
    const response = await app.gql(ME, {}, { token: user.token });
    return response.body.data?.me as {
      verified: boolean;
      archived: boolean;
      secondaryEmail: string | null;
    };
  }

  async function refreshWorks(refreshToken: string): Promise<boolean> {
    const response = await app.gql(REFRESH_TOKEN, { refreshToken });
    return (response.body.data?.refreshToken as { success: boolean }).success;
  }

  async function tokenIdOf(user: RegisteredUser): Promise<string> {
    const page = await admin.get(`/admin/refresh-tokens/?q=${user.refreshToken.slice(0, 8)}`);
    const [id] = selectableIds(page.html);
    expect(id).toBeDefined();
    return id ?? "";
  }

  describe("user status", () => {
    it("lists `<username> - status` and hides the Add link for statuses and tokens on the index", async () => {
      const user = await aRegisteredUser(app);
      const list = await admin.get(`/admin/user-status/?q=${user.username.toUpperCase()}`);
      expect(list.status).toBe(200);
      expect(list.html).toContain(`${user.username} - status`);
      expect(list.html).toContain("1 user status<");
      const index = await admin.get("/admin/");
      expect(index.html).toContain('href="/admin/groups/add/"');
      expect(index.html).not.toContain('href="/admin/user-status/add/"');
      expect(index.html).not.toContain('href="/admin/refresh-tokens/add/"');
    });

    it("makes `me { verified }` true when the admin ticks verified, and logs the change", async () => {
      const user = await aRegisteredUser(app);
      const id = await userIdOf(user);
      expect((await meOf(user)).verified).toBe(false);
      await admin.get(`/admin/user-status/${String(id)}/change/`);
      const saved = await admin.post(`/admin/user-status/${String(id)}/change/`, {
        verified: "on",
      });
      expect(saved.status).toBe(302);
      expect(saved.location).toBe("/admin/user-status/");
      expect((await admin.get("/admin/user-status/")).html).toContain(
        `The user status “${user.username} - status” was changed successfully.`,
      );
      expect((await meOf(user)).verified).toBe(true);
      const history = await admin.get(`/admin/user-status/${String(id)}/history/`);
      expect(history.html).toContain("Changed verified.");
      expect(history.html).toContain(adminName);
      expect((await admin.get("/admin/")).html).toContain(`${user.username} - status`);
    });

    it("refuses a secondary email that is invalid, too long, or anyone's address in another case", async () => {
      const [user, other] = [await aRegisteredUser(app), await aRegisteredUser(app)];
      const path = `/admin/user-status/${String(await userIdOf(user))}/change/`;
      const taken = await admin.post(path, { secondary_email: other.email.toUpperCase() });
      expect(taken.status).toBe(200);
      expect(taken.html).toContain("A user with that email already exists.");
      expect((await admin.post(path, { secondary_email: "not an address" })).html).toContain(
        "Enter a valid email address.",
      );
      const long = `${"a".repeat(64)}@${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(58)}.com`;
      expect((await admin.post(path, { secondary_email: long })).html).toContain(
        "Ensure this value has at most 254 characters (it has 255).",
      );
      const fresh = `${unique("second")}@Example.COM`;
      expect((await admin.post(path, { secondary_email: fresh, archived: "on" })).status).toBe(302);
      expect(await meOf(user)).toMatchObject({
        secondaryEmail: fresh.replace("Example.COM", "example.com"),
        archived: true,
      });
      expect(
        (
          await admin.post(path, {
            secondary_email: fresh.toUpperCase().replace("EXAMPLE.COM", "example.com"),
          })
        ).status,
      ).toBe(302);
    });

    it("answers 404 for a user that does not exist", async () => {
      expect((await admin.get("/admin/user-status/999999/change/")).status).toBe(404);
      expect((await admin.get("/admin/user-status/abc/change/")).status).toBe(404);
      expect((await admin.get("/admin/user-status/99999999999/change/")).status).toBe(404);
      expect((await admin.get("/admin/refresh-tokens/99999999999/")).status).toBe(404);
      expect((await admin.get("/admin/groups/99999999999/change/")).status).toBe(404);
    });
  });

  describe("refresh tokens", () => {
    it("never shows a whole token, only its prefix", async () => {
      const user = await aRegisteredUser(app);
      expect(user.refreshToken).toMatch(/^[0-9a-f]{40}$/);
      for (const path of [
        "/admin/refresh-tokens/",
        `/admin/refresh-tokens/?q=${user.username}`,
        `/admin/refresh-tokens/${await tokenIdOf(user)}/`,
      ]) {
        const page = await admin.get(path);
        expect(page.html).toContain(`${user.refreshToken.slice(0, 8)}…`);
        expect(page.html).not.toContain(user.refreshToken);
        expect(page.html).not.toContain(user.refreshToken.slice(0, 9));
      }
      expect((await admin.get(`/admin/refresh-tokens/?q=${user.refreshToken}`)).html).toContain(
        `href="/admin/users/${String(await userIdOf(user))}/change/"`,
      );
    });

    it("revokes the selected token only: refreshToken answers invalid_token for it, another user's still works", async () => {
      const [victim, bystander] = [await aRegisteredUser(app), await aRegisteredUser(app)];
      const response = await admin.post("/admin/refresh-tokens/action/", {
        action: "revoke_selected",
        _selected_action: await tokenIdOf(victim),
        q: victim.username,
      });
      expect(response.status).toBe(302);
      expect(response.location).toBe(`/admin/refresh-tokens/?q=${victim.username}`);
      expect((await admin.get("/admin/refresh-tokens/")).html).toContain(
        "Successfully revoked 1 refresh token.",
      );
      const refused = await app.gql(REFRESH_TOKEN, { refreshToken: victim.refreshToken });
      expect(refused.body.data?.refreshToken).toMatchObject({
        success: false,
        errors: { nonFieldErrors: [{ code: "invalid_token" }] },
      });
      const refreshed = await app.gql(REFRESH_TOKEN, { refreshToken: bystander.refreshToken });
      expect(refreshed.body.data?.refreshToken).toMatchObject({ success: true });
    });

    it("leaves already revoked tokens' time alone when revoking again", async () => {
      const user = await aRegisteredUser(app);
      const id = await tokenIdOf(user);
      const revokedAt = async () =>
        /Revoked<\/th><td>([^<]*)<\/td>/.exec(
          (await admin.get(`/admin/refresh-tokens/${id}/`)).html,
        )?.[1];
      await admin.post("/admin/refresh-tokens/action/", {
        action: "revoke_selected",
        _selected_action: id,
      });
      const first = await revokedAt();
      expect(first).toMatch(/^\d{4}-\d{2}-\d{2} /);
      app.clock.advance(120);
      await admin.post("/admin/refresh-tokens/action/", {
        action: "revoke_selected",
        _selected_action: id,
      });
      expect((await admin.get("/admin/refresh-tokens/")).html).toContain(
        "Successfully revoked 0 refresh tokens.",
      );
      expect(await revokedAt()).toBe(first);
    });

    it("asks for confirmation before deleting selected tokens, then deletes them and logs it", async () => {
      const [one, two] = [await aRegisteredUser(app), await aRegisteredUser(app)];
      const ids = [await tokenIdOf(one), await tokenIdOf(two)];
      const confirm = await admin.post("/admin/refresh-tokens/action/", {
        action: "delete_selected",
        _selected_action: ids,
      });
      expect(confirm.status).toBe(200);
      expect(confirm.html).toContain(
        "Are you sure you want to delete the selected refresh tokens?",
      );
      expect((await admin.get(`/admin/refresh-tokens/${ids[0] ?? ""}/`)).status).toBe(200);
      const done = await admin.post("/admin/refresh-tokens/action/", {
        action: "delete_selected",
        _selected_action: ids,
        post: "yes",
      });
      expect(done.status).toBe(302);
      expect((await admin.get("/admin/refresh-tokens/")).html).toContain(
        "Successfully deleted 2 refresh tokens.",
      );
      expect((await admin.get(`/admin/refresh-tokens/${ids[0] ?? ""}/`)).status).toBe(404);
      expect((await admin.get(`/admin/refresh-tokens/${ids[0] ?? ""}/history/`)).html).toContain(
        "Deletion",
      );
    });

    it("deletes one token from its delete page", async () => {
      const user = await aRegisteredUser(app);
      const id = await tokenIdOf(user);
      expect((await admin.get(`/admin/refresh-tokens/${id}/delete/`)).html).toContain(
        `Are you sure you want to delete the refresh token “${user.refreshToken.slice(0, 8)}…”?`,
      );
      expect((await admin.post(`/admin/refresh-tokens/${id}/delete/`, {})).location).toBe(
        "/admin/refresh-tokens/",
      );
      expect(await refreshWorks(user.refreshToken)).toBe(false);
    });

    it("changes nothing without a selection or an action", async () => {
      await admin.post("/admin/refresh-tokens/action/", { action: "revoke_selected" });
      expect((await admin.get("/admin/refresh-tokens/")).html).toContain(
        "Items must be selected in order to perform actions on them.",
      );
      await admin.post("/admin/refresh-tokens/action/", { action: "", _selected_action: "1" });
      expect((await admin.get("/admin/refresh-tokens/")).html).toContain("No action selected.");
    });
  });

  describe("groups", () => {
    it("creates, changes and deletes a group with permissions, keeping its history", async () => {
      const form = await admin.get("/admin/groups/add/");
      const viewToken = permissionIdFor(form.html, "view_refreshtoken");
      const changeStatus = permissionIdFor(form.html, "change_userstatus");
      const name = unique("Support ");
      const added = await admin.post("/admin/groups/add/", {
        name,
        permissions: [viewToken, changeStatus],
        _continue: "1",
      });
      expect(added.status).toBe(302);
      const changePath = added.location ?? "";
      expect(changePath).toMatch(/^\/admin\/groups\/\d+\/change\/$/);
      const edit = await admin.get(changePath);
      expect(edit.html).toContain(
        `The group “${name}” was added successfully. You may edit it again below.`,
      );
      expect(edit.html).toContain(`value="${viewToken}" checked`);
      expect((await admin.post("/admin/groups/add/", { name })).html).toContain(
        "Group with this Name already exists.",
      );
      expect((await admin.post("/admin/groups/add/", { name: "g".repeat(151) })).html).toContain(
        "Ensure this value has at most 150 characters (it has 151).",
      );
      expect((await admin.post(changePath, { name: "", permissions: "99999" })).html).toContain(
        "Select a valid choice. 99999 is not one of the available choices.",
      );
      expect(
        (await admin.post(changePath, { name: `${name} renamed`, permissions: viewToken }))
          .location,
      ).toBe("/admin/groups/");
      expect((await admin.get(`/admin/groups/?q=${encodeURIComponent("RENAMED")}`)).html).toContain(
        `${name} renamed`,
      );
      const historyPath = changePath.replace("/change/", "/history/");
      expect((await admin.get(historyPath)).html).toContain("Changed name and permissions.");
      expect((await admin.get(changePath.replace("/change/", "/delete/"))).html).toContain(
        "Group-permission relationships: 1",
      );
      expect((await admin.post(changePath.replace("/change/", "/delete/"), {})).location).toBe(
        "/admin/groups/",
      );
      expect((await admin.get(changePath)).status).toBe(404);
      const history = (await admin.get(historyPath)).html;
      expect(history).toContain("Deletion");
      expect(history).toContain("Addition");
    });

    it("shows 100 groups a page with links to the next and previous pages", async () => {
      const prefix = unique("page");
      for (let index = 0; index < 101; index += 1) {
        await createGroup(
          app.deps,
          { user: superuser, permissions: new Set() },
          { name: `${prefix}-${String(index).padStart(3, "0")}`, permissionIds: [] },
        );
      }
      const first = await admin.get(`/admin/groups/?q=${prefix}`);
      expect(first.html).toContain("101 groups · page 1 of 2");
      expect(first.html).toContain(`${prefix}-099`);
      expect(first.html).not.toContain(`${prefix}-100`);
      expect(first.html).toContain(`href="/admin/groups/?q=${prefix}&amp;p=2" rel="next"`);
      const second = await admin.get(`/admin/groups/?q=${prefix}&p=2`);
      expect(second.html).toContain(`${prefix}-100`);
      expect(second.html).not.toContain(`${prefix}-099`);
      expect(second.html).toContain(`href="/admin/groups/?q=${prefix}" rel="prev"`);
    });

    it("lets staff in a group with view_refreshtoken list tokens but refuses revoking and other sections", async () => {
      const form = await admin.get("/admin/groups/add/");
      const name = unique("Viewers ");
      const added = await admin.post("/admin/groups/add/", {
        name,
        permissions: permissionIdFor(form.html, "view_refreshtoken"),
        _continue: "1",
      });
      const groupId = Number(/\/admin\/groups\/(\d+)\//.exec(added.location ?? "")?.[1]);
      const staff = await aRegisteredUser(app);
      const staffId = await userIdOf(staff);
      await updateUser(app.deps.db, staffId, { isStaff: true });
      // Group membership is edited on the Users pages, which this file does not cover.
      await app.deps.db
        .insertInto("user_groups")
        .values({ user_id: staffId, group_id: groupId })
        .execute();
      const client = new AdminClient(baseUrl);
      await client.logIn(staff.username, staff.password);
      const list = await client.get("/admin/refresh-tokens/");
      expect(list.status).toBe(200);
      expect(list.html).toContain(`${staff.refreshToken.slice(0, 8)}…`);
      expect(list.html).not.toContain("revoke_selected");
      const revoke = await client.post("/admin/refresh-tokens/action/", {
        action: "revoke_selected",
        _selected_action: await tokenIdOf(staff),
      });
      expect(revoke.status).toBe(403);
      expect(revoke.html).toContain("403 Forbidden");
      expect((await client.get("/admin/user-status/")).status).toBe(403);
      expect((await client.get("/admin/groups/")).status).toBe(403);
      expect((await client.post(`/admin/groups/${String(groupId)}/delete/`, {})).status).toBe(403);
      expect(await refreshWorks(staff.refreshToken)).toBe(true);
    });
  });

  describe("escaping and CSRF", () => {
    it("renders a username with <script> and quotes as text in the status and token lists", async () => {
      const user = await aRegisteredUser(app);
      const hostile = `<script>alert("x'${unique("")}")</script>`;
      await updateUser(app.deps.db, await userIdOf(user), { username: hostile });
      for (const path of ["/admin/user-status/", "/admin/refresh-tokens/"]) {
        const page = await admin.get(`${path}?q=${encodeURIComponent(hostile)}`);
        expect(page.html).not.toContain("<script>");
        expect(page.html).toContain("&lt;script&gt;alert(&#34;x&#39;");
      }
      const group = await admin.post("/admin/groups/add/", { name: `<script>"${unique("g")}'` });
      expect(group.status).toBe(302);
      expect((await admin.get("/admin/groups/")).html).not.toContain("<script>");
    });

    it("refuses a form post without the CSRF field", async () => {
      const user = await aRegisteredUser(app);
      const id = String(await userIdOf(user));
      const refused = await admin.post(
        `/admin/user-status/${id}/change/`,
        { verified: "on" },
        { withCsrf: false },
      );
      expect(refused.status).toBe(403);
      expect(refused.html).toContain("CSRF verification failed.");
      expect(
        (
          await admin.post(
            "/admin/refresh-tokens/action/",
            { action: "revoke_selected" },
            { withCsrf: false },
          )
        ).status,
      ).toBe(403);
      expect(
        (await admin.post("/admin/groups/add/", { name: unique("g") }, { withCsrf: false })).status,
      ).toBe(403);
      expect((await meOf(user)).verified).toBe(false);
    });
  });

  describe("filters", () => {
    it("filters tokens by revoked and expired, and statuses by verified", async () => {
      const [revoked, live] = [await aRegisteredUser(app), await aRegisteredUser(app)];
      await admin.post("/admin/refresh-tokens/action/", {
        action: "revoke_selected",
        _selected_action: await tokenIdOf(revoked),
      });
      const prefix = (user: RegisteredUser) => `${user.refreshToken.slice(0, 8)}…`;
      const revokedOnly = (await admin.get("/admin/refresh-tokens/?revoked=1")).html;
      expect(revokedOnly).toContain(prefix(revoked));
      expect(revokedOnly).not.toContain(prefix(live));
      const liveOnly = (await admin.get("/admin/refresh-tokens/?revoked=0")).html;
      expect(liveOnly).toContain(prefix(live));
      expect(liveOnly).not.toContain(prefix(revoked));
      expect((await admin.get("/admin/refresh-tokens/?expired=1")).html).not.toContain(
        prefix(live),
      );

      app.clock.advance(7 * 24 * 3600 + 60);
      const fresh = await aRegisteredUser(app);
      const expired = (await admin.get("/admin/refresh-tokens/?expired=1")).html;
      expect(expired).toContain(prefix(live));
      expect(expired).not.toContain(prefix(fresh));
      const notExpired = (await admin.get("/admin/refresh-tokens/?expired=0&revoked=0")).html;
      expect(notExpired).toContain(prefix(fresh));
      expect(notExpired).not.toContain(prefix(live));
      expect(await refreshWorks(live.refreshToken)).toBe(false);

      const unverified = (await admin.get(`/admin/user-status/?verified=0&q=${fresh.username}`))
        .html;
      expect(unverified).toContain(`${fresh.username} - status`);
      expect(
        (await admin.get(`/admin/user-status/?verified=1&q=${fresh.username}`)).html,
      ).not.toContain(`${fresh.username} - status`);
    });
  });
});

describe.each(testDatabases())(
  "admin refresh-token search with 32-byte tokens (%s)",
  (database) => {
    let app: TestApp;
    let admin: AdminClient;

    beforeAll(async () => {
      app = await startTestApp(database, { JWT_REFRESH_TOKEN_N_BYTES: "32" });
      ({ client: admin } = await aLoggedInSuperuser(app));
    });
    afterAll(async () => {
      await app.close();
    });

    it("finds exactly the pasted whole token, not another that shares its first 8 characters", async () => {
      const [owner, other] = [await aRegisteredUser(app), await aRegisteredUser(app)];
      expect(owner.refreshToken).toMatch(/^[0-9a-f]{64}$/);
      const otherId = (await findUserByUsername(app.deps.db, other.username))?.id ?? 0;
      // A second token with the same visible prefix: only the digest tells the two apart.
      await insertRefreshToken(app.deps.db, {
        userId: otherId,
        digest: "0".repeat(64),
        prefix: owner.refreshToken.slice(0, 8),
        created: new Date(),
        sessionId: null,
      });
      const byPrefix = await admin.get(
        `/admin/refresh-tokens/?q=${owner.refreshToken.slice(0, 8)}`,
      );
      expect(selectableIds(byPrefix.html)).toHaveLength(2);

      const page = await admin.get(`/admin/refresh-tokens/?q=${owner.refreshToken.toUpperCase()}`);
      expect(selectableIds(page.html)).toHaveLength(1);
      expect(page.html).toContain(owner.username);
      expect(page.html).not.toContain(other.username);
    });
  },
);
