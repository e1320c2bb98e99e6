// Usernames confusable with another user's (issue 12, item 7): Cyrillic or Greek letters and
// combining marks that draw the same name are refused wherever a name is chosen (register,
// updateAccount, createsuperuser, the admin's forms); ASCII names keep Django's rules.
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AccountsError } from "../../../src/accounts/errors.js";
import { createSuperuser } from "../../../src/accounts/users.js";
import { usernameSkeleton } from "../../../src/accounts/validation.js";
import { openDatabase } from "../../../src/db/database.js";
import { migrateToLatest } from "../../../src/db/migrate.js";
import * as addUsernameSkeleton from "../../../src/db/migrations/202612061010_add-username-skeleton.js";
import { AdminClient, userChangeForm } from "../../support/admin-client.js";
import { userIdOf } from "../../support/answers.js";
import { aVerifiedUser, STRONG_PASSWORD } from "../../support/builders.js";
import { REGISTER } from "../../support/operations.js";
import {
  freshDatabaseUrl,
  startTestApp,
  testDatabases,
  unique,
  type TestApp,
} from "../../support/test-app.js";

const USERNAME_SIMILAR = {
  message: "A user with a similar username already exists.",
  code: "similar_username",
};
const UPDATE_USERNAME = `mutation ($username: String) {
  updateAccount(username: $username) { success errors }
}`;

/** Latin "a", "o", "c" and "i" as other scripts draw them. */
const CYRILLIC_A = "\u0430";
const CYRILLIC_O = "\u043e";
const CYRILLIC_ES = "\u0441";
const GREEK_OMICRON = "\u03bf";
const DOTLESS_I = "\u0131";
const COMBINING_ACUTE = "\u0301";

describe.each(testDatabases())("look-alike usernames on %s", (database) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(database, { UPDATE_MUTATION_FIELDS: "first_name,username" });
  });
  afterAll(async () => {
    await app.close();
  });

  async function register(username: string) {
    const response = await app.gql(REGISTER, {
      username,
      email: `${unique("e")}@example.com`,
      password1: STRONG_PASSWORD,
      password2: STRONG_PASSWORD,
    });
    return response.body.data?.register as { success: boolean; errors: unknown };
  }

  it("refuses аlice, roоt and a name spelled with combining marks beside alice, root and ramón", async () => {
    for (const name of ["alice", "root", "ramón"]) {
      expect(await register(name)).toMatchObject({ success: true, errors: null });
    }
    for (const lookAlike of [
      `${CYRILLIC_A}lice`,
      `${CYRILLIC_A.toUpperCase()}LICE`,
      `al${DOTLESS_I}ce`,
      `ro${CYRILLIC_O}t`,
      `r${GREEK_OMICRON}${GREEK_OMICRON}t`,
      `ram${GREEK_OMICRON}${COMBINING_ACUTE}n`,
    ]) {
      expect(await register(lookAlike), lookAlike).toMatchObject({
        success: false,
        errors: { username: [USERNAME_SIMILAR] },
      });
    }
  });

  it("still registers unrelated names and ASCII pairs that only a font confuses", async () => {
    const stem = unique("zed");
    for (const name of [
      `${stem}tom`,
      `${stem}torn`,
      `${stem}user1`,
      `${stem}userl`,
      `${stem}jose`,
      `${stem}josé`,
      `${stem}${CYRILLIC_A}${CYRILLIC_O}`,
    ]) {
      expect(await register(name), name).toMatchObject({ success: true, errors: null });
    }
  });

  it("refuses a rename to a look-alike of another user, not to a case variant of one's own name", async () => {
    const other = await aVerifiedUser(app, { username: unique("carol") });
    const user = await aVerifiedUser(app);
    const rename = async (username: string) => {
      const response = await app.gql(UPDATE_USERNAME, { username }, { token: user.token });
      return response.body.data?.updateAccount as { success: boolean; errors: unknown };
    };
    for (const lookAlike of [
      `${CYRILLIC_ES}${other.username.slice(1)}`,
      `c${CYRILLIC_A}${other.username.slice(2)}`,
    ]) {
      expect(await rename(lookAlike), lookAlike).toEqual({
        success: false,
        errors: { username: [USERNAME_SIMILAR] },
      });
    }
    expect(await rename(user.username.toUpperCase())).toEqual({ success: true, errors: null });
  });

  it("refuses a look-alike in createsuperuser", async () => {
    const existing = await aVerifiedUser(app, { username: unique("dora") });
    const lookAlike = `d${CYRILLIC_O}${existing.username.slice(2)}`;
    const created = createSuperuser(app.deps, {
      username: lookAlike,
      email: `${unique("su")}@example.com`,
      password: STRONG_PASSWORD,
    });
    await expect(created).rejects.toBeInstanceOf(AccountsError);
    await expect(created).rejects.toMatchObject({ errors: { username: [USERNAME_SIMILAR] } });
  });

  describe("in the admin", () => {
    let admin: AdminClient;
    beforeAll(async () => {
      const username = unique("admin");
      await createSuperuser(app.deps, {
        username,
        email: `${username}@example.com`,
        password: STRONG_PASSWORD,
      });
      admin = new AdminClient(app.url.replace(/\/graphql$/, ""));
      await admin.logIn(username, STRONG_PASSWORD);
    });

    it("shows the error on the add form", async () => {
      const existing = await aVerifiedUser(app, { username: unique("root") });
      await admin.get("/admin/users/add/");
      const page = await admin.post("/admin/users/add/", {
        username: `r${CYRILLIC_O}${existing.username.slice(2)}`,
        email: `${unique("added")}@example.com`,
        password1: STRONG_PASSWORD,
        password2: STRONG_PASSWORD,
      });
      expect(page.status).toBe(200);
      expect(page.html).toContain(USERNAME_SIMILAR.message);
    });

    it("shows the error on the change form, and keeps a user's own respelling", async () => {
      const existing = await aVerifiedUser(app, { username: unique("olga") });
      const user = await aVerifiedUser(app);
      const path = `/admin/users/${String(await userIdOf(app, user.username))}/change/`;
      const save = async (username: string) => {
        const form = userChangeForm((await admin.get(path)).html);
        return admin.post(path, { ...form, username });
      };
      const refused = await save(`${GREEK_OMICRON}${existing.username.slice(1)}`);
      expect(refused.status).toBe(200);
      expect(refused.html).toContain(USERNAME_SIMILAR.message);
      expect((await save(user.username.toUpperCase())).status).toBe(302);
    });
  });
});

describe.each(testDatabases())("the username_skeleton migration on %s", (database) => {
  it("fills in the skeleton of every existing user, batch after batch", async () => {
    const { url, drop } = await freshDatabaseUrl(database);
    const handle = openDatabase({ url, kind: database, poolSize: 2 });
    try {
      await migrateToLatest(handle.db);
      await addUsernameSkeleton.down(handle.db);
      const names = Array.from({ length: 520 }, (_, index) => `old${String(index)}`);
      names.push(`${CYRILLIC_A}lice`, "ROOT", `ram${GREEK_OMICRON}${COMBINING_ACUTE}n`);
      const rows = names.map(
        (name) =>
          sql`(${"!"}, ${name}, ${name.toLowerCase()}, ${""}, ${null}, ${"2026-01-01T00:00:00.000Z"})`,
      );
      await sql`insert into users (password, username, username_key, email, email_key, date_joined)
        values ${sql.join(rows)}`.execute(handle.db);

      await addUsernameSkeleton.up(handle.db);

      const stored = await handle.db
        .selectFrom("users")
        .select(["username", "username_skeleton"])
        .execute();
      expect(stored).toHaveLength(names.length);
      for (const row of stored) expect(row.username_skeleton).toBe(usernameSkeleton(row.username));
      expect(stored.find((row) => row.username === `${CYRILLIC_A}lice`)?.username_skeleton).toBe(
        "alice",
      );
    } finally {
      await handle.close();
      await drop();
    }
  });
});
