// The admin's Users section over real HTTP (SPEC §12): plain form posts with the CSRF field, the
// same rules as the API (a user added here logs in through tokenAuth at once), per-model
// permissions, the admin log, and escaping of whatever users put in their names.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AdminViewer } from "../../../src/accounts/staff/access.js";
import { createGroup } from "../../../src/accounts/staff/groups.js";
import { createSuperuser } from "../../../src/accounts/users.js";
import { findUserByUsername } from "../../../src/accounts/users-store.js";
import type { User } from "../../../src/accounts/types.js";
import {
  AdminClient,
  listedUsernames,
  permissionId,
  userChangeForm,
  type Fields,
  type Page,
  aLoggedInSuperuser,
  anAdminClient,
} from "../../support/admin-client.js";
import {
  aVerifiedUser,
  logIn,
  STRONG_PASSWORD,
  type RegisteredUser,
} from "../../support/builders.js";
import {
  ME,
  REFRESH_TOKEN,
  TOKEN_AUTH_USERNAME,
  UPDATE_ACCOUNT,
} from "../../support/operations.js";
import { startTestApp, testDatabases, unique, type TestApp } from "../../support/test-app.js";

describe.each(testDatabases())("admin users (%s)", (database) => {
  let app: TestApp;
  let admin: AdminClient;
  let root: User;
  const newClient = () => anAdminClient(app);

  beforeAll(async () => {
    app = await startTestApp(database);
    ({ user: root, client: admin } = await aLoggedInSuperuser(app));
  });
  afterAll(async () => {
    await app.close();
  });

  async function idOf(username: string): Promise<number> {
    const found = await findUserByUsername(app.deps.db, username);
    expect(found).toBeDefined();
    return found?.id ?? 0;
  }

  async function tokenAuth(username: string, password: string) {
    const response = await app.gql(TOKEN_AUTH_USERNAME, { username, password });
    return response.body.data?.tokenAuth as {
      success: boolean;
      errors: Record<string, { code: string }[]> | null;
      refreshToken: string;
    };
  }

  async function addUser(username: string, extra: Fields = {}): Promise<number> {
    const added = await admin.post("/admin/users/add/", {
      username,
      email: `${username}@example.com`,
      password1: STRONG_PASSWORD,
      password2: STRONG_PASSWORD,
      ...extra,
    });
    expect(added.status).toBe(302);
    return idOf(username);
  }

  /** The change form as the page would submit it, with some fields replaced. */
  async function saveChangeForm(id: number, changes: Fields): Promise<Page> {
    const page = await admin.get(`/admin/users/${String(id)}/change/`);
    return admin.post(`/admin/users/${String(id)}/change/`, {
      ...userChangeForm(page.html),
      ...changes,
    });
  }

  async function bulk(action: string, ids: number[], extra: Fields = {}): Promise<Page> {
    await admin.get("/admin/users/");
    return admin.post("/admin/users/action/", {
      action,
      _selected_action: ids.map(String),
      ...extra,
    });
  }

  describe("the list", () => {
    it("shows names with <script> and quotes as text on every page", async () => {
      const user = await aVerifiedUser(app);
      const hostile = `<script>alert("x")</script>'`;
      const updated = await app.gql(
        UPDATE_ACCOUNT,
        { firstName: hostile, lastName: `"><img src=x onerror=alert(1)>` },
        { token: user.token },
      );
      expect(updated.body.data?.updateAccount).toEqual({ success: true, errors: null });
      const id = await idOf(user.username);
      const pages = [
        `/admin/users/?q=${user.username}`,
        `/admin/users/${String(id)}/change/`,
        `/admin/users/${String(id)}/delete/`,
        `/admin/users/${String(id)}/history/`,
      ];
      for (const [index, path] of pages.entries()) {
        const page = await admin.get(path);
        expect(page.status, path).toBe(200);
        expect(page.html, path).not.toMatch(/<script>alert|<img src=x/);
        // The list and the change form show the names; the others only the username.
        if (index >= 2) continue;
        expect(page.html, path).toContain("&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&#39;");
        expect(page.html, path).toContain("&#34;&gt;&lt;img src=x onerror=alert(1)&gt;");
      }
      expect(listedUsernames((await admin.get(`/admin/users/?q=${user.username}`)).html)).toEqual([
        user.username,
      ]);
    });

    it("searches username, names and email ignoring case; every word must match", async () => {
      const prefix = unique("srch");
      const alpha = await aVerifiedUser(app, { username: `${prefix}alpha` });
      const beta = await aVerifiedUser(app, { username: `${prefix}beta` });
      await aVerifiedUser(app, { username: `${prefix}gamma` });
      await app.gql(UPDATE_ACCOUNT, { firstName: "Marguerite" }, { token: alpha.token });
      await app.gql(UPDATE_ACCOUNT, { lastName: "Quixote" }, { token: beta.token });
      const search = async (q: string) =>
        listedUsernames((await admin.get(`/admin/users/?q=${encodeURIComponent(q)}`)).html);
      expect(await search(prefix.toUpperCase())).toEqual([
        `${prefix}alpha`,
        `${prefix}beta`,
        `${prefix}gamma`,
      ]);
      expect(await search(`${prefix} MARGUERITE`)).toEqual([`${prefix}alpha`]);
      expect(await search(`quixote ${prefix}`)).toEqual([`${prefix}beta`]);
      expect(await search(`${prefix}BETA@EXAMPLE.COM`)).toEqual([`${prefix}beta`]);
      expect(await search(`${prefix} %`)).toEqual([]);
    });

    it("narrows by staff, superuser, active, verified, archived and group", async () => {
      const prefix = unique("flt");
      const [a, b, c] = [
        await addUser(`${prefix}a`),
        await addUser(`${prefix}b`),
        await addUser(`${prefix}c`),
      ];
      const group = await createGroup(
        app.deps,
        { user: root, permissions: new Set() } satisfies AdminViewer,
        { name: unique("team"), permissionIds: [] },
      );
      expect((await bulk("mark_verified", [a])).status).toBe(302);
      expect((await bulk("deactivate", [b])).status).toBe(302);
      expect(
        (await saveChangeForm(c, { is_staff: "on", archived: "on", groups: String(group.id) }))
          .status,
      ).toBe(302);
      const filtered = async (filter: string) =>
        listedUsernames((await admin.get(`/admin/users/?q=${prefix}&${filter}`)).html);
      expect(await filtered("is_staff=1")).toEqual([`${prefix}c`]);
      expect(await filtered("is_staff=0")).toEqual([`${prefix}a`, `${prefix}b`]);
      expect(await filtered("verified=1")).toEqual([`${prefix}a`]);
      expect(await filtered("verified=0")).toEqual([`${prefix}b`, `${prefix}c`]);
      expect(await filtered("is_active=0")).toEqual([`${prefix}b`]);
      expect(await filtered("archived=1")).toEqual([`${prefix}c`]);
      expect(await filtered(`group=${String(group.id)}`)).toEqual([`${prefix}c`]);
      expect(await filtered("is_superuser=1")).toEqual([]);
      expect(listedUsernames((await admin.get("/admin/users/?is_superuser=1")).html)).toEqual([
        root.username,
      ]);
      const page = await admin.get(`/admin/users/?q=${prefix}&is_staff=1`);
      expect(page.html).toContain("1 user ·");
      expect(page.html).toContain(`href="/admin/users/?q=${prefix}&amp;is_staff=0"`);
    });

    it("sorts by a column in both directions, keeping the search", async () => {
      const prefix = unique("sort");
      const names = [
        ["b", "Carla"],
        ["a", "Bruno"],
        ["c", "Anna"],
      ] as const;
      for (const [suffix, firstName] of names) {
        const id = await addUser(`${prefix}${suffix}`);
        await saveChangeForm(id, { first_name: firstName });
      }
      const sorted = async (order: string) =>
        listedUsernames((await admin.get(`/admin/users/?q=${prefix}&o=${order}`)).html);
      expect(await sorted("")).toEqual([`${prefix}a`, `${prefix}b`, `${prefix}c`]);
      expect(await sorted("-username")).toEqual([`${prefix}c`, `${prefix}b`, `${prefix}a`]);
      expect(await sorted("first_name")).toEqual([`${prefix}c`, `${prefix}a`, `${prefix}b`]);
      expect(await sorted("-first_name")).toEqual([`${prefix}b`, `${prefix}a`, `${prefix}c`]);
      expect(await sorted("email")).toEqual([`${prefix}a`, `${prefix}b`, `${prefix}c`]);
      expect(await sorted("-date_joined")).toHaveLength(3);
      expect(await sorted("password")).toEqual([`${prefix}a`, `${prefix}b`, `${prefix}c`]);
      const page = await admin.get(`/admin/users/?q=${prefix}&o=first_name`);
      expect(page.html).toContain(`href="/admin/users/?q=${prefix}&amp;o=-first_name"`);
    });

    it("shows 100 users a page with a link to the next", async () => {
      const prefix = unique("page");
      await admin.get("/admin/users/add/");
      for (let index = 0; index < 101; index += 1)
        await addUser(`${prefix}${String(index).padStart(3, "0")}`);
      const first = await admin.get(`/admin/users/?q=${prefix}`);
      expect(listedUsernames(first.html)).toHaveLength(100);
      expect(first.html).toContain("101 users · page 1 of 2");
      expect(first.html).toContain(`href="/admin/users/?q=${prefix}&amp;p=2" rel="next"`);
      const second = await admin.get(`/admin/users/?q=${prefix}&p=2`);
      expect(listedUsernames(second.html)).toEqual([`${prefix}100`]);
      expect(second.html).not.toContain('rel="next"');
    });

    it("answers odd input with a page, not an error: NUL in a search, ids out of range", async () => {
      expect(
        (await admin.get("/admin/users/?q=%00abc&p=999999999&group=123456789&o=-nothing")).status,
      ).toBe(200);
      expect((await admin.get("/admin/users/99999999999/change/")).status).toBe(404);
      expect((await admin.get("/admin/users/2147483647/history/")).status).toBe(404);
      const refused = await admin.post("/admin/users/action/", {
        action: "activate",
        _selected_action: ["99999999999", "x"],
      });
      expect(refused.status).toBe(302);
      const user = await aVerifiedUser(app);
      const page = await saveChangeForm(await idOf(user.username), {
        first_name: "a\u0000b",
        groups: "99999999999",
      });
      expect(page.status).toBe(200);
      expect(page.html).toContain("Null characters are not allowed.");
      expect(page.html).toContain("Select a valid choice.");
    });

    it("sends visitors who are not signed in to the login page", async () => {
      const visitor = new AdminClient(app.url.replace(/\/graphql$/, ""));
      const page = await visitor.get("/admin/users/");
      expect(page.status).toBe(302);
      expect(page.location).toBe(`/admin/login/?next=${encodeURIComponent("/admin/users/")}`);
    });
  });

  describe("add, change and set password", () => {
    it("adds a user who can log in through tokenAuth at once, with a status row", async () => {
      const username = unique("added");
      await admin.get("/admin/users/add/");
      const added = await admin.post("/admin/users/add/", {
        username,
        email: `${username}@Example.COM`,
        password1: STRONG_PASSWORD,
        password2: STRONG_PASSWORD,
      });
      expect(added.status).toBe(302);
      expect(added.location).toMatch(/^\/admin\/users\/\d+\/change\/$/);
      expect((await admin.get(added.location ?? "")).html).toContain(
        `The user “${username}” was added successfully.`,
      );
      const response = await app.gql(TOKEN_AUTH_USERNAME, { username, password: STRONG_PASSWORD });
      expect(response.body.data?.tokenAuth).toMatchObject({
        success: true,
        user: { username, email: `${username}@example.com`, verified: false, archived: false },
      });
    });

    it("refuses what registration refuses: taken names and addresses, weak or mismatched passwords", async () => {
      const taken = await aVerifiedUser(app);
      await admin.get("/admin/users/add/");
      const attempt = (fields: Fields) =>
        admin.post("/admin/users/add/", {
          username: unique("new"),
          email: `${unique("new")}@example.com`,
          password1: STRONG_PASSWORD,
          password2: STRONG_PASSWORD,
          ...fields,
        });
      expect((await attempt({ username: taken.username.toUpperCase() })).html).toContain(
        "A user with that username already exists.",
      );
      expect((await attempt({ email: taken.email.toUpperCase() })).html).toContain(
        "User with this Email already exists.",
      );
      expect((await attempt({ password2: "Other-Horse-42" })).html).toContain(
        "The two password fields didn’t match.",
      );
      const weak = await attempt({ password1: "12345678", password2: "12345678" });
      expect(weak.status).toBe(200);
      expect(weak.html).toContain("This password is too common.");
      expect(weak.html).toContain("This password is entirely numeric.");
    });

    it("changes fields and the status inline, visible through GraphQL me, without mail", async () => {
      const user = await aVerifiedUser(app);
      const id = await idOf(user.username);
      const mailsBefore = app.smtp.messages.length;
      const newEmail = `${unique("moved")}@example.com`;
      const saved = await saveChangeForm(id, {
        first_name: "Ada",
        email: newEmail,
        secondary_email: `${unique("second")}@example.com`,
        archived: "on",
      });
      expect(saved.status).toBe(302);
      expect(saved.location).toBe("/admin/users/");
      expect((await admin.get("/admin/users/")).html).toContain(
        `The user “${user.username}” was changed successfully.`,
      );
      const me = await app.gql(ME, {}, { token: user.token });
      expect(me.body.data?.me).toMatchObject({
        firstName: "Ada",
        email: newEmail,
        archived: true,
        isActive: true,
      });
      expect(app.smtp.messages.length).toBe(mailsBefore);
      const history = await admin.get(`/admin/users/${String(id)}/history/`);
      expect(history.html).toContain(
        `Changed first_name and email. Changed archived and secondary_email for user status “${user.username} - status”.`,
      );
    });

    it("shows field errors and keeps what was typed", async () => {
      const user = await aVerifiedUser(app);
      const other = await aVerifiedUser(app);
      const id = await idOf(user.username);
      const page = await saveChangeForm(id, {
        first_name: "Typed",
        email: other.email,
        username: "bad name!",
      });
      expect(page.status).toBe(200);
      expect(page.html).toContain("User with this Email already exists.");
      expect(page.html).toContain("Enter a valid username.");
      expect(page.html).toContain('value="Typed"');
    });

    it("shows the password as algorithm and masked parts, never the hash", async () => {
      const user = await aVerifiedUser(app);
      const stored = await findUserByUsername(app.deps.db, user.username);
      const [, , , , salt = "", hash = ""] = (stored?.passwordHash ?? "").split("$");
      const page = await admin.get(`/admin/users/${String(stored?.id)}/change/`);
      expect(page.html).toMatch(/<strong>algorithm<\/strong>: <bdi>argon2<\/bdi>/);
      expect(page.html).toContain(`<bdi>${salt.slice(0, 6)}${"*".repeat(salt.length - 6)}</bdi>`);
      expect(page.html).not.toContain(hash);
      expect(page.html).not.toContain(salt);
      expect(page.html).toContain(`href="/admin/users/${String(stored?.id)}/password/"`);
    });

    it("sets a new password: the old one stops working and sessions end", async () => {
      const user = await aVerifiedUser(app);
      const id = await idOf(user.username);
      await admin.get(`/admin/users/${String(id)}/password/`);
      const mismatch = await admin.post(`/admin/users/${String(id)}/password/`, {
        password1: "New-Horse-77",
        password2: "New-Horse-78",
      });
      expect(mismatch.html).toContain("The two password fields didn’t match.");
      const saved = await admin.post(`/admin/users/${String(id)}/password/`, {
        password1: "New-Horse-77",
        password2: "New-Horse-77",
      });
      expect(saved.status).toBe(302);
      expect(saved.location).toBe(`/admin/users/${String(id)}/change/`);
      expect((await tokenAuth(user.username, user.password)).success).toBe(false);
      expect((await tokenAuth(user.username, "New-Horse-77")).success).toBe(true);
      const refreshed = await app.gql(REFRESH_TOKEN, { refreshToken: user.refreshToken });
      expect(refreshed.body.data?.refreshToken).toMatchObject({ success: false });
      expect((await admin.get(`/admin/users/${String(id)}/history/`)).html).toContain(
        "Changed password.",
      );
    });
  });

  describe("bulk actions and deletion", () => {
    it("deactivates the selected users: tokenAuth fails and their access tokens stop working", async () => {
      const user = await aVerifiedUser(app);
      const done = await bulk("deactivate", [await idOf(user.username)], {
        _changelist_filters: `q=${user.username}`,
      });
      expect(done.status).toBe(302);
      expect(done.location).toBe(`/admin/users/?q=${user.username}`);
      expect((await admin.get(done.location ?? "")).html).toContain(
        "1 user was successfully deactivated.",
      );
      expect((await tokenAuth(user.username, user.password)).errors).toMatchObject({
        nonFieldErrors: [{ code: "invalid_credentials" }],
      });
      expect((await app.gql(ME, {}, { token: user.token })).body.data?.me).toBeNull();
      expect((await bulk("activate", [await idOf(user.username)])).status).toBe(302);
      expect((await tokenAuth(user.username, user.password)).success).toBe(true);
    });

    it("logs the selected users out everywhere: refreshToken answers invalid_token", async () => {
      const user = await aVerifiedUser(app);
      const session = await logIn(app, user);
      expect((await bulk("log_out_everywhere", [await idOf(user.username)])).status).toBe(302);
      for (const refreshToken of [user.refreshToken, session.refreshToken]) {
        const response = await app.gql(REFRESH_TOKEN, { refreshToken });
        expect(response.body.data?.refreshToken).toMatchObject({
          success: false,
          errors: { nonFieldErrors: [{ code: "invalid_token" }] },
        });
      }
      expect((await app.gql(ME, {}, { token: session.token })).body.data?.me).toBeNull();
    });

    it("asks what to do when nothing is selected or no action is chosen", async () => {
      await admin.get("/admin/users/");
      const none = await admin.post("/admin/users/action/", { action: "deactivate" });
      expect(none.status).toBe(302);
      expect((await admin.get("/admin/users/")).html).toContain(
        "Items must be selected in order to perform actions on them.",
      );
      expect((await bulk("", [root.id])).status).toBe(302);
      expect((await admin.get("/admin/users/")).html).toContain("No action selected.");
    });

    it("confirms a deletion listing the status row and refresh tokens, then deletes", async () => {
      const user: RegisteredUser = await aVerifiedUser(app);
      await logIn(app, user);
      await logIn(app, user);
      const id = await idOf(user.username);
      const confirm = await admin.get(`/admin/users/${String(id)}/delete/`);
      expect(confirm.status).toBe(200);
      expect(confirm.html).toContain(`User status: ${user.username} - status`);
      expect(confirm.html).toContain("Refresh tokens: 3");
      expect(confirm.html).toContain(`Refresh token: ${user.refreshToken.slice(0, 8)}`);
      const deleted = await admin.post(`/admin/users/${String(id)}/delete/`, {});
      expect(deleted.status).toBe(302);
      expect((await admin.get("/admin/users/")).html).toContain(
        `The user “${user.username}” was deleted successfully.`,
      );
      expect((await admin.get(`/admin/users/${String(id)}/change/`)).status).toBe(404);
      expect((await tokenAuth(user.username, user.password)).success).toBe(false);
      expect((await admin.get("/admin/")).html).toContain(user.username);
    });

    it("lets a superuser delete their own account, which ends their admin session", async () => {
      const username = unique("self");
      const self = await createSuperuser(app.deps, {
        username,
        email: `${username}@example.com`,
        password: STRONG_PASSWORD,
      });
      const client = newClient();
      await client.logIn(username, STRONG_PASSWORD);
      expect((await client.get(`/admin/users/${String(self.id)}/delete/`)).status).toBe(200);
      const deleted = await client.post(`/admin/users/${String(self.id)}/delete/`, {});
      expect(deleted.status).toBe(302);
      expect((await client.get("/admin/users/")).status).toBe(302);
      expect(await findUserByUsername(app.deps.db, username)).toBeUndefined();
      expect((await admin.get(`/admin/users/${String(self.id)}/history/`)).status).toBe(404);
    });

    it("deletes the selected users after a confirmation page", async () => {
      const [first, second] = [await aVerifiedUser(app), await aVerifiedUser(app)];
      const ids = [await idOf(first.username), await idOf(second.username)];
      const confirm = await bulk("delete_selected", ids);
      expect(confirm.status).toBe(200);
      expect(confirm.html).toContain("Are you sure you want to delete the selected users?");
      expect(confirm.html).toContain("Users: 2");
      expect(await findUserByUsername(app.deps.db, first.username)).toBeDefined();
      const done = await admin.post("/admin/users/action/", {
        action: "delete_selected",
        post: "yes",
        _selected_action: ids.map(String),
      });
      expect(done.status).toBe(302);
      expect((await admin.get("/admin/users/")).html).toContain("Successfully deleted 2 users.");
      expect(await findUserByUsername(app.deps.db, second.username)).toBeUndefined();
    });
  });

  describe("history and permissions", () => {
    it("lists every change of a user on its history page", async () => {
      const username = unique("hist");
      const id = await addUser(username);
      await saveChangeForm(id, { last_name: "Lovelace", verified: "on" });
      await admin.post(`/admin/users/${String(id)}/password/`, {
        password1: "New-Horse-77",
        password2: "New-Horse-77",
      });
      const history = await admin.get(`/admin/users/${String(id)}/history/`);
      expect(history.status).toBe(200);
      const messages = [
        "Changed password.",
        `Changed last_name. Changed verified for user status “${username} - status”.`,
        "Added.",
      ];
      const positions = messages.map((message) => history.html.indexOf(message));
      expect(positions.every((position) => position > 0)).toBe(true);
      expect([...positions].sort((x, y) => x - y)).toEqual(positions);
      expect(history.html).toContain(root.username);
    });

    it("lets staff with only view_user list and view, and refuses add, change and delete", async () => {
      const username = unique("viewer");
      const id = await addUser(username);
      const permission = permissionId(
        (await admin.get(`/admin/users/${String(id)}/change/`)).html,
        "Can view user",
      );
      expect(
        (await saveChangeForm(id, { is_staff: "on", user_permissions: permission })).status,
      ).toBe(302);
      const staff = newClient();
      await staff.logIn(username, STRONG_PASSWORD);
      const list = await staff.get(`/admin/users/?q=${root.username}`);
      expect(list.status).toBe(200);
      expect(list.html).toContain(root.username);
      expect(list.html).not.toContain('name="_selected_action"');
      expect(list.html).not.toContain("/admin/users/add/");
      const view = await staff.get(`/admin/users/${String(root.id)}/change/`);
      expect(view.status).toBe(200);
      expect(view.html).toContain("<fieldset disabled");
      const rootPath = `/admin/users/${String(root.id)}`;
      for (const path of ["/admin/users/add/", `${rootPath}/delete/`, `${rootPath}/password/`]) {
        const refused = await staff.get(path);
        expect(refused.status, path).toBe(403);
        expect(refused.html, path).toContain("You don&#39;t have permission to do that.");
      }
      expect(
        (
          await staff.post(`${rootPath}/change/`, {
            username: root.username,
            email: root.email,
            is_active: "on",
          })
        ).status,
      ).toBe(403);
      expect((await staff.post(`${rootPath}/delete/`, {})).status).toBe(403);
      expect(
        (
          await staff.post("/admin/users/action/", {
            action: "deactivate",
            _selected_action: String(root.id),
          })
        ).status,
      ).toBe(403);
      expect(
        (
          await staff.post("/admin/users/add/", {
            username: unique("x"),
            email: "x@example.com",
            password1: STRONG_PASSWORD,
            password2: STRONG_PASSWORD,
          })
        ).status,
      ).toBe(403);
      expect((await findUserByUsername(app.deps.db, root.username))?.isActive).toBe(true);
    });

    it("keeps staff who may change users from making anyone a superuser", async () => {
      const username = unique("editor");
      const id = await addUser(username);
      const page = (await admin.get(`/admin/users/${String(id)}/change/`)).html;
      const changeUser = permissionId(page, "Can change user");
      expect(
        (await saveChangeForm(id, { is_staff: "on", user_permissions: changeUser })).status,
      ).toBe(302);
      const staff = newClient();
      await staff.logIn(username, STRONG_PASSWORD);
      await staff.get(`/admin/users/${String(id)}/change/`);
      const attempt = await staff.post(`/admin/users/${String(id)}/change/`, {
        username,
        email: `${username}@example.com`,
        is_active: "on",
        is_staff: "on",
        is_superuser: "on",
        user_permissions: changeUser,
      });
      expect(attempt.status).toBe(200);
      expect(attempt.html).toContain("Only superusers can change superuser status.");
      expect((await findUserByUsername(app.deps.db, username))?.isSuperuser).toBe(false);
    });

    it("refuses a form post without the CSRF field", async () => {
      const user = await aVerifiedUser(app);
      const id = await idOf(user.username);
      const refused = await admin.post(
        "/admin/users/action/",
        { action: "deactivate", _selected_action: String(id) },
        { withCsrf: false },
      );
      expect(refused.status).toBe(403);
      expect(refused.html).toContain("CSRF verification failed.");
      expect(
        (await admin.post(`/admin/users/${String(id)}/delete/`, {}, { withCsrf: false })).status,
      ).toBe(403);
      expect((await tokenAuth(user.username, user.password)).success).toBe(true);
    });
  });
});
