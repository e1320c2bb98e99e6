// A small django-graphql-auth deployment as its database holds it (custom user model with its
// own fields, statuses, groups, permissions, refresh tokens, admin log, case-insensitive
// duplicates), with the passwords its users sign in with, for the import tests.
import {
  BCRYPT_SHA256_HASH,
  createDjangoSource,
  djangoArgon2,
  djangoMd5,
  djangoPbkdf2,
  djangoRefreshToken,
  djangoUnusablePassword,
  type DjangoSourceDb,
  type SourceKind,
} from "./django-source.js";

export const IMPORT_USER_FIELDS = JSON.stringify({
  phone_number: { type: "CharField", max_length: 20, blank: true, default: "" },
  date_of_birth: { type: "DateField", null: true, blank: true },
  is_representative: { type: "BooleanField", default: false },
  title: {
    type: "CharField",
    max_length: 3,
    blank: true,
    default: "",
    choices: [
      ["dr", "Doctor"],
      ["pr", "Prof."],
    ],
  },
  external_id: { type: "UUIDField", unique: true, null: true },
  preferences: { type: "JSONField", default: {} },
  balance: { type: "DecimalField", max_digits: 8, decimal_places: 2, default: "0.00" },
  logins: { type: "PositiveIntegerField", default: 0 },
});

const DAY_MS = 86_400_000;

export interface DjangoFixture {
  django: DjangoSourceDb;
  /** Django id of each user, by username. */
  ids: Record<string, number>;
  /** The password each user that can sign in signs in with. */
  passwords: Record<string, string>;
  tokens: { live: string; revoked: string; revokedAt: Date };
}

export async function aDjangoDeployment(kind: SourceKind): Promise<DjangoFixture> {
  const django = await createDjangoSource(kind, "custom");
  const now = Date.now();
  const ago = (days: number) => new Date(now - days * DAY_MS);
  const passwords: Record<string, string> = {
    alice: "alice-Django-pass-1",
    bob: "bob-Django-pass-2",
    carol: "carol-Django-pass-3",
    dave: "dave-Django-pass-4",
    ann: "ann-Django-pass-5",
    Zed: "zed-Django-pass-6",
    zed: "zed-Django-pass-7",
  };
  const ids: Record<string, number> = {};
  const add = async (user: Parameters<DjangoSourceDb["insertUser"]>[0]) => {
    ids[user.username] = await django.insertUser(user);
  };
  // Django 3.2's default iteration count for one user, cheap ones for the rest.
  await add({
    username: "alice",
    email: "alice@example.com",
    password: djangoPbkdf2(passwords.alice ?? "", { iterations: 260_000 }),
    firstName: "Alice",
    lastName: "Liddell",
    dateJoined: ago(400),
    lastLogin: ago(2),
  });
  const uuid = "6f1c2b7e4d5a4c3b9a8f7e6d5c4b3a21";
  await add({
    username: "bob",
    email: "bob@example.com",
    password: djangoPbkdf2(passwords.bob ?? ""),
    isStaff: true,
    dateJoined: ago(300),
    extra: {
      phone_number: "+33 6 12 34 56 78",
      date_of_birth: "1980-02-29",
      is_representative: true,
      title: "dr",
      external_id:
        kind === "sqlite"
          ? uuid
          : `${uuid.slice(0, 8)}-${uuid.slice(8, 12)}-${uuid.slice(12, 16)}-${uuid.slice(16, 20)}-${uuid.slice(20)}`,
      preferences:
        kind === "sqlite"
          ? '{"theme": "dark", "digest": [1, 2]}'
          : { theme: "dark", digest: [1, 2] },
      balance: kind === "sqlite" ? 12.5 : "12.50",
      logins: 7,
    },
  });
  await add({
    username: "carol",
    email: "carol@example.com",
    password: djangoPbkdf2(passwords.carol ?? "", { digest: "sha1", iterations: 500 }),
    dateJoined: ago(200),
  });
  await add({
    username: "dave",
    email: "dave@example.com",
    password: await djangoArgon2(passwords.dave ?? ""),
    dateJoined: ago(100),
  });
  await add({
    username: "erin",
    email: "erin@example.com",
    password: djangoUnusablePassword(),
    dateJoined: ago(90),
  });
  await add({ username: "frank", email: "frank@example.com", password: BCRYPT_SHA256_HASH });
  await add({ username: "gina", email: "gina@example.com", password: djangoMd5("gina-pass") });
  // Three accounts on one mailbox, as Django allowed: the oldest active one keeps the address.
  await add({
    username: "ann-old-inactive",
    email: "ANN@example.com",
    password: djangoPbkdf2("x"),
    isActive: false,
    dateJoined: ago(500),
  });
  await add({
    username: "ann",
    email: "Ann@Example.com",
    password: djangoPbkdf2(passwords.ann ?? ""),
    dateJoined: ago(250),
  });
  await add({
    username: "ann-new",
    email: "ann@example.com",
    password: djangoPbkdf2("y"),
    dateJoined: ago(10),
  });
  // Usernames that differ only by case.
  await add({
    username: "Zed",
    email: "zed1@example.com",
    password: djangoPbkdf2(passwords.Zed ?? ""),
    dateJoined: ago(60),
  });
  await add({
    username: "zed",
    email: "zed2@example.com",
    password: djangoPbkdf2(passwords.zed ?? ""),
    dateJoined: ago(30),
  });

  const status = (
    username: string,
    verified: boolean,
    archived: boolean,
    secondary: string | null,
  ) =>
    django.run(
      "insert into graphql_auth_userstatus (verified, archived, secondary_email, user_id) values (?, ?, ?, ?)",
      kind === "sqlite"
        ? [verified ? 1 : 0, archived ? 1 : 0, secondary, ids[username]]
        : [verified, archived, secondary, ids[username]],
    );
  await status("alice", true, false, null);
  await status("bob", true, false, "bob.alt@example.com");
  // A secondary address that is another user's primary one: the primary keeps it.
  await status("carol", true, true, "ann@example.com");
  await status("dave", false, false, "");
  await status("ann", true, false, null);

  await django.run("insert into auth_group (name) values (?)", ["Editors"]);
  const [editors] = await django.query<{ id: number }>("select id from auth_group where name = ?", [
    "Editors",
  ]);
  for (const [app, codename] of [
    ["accounts", "change_user"],
    ["graphql_auth", "view_userstatus"],
    ["blog", "add_post"],
  ] as const)
    await django.run("insert into auth_group_permissions (group_id, permission_id) values (?, ?)", [
      editors?.id,
      await django.permissionId(app, codename),
    ]);
  await django.run("insert into accounts_user_groups (user_id, group_id) values (?, ?)", [
    ids.bob,
    editors?.id,
  ]);
  for (const [app, codename] of [
    ["accounts", "view_user"],
    ["blog", "add_post"],
  ] as const)
    await django.run(
      "insert into accounts_user_user_permissions (user_id, permission_id) values (?, ?)",
      [ids.bob, await django.permissionId(app, codename)],
    );

  const live = djangoRefreshToken();
  const revoked = djangoRefreshToken();
  const revokedAt = new Date(now - 3_600_000);
  const date = (value: Date | null) =>
    value === null || kind === "postgres" ? value : sqliteText(value);
  for (const [token, created, revokedTime] of [
    [live, new Date(now - DAY_MS), null],
    [revoked, new Date(now - 2 * DAY_MS), revokedAt],
  ] as const)
    await django.run(
      "insert into refresh_token_refreshtoken (token, created, revoked, user_id) values (?, ?, ?, ?)",
      [token, date(created), date(revokedTime), ids.alice],
    );

  const userType = await django.contentTypeId("accounts", "user");
  const postType = await django.contentTypeId("blog", "post");
  for (const [objectId, type, repr, message] of [
    [ids.alice, userType, "alice", '[{"changed": {"fields": ["Email address", "Active"]}}]'],
    [ids.alice, userType, "alice", '[{"added": {}}]'],
    [42, postType, "A post", '[{"added": {}}]'],
  ] as const)
    await django.run(
      "insert into django_admin_log (action_time, object_id, object_repr, action_flag, change_message, content_type_id, user_id) values (?, ?, ?, ?, ?, ?, ?)",
      [date(new Date(now - 5 * DAY_MS)), String(objectId), repr, 2, message, type, ids.bob],
    );
  return { django, ids, passwords, tokens: { live, revoked, revokedAt } };
}

function sqliteText(date: Date): string {
  const iso = date.toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}000`;
}
