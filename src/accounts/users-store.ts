// SQL for users and their status rows. Rows become domain Users here, including the values
// that differ between SQLite and PostgreSQL (timestamps, booleans).
import { CompiledQuery, PostgresAdapter, sql, type Selectable } from "kysely";
import { keyReadsOf, PREPARE_ONCE, type Db } from "../db/database.js";
import type { UsersTable, UserStatusTable } from "../db/tables.js";
import { toBool, toDate, uniqueViolationDetail } from "../db/values.js";
import type { User } from "./types.js";
import { areLookAlikeUsernames, emailKeys, foldCase, usernameSkeleton } from "./validation.js";

function emailKey(email: string): string | null {
  return email === "" ? null : foldCase(email);
}

export type UserRow = Selectable<UsersTable> & Omit<Selectable<UserStatusTable>, "user_id">;

/** The users columns a domain User is made of, its declared fields aside (see toUser). */
const USER_COLUMNS = [
  "id",
  "username",
  "first_name",
  "last_name",
  "email",
  "is_staff",
  "is_active",
  "is_superuser",
  "date_joined",
  "last_login",
  "password",
  "tokens_valid_after",
  "token_version",
] as const;

// The built-in columns of the users row and the status row; any other column of the row is a
// declared field (USER_FIELDS), kept as the driver returned it for accounts/fields/ to read.
const BUILT_IN_COLUMNS: ReadonlySet<string> = new Set([
  ...USER_COLUMNS,
  "username_key",
  "username_skeleton",
  "email_key",
  "verified",
  "archived",
  "secondary_email",
  "secondary_email_key",
]);

/** What a lookup selects beside the user's own columns (findUserForSession's session state). */
const LOOKUP_COLUMNS = new Set(["session_revoked_at", "session_expires_at"]);

// Runs for every authenticated request: a for…in over the row, not Object.entries, which
// allocates a pair per column.
function declaredColumns(row: UserRow): Record<string, unknown> {
  const columns: Record<string, unknown> = {};
  for (const name in row) {
    if (!BUILT_IN_COLUMNS.has(name) && !LOOKUP_COLUMNS.has(name))
      columns[name] = row[name as keyof UserRow];
  }
  return columns;
}

export function toUser(row: UserRow): User {
  return {
    id: row.id,
    username: row.username,
    firstName: row.first_name,
    lastName: row.last_name,
    email: row.email,
    isStaff: toBool(row.is_staff),
    isActive: toBool(row.is_active),
    isSuperuser: toBool(row.is_superuser),
    dateJoined: toDate(row.date_joined),
    lastLogin: row.last_login === null ? null : toDate(row.last_login),
    passwordHash: row.password,
    tokensValidAfter: row.tokens_valid_after,
    tokenVersion: row.token_version,
    status: {
      verified: toBool(row.verified),
      archived: toBool(row.archived),
      secondaryEmail: row.secondary_email,
    },
    fieldColumns: declaredColumns(row),
  };
}

/** The status columns a domain User carries besides the users row. */
export const USER_STATUS_COLUMNS = [
  "user_status.verified",
  "user_status.archived",
  "user_status.secondary_email",
  "user_status.secondary_email_key",
] as const;

function selectUsers(db: Db) {
  return db
    .selectFrom("users")
    .innerJoin("user_status", "user_status.user_id", "users.id")
    .selectAll("users")
    .select(USER_STATUS_COLUMNS);
}

// Lookups by id and username run on every authenticated request. Building and compiling the
// Kysely query cost about seven times running it (bench: ≈ 109 µs vs 14 µs on SQLite), so each
// database handle compiles them once. A memo per handle, not a singleton: it goes with the handle.
const compiledLookups = new WeakMap<Db, Map<"id" | "username", CompiledQuery>>();

async function findUserBy(db: Db, column: "id" | "username", value: number | string) {
  let lookups = compiledLookups.get(db);
  if (lookups === undefined) {
    lookups = new Map();
    compiledLookups.set(db, lookups);
  }
  let compiled = lookups.get(column);
  if (compiled === undefined) {
    compiled = selectUsers(db)
      .where(`users.${column}`, "=", value as never)
      .compile();
    lookups.set(column, compiled);
  }
  const row = await firstRow<UserRow>(db, compiled.sql, [value]);
  return row === undefined ? undefined : toUser(row);
}

/** A lookup by key: on the handle's key reads, or through Kysely inside a transaction. */
async function firstRow<Row>(
  db: Db,
  text: string,
  parameters: readonly unknown[],
): Promise<Row | undefined> {
  const keyReads = keyReadsOf(db);
  if (keyReads !== undefined) return keyReads.first<Row>(text, parameters);
  const result = await db.executeQuery<Row>(
    CompiledQuery.raw(PREPARE_ONCE + text, [...parameters]),
  );
  return result.rows[0];
}

export async function findUserById(db: Db, id: number): Promise<User | undefined> {
  return findUserBy(db, "id", id);
}

// Stand-ins the compiled query's parameters are found by, whatever order Kysely writes them in.
const SESSION_PLACEHOLDER = "\u0000session";
const USER_PLACEHOLDER = -1;

type SessionLookupRow = UserRow & {
  session_revoked_at: Date | string | null;
  session_expires_at: Date | string | null;
};

interface CompiledSessionLookup {
  declaredFields: readonly { name: string }[];
  query: CompiledQuery;
}

const compiledSessionLookups = new WeakMap<Db, CompiledSessionLookup>();

/**
 * The lookup names its columns rather than `users.*`: the folded keys and the look-alike skeleton
 * are for searches, not for the User, and on PostgreSQL every column of the answer costs the
 * driver a field to describe and parse on every request (about a microsecond each, bench profile).
 */
function compileSessionLookup(db: Db, declaredFields: readonly { name: string }[]): CompiledQuery {
  const known = compiledSessionLookups.get(db);
  if (known?.declaredFields === declaredFields) return known.query;
  const query = db
    .selectFrom("users")
    .innerJoin("user_status", "user_status.user_id", "users.id")
    .select(USER_COLUMNS.map((column) => `users.${column}` as const))
    .select(declaredFields.map(({ name }) => sql.ref(`users.${name}`).as(name)))
    .select(["user_status.verified", "user_status.archived", "user_status.secondary_email"])
    .leftJoin("sessions", (join) =>
      join.onRef("sessions.user_id", "=", "users.id").on("sessions.id", "=", SESSION_PLACEHOLDER),
    )
    .select([
      "sessions.revoked_at as session_revoked_at",
      "sessions.expires_at as session_expires_at",
    ])
    .where("users.id", "=", USER_PLACEHOLDER)
    .compile();
  compiledSessionLookups.set(db, { declaredFields, query });
  return query;
}

/**
 * The user of an access token and whether its session is still live, in the one query every
 * authenticated request makes: a second round trip would cost `me` about a fifth (bench).
 * `declaredFields` are USER_FIELDS, whose columns the User carries too.
 */
export async function findUserForSession(
  db: Db,
  userId: number,
  sessionId: string,
  now: Date,
  declaredFields: readonly { name: string }[],
): Promise<{ user: User; isSessionLive: boolean } | undefined> {
  if (hasNul(sessionId)) return undefined;
  const compiled = compileSessionLookup(db, declaredFields);
  const parameters = compiled.parameters.map((parameter) =>
    parameter === SESSION_PLACEHOLDER
      ? sessionId
      : parameter === USER_PLACEHOLDER
        ? userId
        : parameter,
  );
  const row = await firstRow<SessionLookupRow>(db, compiled.sql, parameters);
  if (row === undefined) return undefined;
  // The row is the user's with the session's state beside it (toUser leaves those columns out).
  // expires_at is never null in a sessions row: null here means no session of that id.
  const isSessionLive =
    row.session_revoked_at === null &&
    row.session_expires_at !== null &&
    toDate(row.session_expires_at) > now;
  return { user: toUser(row), isSessionLive };
}

export async function findUserByUsername(db: Db, username: string): Promise<User | undefined> {
  if (hasNul(username)) return undefined;
  return findUserBy(db, "username", username);
}

/**
 * Any spelling of an address (a sign-in's, a reset request's) finds the user by its canonical
 * form, including rows stored before addresses were canonical (validation.ts emailKeys).
 */
export async function findUserByEmail(db: Db, email: string): Promise<User | undefined> {
  if (hasNul(email)) return undefined;
  const row = await selectUsers(db)
    .where("users.email_key", "in", emailKeys(email))
    .executeTakeFirst();
  return row === undefined ? undefined : toUser(row);
}

/** The user whose declared field `column` holds `value` exactly (a unique text field). */
export async function findUserByDeclaredColumn(
  db: Db,
  column: string,
  value: string,
): Promise<User | undefined> {
  if (hasNul(value)) return undefined;
  const row = await selectUsers(db)
    .where(sql.ref(`users.${column}`), "=", value)
    .executeTakeFirst();
  return row === undefined ? undefined : toUser(row);
}

export async function findUserBySecondaryEmail(db: Db, email: string): Promise<User | undefined> {
  if (hasNul(email)) return undefined;
  const row = await selectUsers(db)
    .where("user_status.secondary_email_key", "in", emailKeys(email))
    .executeTakeFirst();
  return row === undefined ? undefined : toUser(row);
}

export async function isUsernameTaken(db: Db, username: string): Promise<boolean> {
  const row = await db
    .selectFrom("users")
    .select("id")
    .where((eb) =>
      eb.or([eb("username", "=", username), eb("username_key", "=", foldCase(username))]),
    )
    .executeTakeFirst();
  return row !== undefined;
}

/** Whether any user has this address as primary or secondary email, ignoring case. */
export async function isEmailTaken(db: Db, email: string): Promise<boolean> {
  const keys = emailKeys(email);
  const primary = await db
    .selectFrom("users")
    .select("id")
    .where("email_key", "in", keys)
    .executeTakeFirst();
  if (primary !== undefined) return true;
  const secondary = await db
    .selectFrom("user_status")
    .select("user_id")
    .where("secondary_email_key", "in", keys)
    .executeTakeFirst();
  return secondary !== undefined;
}

/**
 * Serialises checks and writes on one address across concurrent transactions (PostgreSQL);
 * SQLite runs one write transaction at a time anyway.
 */
export async function lockEmailAddress(db: Db, email: string): Promise<void> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
  const [key = ""] = emailKeys(email);
  await sql`select pg_advisory_xact_lock(hashtext(${"email:" + key}))`.execute(db);
}

/**
 * Ids of the users whose names are look-alikes of `username` (validation.ts
 * areLookAlikeUsernames), found by the indexed skeleton; the caller leaves out the user's own id.
 */
export async function findLookAlikeUserIds(db: Db, username: string): Promise<number[]> {
  if (hasNul(username)) return [];
  const rows = await db
    .selectFrom("users")
    .select(["id", "username"])
    .where("username_skeleton", "=", usernameSkeleton(username))
    .execute();
  return rows.filter((row) => areLookAlikeUsernames(username, row.username)).map((row) => row.id);
}

/**
 * Serialises look-alike checks and writes on one skeleton (PostgreSQL): the skeleton column is not
 * unique (older rows may already share one), so no constraint stops two look-alikes racing in.
 */
export async function lockUsernameSkeleton(db: Db, username: string): Promise<void> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
  const key = "username:" + usernameSkeleton(username);
  await sql`select pg_advisory_xact_lock(hashtext(${key}))`.execute(db);
}

export interface NewUser {
  username: string;
  email: string;
  passwordHash: string;
  firstName?: string;
  lastName?: string;
  isStaff?: boolean;
  isSuperuser?: boolean;
  isActive?: boolean;
  verified?: boolean;
  dateJoined: Date;
  /** Every declared field's column value (accounts/fields/: the defaults filled in). */
  fieldColumns: Record<string, unknown>;
}

/** Inserts the user and its status row (SPEC §2.3: every user has one). */
export async function insertUser(db: Db, user: NewUser): Promise<number> {
  const inserted = await db
    .insertInto("users")
    .values({
      username: user.username,
      username_key: foldCase(user.username),
      username_skeleton: usernameSkeleton(user.username),
      email: user.email,
      email_key: emailKey(user.email),
      password: user.passwordHash,
      first_name: user.firstName ?? "",
      last_name: user.lastName ?? "",
      is_staff: user.isStaff ?? false,
      is_superuser: user.isSuperuser ?? false,
      is_active: user.isActive ?? true,
      date_joined: user.dateJoined,
      last_login: null,
      // Tokens minted before the account existed (for a deleted namesake) never name it.
      tokens_valid_after: Math.floor(user.dateJoined.getTime() / 1000),
      ...(user.fieldColumns as Record<string, never>),
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  const id = inserted.id;
  await db
    .insertInto("user_status")
    .values({
      user_id: id,
      verified: user.verified ?? false,
      archived: false,
      secondary_email: null,
      secondary_email_key: null,
    })
    .execute();
  return id;
}

export interface UserChanges {
  username?: string;
  email?: string;
  firstName?: string;
  lastName?: string;
  isStaff?: boolean;
  isSuperuser?: boolean;
  isActive?: boolean;
  lastLogin?: Date;
  passwordHash?: string;
  /** Declared fields' new column values, by column name. */
  fieldColumns?: Record<string, unknown>;
}

export async function updateUser(db: Db, id: number, changes: UserChanges): Promise<void> {
  const values: Record<string, unknown> = { ...changes.fieldColumns };
  if (changes.username !== undefined) {
    values.username = changes.username;
    values.username_key = foldCase(changes.username);
    values.username_skeleton = usernameSkeleton(changes.username);
    // Access tokens name the username: a rename ends them, so none resolves to a later namesake.
    values.token_version = sql`case when username = ${changes.username} then token_version else token_version + 1 end`;
  }
  if (changes.email !== undefined) {
    values.email = changes.email;
    values.email_key = emailKey(changes.email);
  }
  if (changes.firstName !== undefined) values.first_name = changes.firstName;
  if (changes.lastName !== undefined) values.last_name = changes.lastName;
  if (changes.isStaff !== undefined) values.is_staff = changes.isStaff;
  if (changes.isSuperuser !== undefined) values.is_superuser = changes.isSuperuser;
  if (changes.isActive !== undefined) values.is_active = changes.isActive;
  if (changes.lastLogin !== undefined) values.last_login = changes.lastLogin;
  if (changes.passwordHash !== undefined) values.password = changes.passwordHash;
  if (Object.keys(values).length === 0) return;
  await db
    .updateTable("users")
    .set(values as never)
    .where("id", "=", id)
    .execute();
}

/**
 * Ends the user's access tokens: the version they name moves on, and legacy tokens (no version)
 * issued before `validAfter` (unix seconds) are refused. Returns the new version.
 */
export async function revokeUserAccessTokens(
  db: Db,
  userId: number,
  validAfter: number,
): Promise<number> {
  const row = await db
    .updateTable("users")
    .set((eb) => ({
      token_version: eb("token_version", "+", 1),
      tokens_valid_after: validAfter,
    }))
    .where("id", "=", userId)
    .returning("token_version")
    .executeTakeFirst();
  return row?.token_version ?? 0;
}

export interface StatusChanges {
  verified?: boolean;
  archived?: boolean;
  secondaryEmail?: string | null;
}

export async function updateUserStatus(
  db: Db,
  userId: number,
  changes: StatusChanges,
): Promise<void> {
  const values: Partial<Record<keyof UserStatusTable, unknown>> = {};
  if (changes.verified !== undefined) values.verified = changes.verified;
  if (changes.archived !== undefined) values.archived = changes.archived;
  if (changes.secondaryEmail !== undefined) {
    values.secondary_email = changes.secondaryEmail;
    values.secondary_email_key =
      changes.secondaryEmail === null ? null : foldCase(changes.secondaryEmail);
  }
  if (Object.keys(values).length === 0) return;
  await db
    .updateTable("user_status")
    .set(values as never)
    .where("user_id", "=", userId)
    .execute();
}

/** Exchanges primary and secondary email in one statement pair inside the caller's transaction. */
export async function swapUserEmails(db: Db, user: User): Promise<void> {
  const secondary = user.status.secondaryEmail;
  if (secondary === null) return;
  // Clear the secondary first so the unique keys never hold the same address twice.
  await updateUserStatus(db, user.id, { secondaryEmail: null });
  await updateUser(db, user.id, { email: secondary });
  await updateUserStatus(db, user.id, { secondaryEmail: user.email });
}

export async function deleteUser(db: Db, id: number): Promise<void> {
  await db.deleteFrom("users").where("id", "=", id).execute();
}

/** PostgreSQL text cannot hold NUL, so such a value matches no stored string and must not reach the driver. */
export function hasNul(value: unknown): boolean {
  return typeof value === "string" && value.includes("\u0000");
}

export type UniqueUserField = "username" | "email" | "secondary_email";

/**
 * The unique user field a failed write collided on, when a concurrent write took the value
 * between the caller's check and its insert or update; undefined for any other error.
 */
export function takenUserField(error: unknown): UniqueUserField | undefined {
  const detail = uniqueViolationDetail(error);
  if (detail === undefined) return undefined;
  if (detail.includes("secondary_email")) return "secondary_email";
  return detail.includes("email") ? "email" : "username";
}
