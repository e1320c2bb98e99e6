// Django-shaped source databases for the import tests and the import bench: the tables, columns
// and value formats Django 3.2 / 4.2, django-graphql-auth 0.3.16 and django-graphql-jwt 0.3.x
// create and write (`manage.py sqlmigrate` output), on SQLite (a file) or PostgreSQL (a schema of
// its own). Password hashes are made with the real algorithms in Django's encodings.
import { createHash, pbkdf2Sync, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { hash as argon2Hash } from "@node-rs/argon2";
import SQLite from "better-sqlite3";
import pg from "pg";
import { DEFAULT_TEST_POSTGRES_URL } from "./global-setup.js";

export type SourceKind = "sqlite" | "postgres";

/** `accounts.user`: a custom AbstractUser subclass with its own fields; `auth.user`: Django's. */
export type UserModelKind = "auth" | "custom";

export interface DjangoUser {
  id?: number;
  username: string;
  email: string;
  password: string;
  firstName?: string;
  lastName?: string;
  isStaff?: boolean;
  isSuperuser?: boolean;
  isActive?: boolean;
  dateJoined?: Date;
  lastLogin?: Date | null;
  /** Columns of the custom model (accounts_user), by name, as Python values would be. */
  extra?: Record<string, unknown>;
}

export interface DjangoSourceDb {
  kind: SourceKind;
  url: string;
  userTable: string;
  /** Runs SQL with `?` placeholders (translated to $n on PostgreSQL). */
  run(text: string, params?: unknown[]): Promise<void>;
  query<T>(text: string, params?: unknown[]): Promise<T[]>;
  insertUser(user: DjangoUser): Promise<number>;
  contentTypeId(appLabel: string, model: string): Promise<number>;
  permissionId(appLabel: string, codename: string): Promise<number>;
  /**
   * Adds `count` users named `<prefix><n>` in bulk (one statement each table), all with
   * `passwordHash`, a verified status row each, a live refresh token every `tokenEvery` users
   * and a membership of one group every `groupEvery` users.
   */
  addUsersInBulk(options: {
    count: number;
    passwordHash: string;
    prefix?: string;
    tokenEvery?: number;
    groupEvery?: number;
  }): Promise<void>;
  close(): Promise<void>;
  drop(): Promise<void>;
}

/** Django's PBKDF2PasswordHasher encoding: `pbkdf2_sha256$<iterations>$<salt>$<base64>`. */
export function djangoPbkdf2(
  password: string,
  options: { iterations?: number; digest?: "sha256" | "sha1"; salt?: string } = {},
): string {
  const iterations = options.iterations ?? 1000;
  const digest = options.digest ?? "sha256";
  const salt = options.salt ?? randomBytes(16).toString("base64url").slice(0, 22);
  const derived = pbkdf2Sync(password, salt, iterations, digest === "sha256" ? 32 : 20, digest);
  return `pbkdf2_${digest}$${String(iterations)}$${salt}$${derived.toString("base64")}`;
}

/** Django's Argon2PasswordHasher encoding (argon2id, low cost for tests). */
export async function djangoArgon2(password: string): Promise<string> {
  const phc = await argon2Hash(password, {
    // 2 is Argon2id in @node-rs/argon2's enum, which verbatimModuleSyntax cannot read as a value.
    // eslint-disable-next-line @typescript-eslint/no-unsafe-enum-assignment -- the enum is type-only here
    algorithm: 2,
    memoryCost: 1024,
    timeCost: 1,
    parallelism: 1,
  });
  return `argon2${phc}`;
}

/** Django's MD5PasswordHasher (salted): a hasher Gatehouse does not verify. */
export function djangoMd5(password: string): string {
  const salt = "seasalt";
  return `md5$${salt}$${createHash("md5")
    .update(salt + password)
    .digest("hex")}`;
}

/** A bcrypt_sha256 hash's shape (Gatehouse cannot check it, so the digits do not matter). */
export const BCRYPT_SHA256_HASH =
  "bcrypt_sha256$$2b$12$0123456789abcdefghijkuOv3GxB3J7y8Dbh0L9cJb2iW8mVqRUCa";

/** Django's make_password(None): `!` and 40 random characters. */
export function djangoUnusablePassword(): string {
  return `!${randomBytes(30).toString("base64url").slice(0, 40)}`;
}

/** A django-graphql-jwt refresh token: 20 random bytes in hex. */
export function djangoRefreshToken(): string {
  return randomBytes(20).toString("hex");
}

/** How Django writes a datetime to SQLite (naive UTC, microseconds when not zero). */
export function sqliteDateTime(date: Date): string {
  const iso = date.toISOString();
  const micros = iso.slice(20, 23) === "000" ? "" : `.${iso.slice(20, 23)}000`;
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}${micros}`;
}

const CONTENT_TYPES: [string, string][] = [
  ["admin", "logentry"],
  ["auth", "permission"],
  ["auth", "group"],
  ["contenttypes", "contenttype"],
  ["sessions", "session"],
  ["graphql_auth", "userstatus"],
  ["refresh_token", "refreshtoken"],
  ["blog", "post"],
];

function ddl(kind: SourceKind, model: UserModelKind): string[] {
  const sqlite = kind === "sqlite";
  const id = sqlite
    ? `"id" integer NOT NULL PRIMARY KEY AUTOINCREMENT`
    : `"id" serial NOT NULL PRIMARY KEY`;
  // Django 4.1+ on PostgreSQL: identity columns; BigAutoField for a 3.2+ project's own models.
  const bigId = sqlite
    ? `"id" integer NOT NULL PRIMARY KEY AUTOINCREMENT`
    : `"id" bigint NOT NULL PRIMARY KEY GENERATED BY DEFAULT AS IDENTITY`;
  const ts = sqlite ? "datetime" : "timestamp with time zone";
  const bool = sqlite ? "bool" : "boolean";
  const fk = (table: string) => `REFERENCES "${table}" ("id") DEFERRABLE INITIALLY DEFERRED`;
  const userColumns = `"password" varchar(128) NOT NULL, "last_login" ${ts} NULL, "is_superuser" ${bool} NOT NULL, "username" varchar(150) NOT NULL UNIQUE, "first_name" varchar(150) NOT NULL, "last_name" varchar(150) NOT NULL, "email" varchar(254) NOT NULL, "is_staff" ${bool} NOT NULL, "is_active" ${bool} NOT NULL, "date_joined" ${ts} NOT NULL`;
  const users = model === "custom" ? "accounts_user" : "auth_user";
  const statements = [
    `CREATE TABLE "django_content_type" (${id}, "app_label" varchar(100) NOT NULL, "model" varchar(100) NOT NULL)`,
    `CREATE UNIQUE INDEX "django_content_type_app_label_model_76bd3d3b_uniq" ON "django_content_type" ("app_label", "model")`,
    `CREATE TABLE "auth_permission" (${id}, "content_type_id" integer NOT NULL ${fk("django_content_type")}, "codename" varchar(100) NOT NULL, "name" varchar(255) NOT NULL)`,
    `CREATE UNIQUE INDEX "auth_permission_content_type_id_codename_01ab375a_uniq" ON "auth_permission" ("content_type_id", "codename")`,
    `CREATE TABLE "auth_group" (${id}, "name" varchar(150) NOT NULL UNIQUE)`,
    `CREATE TABLE "auth_group_permissions" (${sqlite ? id : `"id" bigint NOT NULL PRIMARY KEY GENERATED BY DEFAULT AS IDENTITY`}, "group_id" integer NOT NULL ${fk("auth_group")}, "permission_id" integer NOT NULL ${fk("auth_permission")})`,
    `CREATE UNIQUE INDEX "auth_group_permissions_group_id_permission_id_0cd325b0_uniq" ON "auth_group_permissions" ("group_id", "permission_id")`,
    // Django's auth_user exists in both: a project that moved to its own model keeps the old table.
    `CREATE TABLE "auth_user" (${id}, ${userColumns})`,
    `CREATE TABLE "auth_user_groups" (${id}, "user_id" integer NOT NULL ${fk("auth_user")}, "group_id" integer NOT NULL ${fk("auth_group")})`,
    `CREATE UNIQUE INDEX "auth_user_groups_user_id_group_id_94350c0c_uniq" ON "auth_user_groups" ("user_id", "group_id")`,
    `CREATE TABLE "auth_user_user_permissions" (${id}, "user_id" integer NOT NULL ${fk("auth_user")}, "permission_id" integer NOT NULL ${fk("auth_permission")})`,
    `CREATE UNIQUE INDEX "auth_user_user_permissions_user_id_permission_id_14a6b632_uniq" ON "auth_user_user_permissions" ("user_id", "permission_id")`,
  ];
  if (model === "custom") {
    statements.push(
      `CREATE TABLE "accounts_company" (${bigId}, "name" varchar(100) NOT NULL)`,
      `CREATE TABLE "accounts_user" (${bigId}, ${userColumns}, "phone_number" varchar(20) NOT NULL, "date_of_birth" date NULL, "is_representative" ${bool} NOT NULL, "title" varchar(3) NOT NULL, "external_id" ${sqlite ? "char(32)" : "uuid"} NOT NULL UNIQUE, "preferences" ${sqlite ? `text NOT NULL CHECK ((JSON_VALID("preferences") OR "preferences" IS NULL))` : "jsonb NOT NULL"}, "balance" ${sqlite ? "decimal" : "numeric(8, 2)"} NOT NULL, "logins" integer${sqlite ? " unsigned" : ""} NOT NULL CHECK ("logins" >= 0), "company_id" bigint NULL ${fk("accounts_company")})`,
      `CREATE INDEX "accounts_user_company_id_7a5a3f0e" ON "accounts_user" ("company_id")`,
      `CREATE TABLE "accounts_user_groups" (${bigId}, "user_id" bigint NOT NULL ${fk("accounts_user")}, "group_id" integer NOT NULL ${fk("auth_group")})`,
      `CREATE TABLE "accounts_user_user_permissions" (${bigId}, "user_id" bigint NOT NULL ${fk("accounts_user")}, "permission_id" integer NOT NULL ${fk("auth_permission")})`,
    );
  }
  statements.push(
    `CREATE TABLE "django_admin_log" (${id}, "action_time" ${ts} NOT NULL, "object_id" text NULL, "object_repr" varchar(200) NOT NULL, "action_flag" smallint${sqlite ? " unsigned" : ""} NOT NULL CHECK ("action_flag" >= 0), "change_message" text NOT NULL, "content_type_id" integer NULL ${fk("django_content_type")}, "user_id" ${model === "custom" ? "bigint" : "integer"} NOT NULL ${fk(users)})`,
    `CREATE TABLE "graphql_auth_userstatus" (${sqlite ? id : `"id" bigint NOT NULL PRIMARY KEY GENERATED BY DEFAULT AS IDENTITY`}, "verified" ${bool} NOT NULL, "archived" ${bool} NOT NULL, "secondary_email" varchar(254) NULL, "user_id" ${model === "custom" ? "bigint" : "integer"} NOT NULL UNIQUE ${fk(users)})`,
    `CREATE TABLE "refresh_token_refreshtoken" (${sqlite ? id : `"id" bigserial NOT NULL PRIMARY KEY`}, "token" varchar(255) NOT NULL, "created" ${ts} NOT NULL, "revoked" ${ts} NULL, "user_id" ${model === "custom" ? "bigint" : "integer"} NOT NULL ${fk(users)})`,
    `CREATE UNIQUE INDEX "refresh_token_refreshtoken_token_revoked_0c3e8cf2_uniq" ON "refresh_token_refreshtoken" ("token", "revoked")`,
    `CREATE INDEX "refresh_token_refreshtoken_user_id_1d7cb565" ON "refresh_token_refreshtoken" ("user_id")`,
  );
  return statements;
}

function toSqliteValue(value: unknown): unknown {
  if (typeof value === "boolean") return value ? 1 : 0;
  if (value instanceof Date) return sqliteDateTime(value);
  if (value !== null && typeof value === "object") return JSON.stringify(value);
  return value;
}

/** A Django source of its own: a SQLite file, or a fresh PostgreSQL schema. */
export async function createDjangoSource(
  kind: SourceKind,
  model: UserModelKind,
): Promise<DjangoSourceDb> {
  const runner = kind === "sqlite" ? sqliteRunner() : await postgresRunner();
  for (const statement of ddl(kind, model)) await runner.run(statement);
  const types = [...CONTENT_TYPES, model === "custom" ? ["accounts", "user"] : ["auth", "user"]];
  if (model === "custom") types.push(["auth", "user"]);
  for (const [app, name] of types as [string, string][]) {
    await runner.run(`insert into django_content_type (app_label, model) values (?, ?)`, [
      app,
      name,
    ]);
    const [ct] = await runner.query<{ id: number }>(
      `select id from django_content_type where app_label = ? and model = ?`,
      [app, name],
    );
    const label = name === "userstatus" ? "user status" : name;
    for (const action of ["add", "change", "delete", "view"])
      await runner.run(
        `insert into auth_permission (content_type_id, codename, name) values (?, ?, ?)`,
        [ct?.id, `${action}_${name}`, `Can ${action} ${label}`],
      );
  }
  const userTable = model === "custom" ? "accounts_user" : "auth_user";
  const value = (v: unknown) => (kind === "sqlite" ? toSqliteValue(v) : v);
  return {
    kind,
    url: runner.url,
    userTable,
    run: runner.run,
    query: runner.query,
    async insertUser(user) {
      const columns: Record<string, unknown> = {
        ...(user.id === undefined ? {} : { id: user.id }),
        password: user.password,
        last_login: user.lastLogin ?? null,
        is_superuser: user.isSuperuser ?? false,
        username: user.username,
        first_name: user.firstName ?? "",
        last_name: user.lastName ?? "",
        email: user.email,
        is_staff: user.isStaff ?? false,
        is_active: user.isActive ?? true,
        date_joined: user.dateJoined ?? new Date(Date.now() - 30 * 86_400_000),
        ...(model === "custom" ? customDefaults(kind) : {}),
        ...user.extra,
      };
      const names = Object.keys(columns);
      await runner.run(
        `insert into ${userTable} (${names.join(", ")}) values (${names.map(() => "?").join(", ")})`,
        names.map((name) => value(columns[name])),
      );
      const [row] = await runner.query<{ id: number }>(
        `select id from ${userTable} where username = ?`,
        [user.username],
      );
      return Number(row?.id);
    },
    async contentTypeId(appLabel, name) {
      const [row] = await runner.query<{ id: number }>(
        `select id from django_content_type where app_label = ? and model = ?`,
        [appLabel, name],
      );
      return Number(row?.id);
    },
    async permissionId(appLabel, codename) {
      const [row] = await runner.query<{ id: number }>(
        `select p.id from auth_permission p join django_content_type c on c.id = p.content_type_id
         where c.app_label = ? and p.codename = ?`,
        [appLabel, codename],
      );
      return Number(row?.id);
    },
    addUsersInBulk: (bulk) => addUsersInBulk(runner, kind, userTable, bulk),
    close: runner.close,
    drop: runner.drop,
  };
}

async function addUsersInBulk(
  runner: Runner,
  kind: SourceKind,
  userTable: string,
  options: Parameters<DjangoSourceDb["addUsersInBulk"]>[0],
): Promise<void> {
  if (userTable !== "auth_user") throw new Error("bulk users are auth.User users");
  const prefix = options.prefix ?? "bulk";
  const sqlite = kind === "sqlite";
  const series = sqlite
    ? "with recursive g(n) as (select 1 union all select n + 1 from g where n < ?) "
    : "";
  const from = sqlite ? "from g" : "from generate_series(1, ?) as g(n)";
  const joined = sqlite
    ? "'2021-03-04 05:06:07.123456'"
    : "timestamptz '2021-03-04 05:06:07.123456+00'";
  const yes = sqlite ? "1" : "true";
  const no = sqlite ? "0" : "false";
  const text = (n: string) => (sqlite ? n : `${n}::text`);
  await runner.run(
    `${series}insert into auth_user (password, last_login, is_superuser, username, first_name, last_name, email, is_staff, is_active, date_joined)
     select ?, null, ${no}, ? || ${text("n")}, 'First', 'Last', ? || ${text("n")} || '@example.com', ${no}, ${yes}, ${joined} ${from}`,
    sqlite
      ? [options.count, options.passwordHash, prefix, prefix]
      : [options.passwordHash, prefix, prefix, options.count],
  );
  const mine = `(select id from auth_user where username like ? || '%')`;
  await runner.run(
    `insert into graphql_auth_userstatus (verified, archived, secondary_email, user_id)
     select ${yes}, ${no}, null, id from auth_user where id in ${mine}`,
    [prefix],
  );
  const token = sqlite
    ? "lower(hex(randomblob(20)))"
    : "md5(random()::text || id::text) || substr(md5(id::text), 1, 8)";
  const now = sqlite ? "strftime('%Y-%m-%d %H:%M:%f', 'now')" : "now()";
  if (options.tokenEvery !== undefined)
    await runner.run(
      `insert into refresh_token_refreshtoken (token, created, revoked, user_id)
       select ${token}, ${now}, null, id from auth_user where id in ${mine} and id % ? = 0`,
      [prefix, options.tokenEvery],
    );
  if (options.groupEvery !== undefined) {
    await runner.run("insert into auth_group (name) values (?)", [`${prefix} group`]);
    await runner.run(
      `insert into auth_user_groups (user_id, group_id)
       select id, (select id from auth_group where name = ?) from auth_user where id in ${mine} and id % ? = 0`,
      [`${prefix} group`, prefix, options.groupEvery],
    );
  }
  // A Django database in service has statistics (autovacuum analyzes it); without them PostgreSQL
  // reads a whole table to find each batch's status rows and memberships.
  if (!sqlite)
    await runner.run(
      "analyze auth_user, graphql_auth_userstatus, refresh_token_refreshtoken, auth_user_groups",
    );
}

function customDefaults(kind: SourceKind): Record<string, unknown> {
  const uuid = randomBytes(16).toString("hex");
  return {
    phone_number: "",
    date_of_birth: null,
    is_representative: false,
    title: "",
    // UUIDField: char(32) hex on SQLite, uuid on PostgreSQL.
    external_id:
      kind === "sqlite"
        ? uuid
        : `${uuid.slice(0, 8)}-${uuid.slice(8, 12)}-${uuid.slice(12, 16)}-${uuid.slice(16, 20)}-${uuid.slice(20)}`,
    preferences: kind === "sqlite" ? "{}" : JSON.stringify({}),
    balance: kind === "sqlite" ? 0 : "0.00",
    logins: 0,
    company_id: null,
  };
}

interface Runner {
  url: string;
  run: (text: string, params?: unknown[]) => Promise<void>;
  query: <T>(text: string, params?: unknown[]) => Promise<T[]>;
  close: () => Promise<void>;
  drop: () => Promise<void>;
}

function sqliteRunner(): Runner {
  const dir = mkdtempSync(join(tmpdir(), "gatehouse-django-"));
  const path = join(dir, "db.sqlite3");
  const db = new SQLite(path);
  return {
    url: `sqlite:${path}`,
    run: (text, params = []) => {
      db.prepare(text).run(...params);
      return Promise.resolve();
    },
    query: <T>(text: string, params: unknown[] = []) =>
      Promise.resolve(db.prepare(text).all(...params) as T[]),
    close: () => {
      if (db.open) db.close();
      return Promise.resolve();
    },
    drop: () => {
      if (db.open) db.close();
      rmSync(dir, { recursive: true, force: true });
      return Promise.resolve();
    },
  };
}

async function postgresRunner(): Promise<Runner> {
  const baseUrl = process.env.TEST_POSTGRES_URL ?? DEFAULT_TEST_POSTGRES_URL;
  const schema = `django_src_${String(process.pid)}_${Date.now().toString(36)}_${String(Math.floor(Math.random() * 1e6))}`;
  const separator = baseUrl.includes("?") ? "&" : "?";
  const url = `${baseUrl}${separator}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
  const admin = new pg.Client(baseUrl);
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  await admin.end();
  const client = new pg.Client(url);
  await client.connect();
  let n = 0;
  const numbered = (text: string) => text.replace(/\?/g, () => `$${String(++n)}`);
  const execute = async (text: string, params: unknown[]) => {
    n = 0;
    return client.query(numbered(text), params);
  };
  let isOpen = true;
  return {
    url,
    run: async (text, params = []) => {
      await execute(text, params);
    },
    query: async <T>(text: string, params: unknown[] = []) =>
      (await execute(text, params)).rows as T[],
    close: async () => {
      if (isOpen) await client.end();
      isOpen = false;
    },
    drop: async () => {
      if (isOpen) await client.end();
      isOpen = false;
      const dropper = new pg.Client(baseUrl);
      await dropper.connect();
      await dropper.query(`drop schema if exists ${schema} cascade`);
      await dropper.end();
    },
  };
}
