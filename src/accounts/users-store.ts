// SQL that finds users. Rows become domain Users here (toUser, which user-list-store.ts shares),
// including the values that differ between SQLite and PostgreSQL (timestamps, booleans).
import { CompiledQuery, sql, type Selectable } from "kysely";
import type { Db } from "../db/database.js";
import { keyReadsOf, PREPARE_ONCE } from "../db/key-reads.js";
import type { UsersTable, UserStatusTable } from "../db/tables.js";
import { toBool, toDate } from "../db/values.js";
import type { User } from "./types.js";
import { emailKeys } from "./validation.js";

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

/** PostgreSQL text cannot hold NUL, so such a value matches no stored string and must not reach the driver. */
export function hasNul(value: unknown): boolean {
  return typeof value === "string" && value.includes("\u0000");
}
