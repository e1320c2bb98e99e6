// gatehouse import-django (issue 14) from a Django database as Django and its libraries write it,
// into each database, from a SQLite file and from a PostgreSQL schema: users sign in with their
// Django passwords, tokens and links minted by Django keep working once, duplicates are reported
// and never merged, and a second run imports only what changed.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  importFromDjango,
  type ImportOptions,
} from "../../../src/accounts/import/import-django.js";
import { signActionToken } from "../../../src/accounts/tokens/action-tokens.js";
import {
  aDjangoDeployment,
  IMPORT_USER_FIELDS,
  type DjangoFixture,
} from "../../support/django-fixture.js";
import { djangoPbkdf2, type SourceKind } from "../../support/django-source.js";
import { REFRESH_TOKEN, TOKEN_AUTH_USERNAME, VERIFY_ACCOUNT } from "../../support/operations.js";
import { startTestApp, testDatabases, type TestApp } from "../../support/test-app.js";

const SOURCES: SourceKind[] = ["sqlite", "postgres"];
const COMBINATIONS = testDatabases().flatMap((target) =>
  SOURCES.filter((source) => testDatabases().includes(source)).map((source) => ({
    source,
    target,
  })),
);

describe.each(COMBINATIONS)("import-django from $source into $target", ({ source, target }) => {
  let app: TestApp;
  let fixture: DjangoFixture;
  const options = (overrides: Partial<ImportOptions> = {}): ImportOptions => ({
    from: fixture.django.url,
    userModel: "accounts.User",
    skipColumns: ["company_id"],
    unusableUnknownHashes: false,
    isDryRun: false,
    batchSize: 4,
    restart: false,
    ...overrides,
  });
  const run = (overrides: Partial<ImportOptions> = {}) =>
    importFromDjango(app.deps, options(overrides));
  const ourUser = (username: string) =>
    app.deps.db
      .selectFrom("users")
      .selectAll()
      .where("username", "=", username)
      .executeTakeFirstOrThrow();
  const ourId = async (username: string) => (await ourUser(username)).id;
  const signIn = async (username: string, password: string) => {
    const response = await app.gql(TOKEN_AUTH_USERNAME, { username, password });
    return response.body.data?.tokenAuth as {
      success: boolean;
      token: string;
      refreshToken: string;
    };
  };
  const countRows = async (
    table: "users" | "refresh_tokens" | "django_import_map" | "django_import_state",
  ) => {
    const row = await app.deps.db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll<number | string>().as("count"))
      .executeTakeFirstOrThrow();
    return Number(row.count);
  };

  beforeAll(async () => {
    app = await startTestApp(target, { USER_FIELDS: IMPORT_USER_FIELDS, COMPAT_MODE: "true" });
    fixture = await aDjangoDeployment(source);
  });
  afterAll(async () => {
    await app.close();
    await fixture.django.drop();
  });

  it("asks which user model to import when the database has two, naming both", async () => {
    await expect(run({ userModel: undefined })).rejects.toThrow(
      /several user models: .*accounts\.user \(table accounts_user, 12 rows\).*auth\.user/,
    );
  });

  it("names a column of the user table that USER_FIELDS does not declare", async () => {
    await expect(run({ skipColumns: [] })).rejects.toThrow(
      /column company_id \(bigint, a key to accounts_company\) has no field in USER_FIELDS/,
    );
  });

  it("writes nothing on a dry run, and says what it would import", async () => {
    const report = await run({ isDryRun: true });
    expect(report.dryRun).toBe(true);
    expect(report.tables.users).toMatchObject({ inserted: 10, skipped: 2 });
    expect(report.tables.refresh_tokens.inserted).toBe(2);
    expect(report.tables.admin_log.inserted).toBe(2);
    expect(await countRows("users")).toBe(0);
    expect(await countRows("django_import_map")).toBe(0);
    expect(await countRows("django_import_state")).toBe(0);
  });

  it("imports users, reports what it left out, and every user signs in with the Django password", async () => {
    const report = await run();
    expect(report.tables.users).toEqual({ inserted: 10, updated: 0, unchanged: 0, skipped: 2 });
    expect(report.tables.groups.inserted).toBe(1);
    expect(report.skips.map((skip) => [skip.table, skip.djangoIds])).toEqual([
      ["users", [fixture.ids.frank]],
      ["users", [fixture.ids.gina]],
    ]);
    expect(report.skips[0]?.reason).toContain("bcrypt_sha256");
    expect(report.skips[1]?.reason).toContain("md5");
    for (const [username, password] of Object.entries(fixture.passwords)) {
      const name = username === "zed" ? `zed+dup${String(fixture.ids.zed)}` : username;
      expect((await signIn(name, password)).success, name).toBe(true);
      // Rehashed to argon2id on the first sign-in, as any Django hash is.
      expect((await ourUser(name)).password).toMatch(/^argon2\$argon2id\$/);
    }
    expect((await signIn("erin", "")).success).toBe(false);
  });

  it("carries the declared fields, the status rows and AbstractUser's columns over", async () => {
    const bob = (await ourUser("bob")) as Record<string, unknown>;
    expect(bob).toMatchObject({ phone_number: "+33 6 12 34 56 78", title: "dr", logins: 7 });
    expect(Boolean(bob.is_representative)).toBe(true);
    expect(Boolean(bob.is_staff)).toBe(true);
    expect(String(bob.date_of_birth)).toBe("1980-02-29");
    expect(String(bob.balance)).toBe("12.50");
    expect(String(bob.external_id)).toBe("6f1c2b7e-4d5a-4c3b-9a8f-7e6d5c4b3a21");
    const preferences =
      typeof bob.preferences === "string"
        ? (JSON.parse(bob.preferences) as unknown)
        : bob.preferences;
    expect(preferences).toEqual({ theme: "dark", digest: [1, 2] });
    const alice = await ourUser("alice");
    expect(alice).toMatchObject({ first_name: "Alice", last_name: "Liddell" });
    const statuses = await app.deps.db
      .selectFrom("user_status")
      .innerJoin("users", "users.id", "user_status.user_id")
      .select(["users.username", "verified", "archived", "secondary_email"])
      .where("users.username", "in", ["bob", "carol", "dave", "gina"])
      .orderBy("users.username")
      .execute();
    expect(
      statuses.map((s) => [
        s.username,
        Boolean(s.verified),
        Boolean(s.archived),
        s.secondary_email,
      ]),
    ).toEqual([
      ["bob", true, false, "bob.alt@example.com"],
      // carol's secondary address is ann-new's primary one: dropped, and listed.
      ["carol", true, false, null],
      ["dave", false, false, null],
    ]);
  });

  it("keeps mixed-case duplicates apart: the oldest active account keeps the address, the rest are listed", async () => {
    expect((await ourUser("ann")).email).toBe("Ann@Example.com");
    expect((await ourUser("ann-new")).email).toBe("");
    expect((await ourUser("ann-old-inactive")).email).toBe("");
    expect((await ourUser(`zed+dup${String(fixture.ids.zed)}`)).email).toBe("zed2@example.com");
    const report = await run({ isDryRun: true });
    expect(report.duplicates).toEqual([]);
  });

  it("maps groups and permissions by app label and codename, and reports the unknown ones", async () => {
    const bobId = await ourId("bob");
    const names = await app.deps.db
      .selectFrom("user_permissions")
      .innerJoin("permissions", "permissions.id", "user_permissions.permission_id")
      .select(["permissions.content_type", "permissions.codename"])
      .where("user_id", "=", bobId)
      .execute();
    expect(names).toEqual([{ content_type: "accounts.user", codename: "view_user" }]);
    const groupPermissions = await app.deps.db
      .selectFrom("user_groups")
      .innerJoin("groups", "groups.id", "user_groups.group_id")
      .innerJoin("group_permissions", "group_permissions.group_id", "groups.id")
      .innerJoin("permissions", "permissions.id", "group_permissions.permission_id")
      .select(["groups.name", "permissions.content_type", "permissions.codename"])
      .where("user_groups.user_id", "=", bobId)
      .orderBy("permissions.codename")
      .execute();
    expect(groupPermissions).toEqual([
      { name: "Editors", content_type: "accounts.user", codename: "change_user" },
      { name: "Editors", content_type: "accounts.userstatus", codename: "view_userstatus" },
    ]);
  });

  it("refreshes a Django refresh token once, then rotates; a revoked one stays revoked", async () => {
    const prefixes = [fixture.tokens.revoked.slice(0, 8), fixture.tokens.live.slice(0, 8)];
    const stored = await app.deps.db
      .selectFrom("refresh_tokens")
      .select(["token_prefix", "token_digest", "revoked"])
      .where("user_id", "=", await ourId("alice"))
      .where("token_prefix", "in", prefixes)
      .orderBy("created")
      .execute();
    expect(stored.map((t) => t.token_prefix)).toEqual(prefixes);
    expect(stored.some((t) => t.token_digest.includes(fixture.tokens.live))).toBe(false);
    expect(new Date(stored[0]?.revoked ?? 0).getTime()).toBe(fixture.tokens.revokedAt.getTime());

    const first = await app.gql(REFRESH_TOKEN, { refreshToken: fixture.tokens.live });
    const rotated = first.body.data?.refreshToken as { success: boolean; refreshToken: string };
    expect(rotated.success).toBe(true);
    const next = await app.gql(REFRESH_TOKEN, { refreshToken: rotated.refreshToken });
    expect((next.body.data?.refreshToken as { success: boolean }).success).toBe(true);
    const again = await app.gql(REFRESH_TOKEN, { refreshToken: fixture.tokens.live });
    expect((again.body.data?.refreshToken as { success: boolean }).success).toBe(false);
    const revoked = await app.gql(REFRESH_TOKEN, { refreshToken: fixture.tokens.revoked });
    expect((revoked.body.data?.refreshToken as { success: boolean }).success).toBe(false);
  });

  it("brings the admin log's entries about the users as their history, in words", async () => {
    const entries = await app.deps.db
      .selectFrom("admin_log")
      .select(["object_id", "user_id", "content_type", "change_message"])
      .orderBy("id")
      .execute();
    const alice = String(await ourId("alice"));
    expect(entries).toEqual([
      {
        object_id: alice,
        user_id: await ourId("bob"),
        content_type: "accounts.user",
        change_message: "Changed Email address and Active.",
      },
      {
        object_id: alice,
        user_id: await ourId("bob"),
        content_type: "accounts.user",
        change_message: "Added.",
      },
    ]);
  });

  it("accepts an activation link Django mailed before the move, once (COMPAT_MODE, same SECRET_KEY)", async () => {
    const token = signActionToken(
      app.config.secretKey,
      { username: "dave", action: "activation" },
      new Date(Date.now() - 60_000),
    );
    const first = await app.gql(VERIFY_ACCOUNT, { token });
    expect(first.body.data?.verifyAccount).toEqual({ success: true, errors: null });
    const second = await app.gql(VERIFY_ACCOUNT, { token });
    expect((second.body.data?.verifyAccount as { success: boolean }).success).toBe(false);
  });

  it("changes nothing when run again on an unchanged Django database", async () => {
    const users = await countRows("users");
    const tokens = await countRows("refresh_tokens");
    const report = await run();
    for (const [table, counts] of Object.entries(report.tables))
      expect([table, counts.inserted, counts.updated], table).toEqual([table, 0, 0]);
    expect(report.tables.users.unchanged).toBe(10);
    expect(await countRows("users")).toBe(users);
    expect(await countRows("refresh_tokens")).toBe(tokens);
  });

  it("brings a password changed in Django with the next run, and only that", async () => {
    await app.deps.db
      .updateTable("users")
      .set({ first_name: "Robert" })
      .where("username", "=", "bob")
      .execute();
    await fixture.django.run(
      `update ${fixture.django.userTable} set password = ? where username = ?`,
      [djangoPbkdf2("bob-new-Django-pass"), "bob"],
    );
    const report = await run();
    expect(report.tables.users).toMatchObject({ inserted: 0, updated: 1, unchanged: 9 });
    expect((await signIn("bob", "bob-new-Django-pass")).success).toBe(true);
    expect((await signIn("bob", fixture.passwords.bob ?? "")).success).toBe(false);
    // The change made here since the first run stays: Django's first_name did not change.
    expect((await ourUser("bob")).first_name).toBe("Robert");
  });

  it("imports users whose hasher it cannot check with an unusable password when asked", async () => {
    const report = await run({ unusableUnknownHashes: true });
    expect(report.tables.users.inserted).toBe(2);
    expect(report.unusableHashes).toEqual({ bcrypt_sha256: 1, md5: 1 });
    expect((await ourUser("frank")).password).toMatch(/^!/);
  });
});
