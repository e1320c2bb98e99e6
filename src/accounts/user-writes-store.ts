// SQL that changes users and their status rows. The folded keys and the look-alike skeleton are
// written in the same statement as the values they derive from, since lookups search by them.
import { sql } from "kysely";
import type { Db } from "../db/database.js";
import type { UserStatusTable } from "../db/tables.js";
import type { User } from "./types.js";
import { foldCase, usernameSkeleton } from "./validation.js";

function emailKey(email: string): string | null {
  return email === "" ? null : foldCase(email);
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
