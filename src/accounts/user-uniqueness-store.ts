// SQL that keeps usernames and addresses unique among users: whether one is taken or has a
// look-alike, the locks that make a check and its write one step, and which field a write lost to
// a concurrent one. The unique keys alone would miss look-alikes, and an address held as the other
// kind (primary or secondary).
import { PostgresAdapter, sql } from "kysely";
import type { Db } from "../db/database.js";
import { uniqueViolationDetail } from "../db/values.js";
import { hasNul } from "./users-store.js";
import { areLookAlikeUsernames, emailKeys, foldCase, usernameSkeleton } from "./validation.js";

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
