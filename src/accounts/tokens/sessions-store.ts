// SQL for sessions (issue 16): one row per sign-in, named by its refresh tokens and access tokens.
import type { Selectable } from "kysely";
import type { Db } from "../../db/database.js";
import type { SessionsTable } from "../../db/tables.js";
import { toDate } from "../../db/values.js";

export interface SessionRecord {
  id: string;
  userId: number;
  createdAt: Date;
  lastUsedAt: Date;
  expiresAt: Date;
  userAgent: string;
  ip: string;
  revokedAt: Date | null;
}

function toSession(row: Selectable<SessionsTable>): SessionRecord {
  return {
    id: row.id,
    userId: row.user_id,
    createdAt: toDate(row.created_at),
    lastUsedAt: toDate(row.last_used_at),
    expiresAt: toDate(row.expires_at),
    userAgent: row.user_agent,
    ip: row.ip,
    revokedAt: row.revoked_at === null ? null : toDate(row.revoked_at),
  };
}

export async function insertSession(
  db: Db,
  session: Omit<SessionRecord, "revokedAt">,
): Promise<void> {
  await db
    .insertInto("sessions")
    .values({
      id: session.id,
      user_id: session.userId,
      created_at: session.createdAt,
      last_used_at: session.lastUsedAt,
      expires_at: session.expiresAt,
      user_agent: session.userAgent,
      ip: session.ip,
      revoked_at: null,
    })
    .execute();
}

export async function findSession(db: Db, id: string): Promise<SessionRecord | undefined> {
  const row = await db.selectFrom("sessions").selectAll().where("id", "=", id).executeTakeFirst();
  return row === undefined ? undefined : toSession(row);
}

/** The user's sessions that neither ended nor expired, newest first. */
export async function listLiveSessions(
  db: Db,
  userId: number,
  now: Date,
): Promise<SessionRecord[]> {
  const rows = await db
    .selectFrom("sessions")
    .selectAll()
    .where("user_id", "=", userId)
    .where("revoked_at", "is", null)
    .where("expires_at", ">", now)
    .orderBy("created_at", "desc")
    .orderBy("id", "desc")
    .execute();
  return rows.map(toSession);
}

/** A refresh moved the session on: used now, alive until the new token expires. */
export async function touchSession(
  db: Db,
  id: string,
  times: { usedAt: Date; expiresAt: Date },
): Promise<void> {
  await db
    .updateTable("sessions")
    .set({ last_used_at: times.usedAt, expires_at: times.expiresAt })
    .where("id", "=", id)
    .execute();
}

/**
 * Ends sessions of a user (all, or those `ids` names, or all but `exceptId`) and revokes their
 * refresh tokens; returns the ids ended. Already ended ones keep their time.
 */
export async function revokeSessions(
  db: Db,
  userId: number,
  revokedAt: Date,
  which: { ids?: readonly string[]; exceptId?: string } = {},
): Promise<string[]> {
  let query = db
    .updateTable("sessions")
    .set({ revoked_at: revokedAt })
    .where("user_id", "=", userId)
    .where("revoked_at", "is", null);
  if (which.ids !== undefined) {
    if (which.ids.length === 0) return [];
    query = query.where("id", "in", [...which.ids]);
  }
  if (which.exceptId !== undefined) query = query.where("id", "!=", which.exceptId);
  const ended = (await query.returning("id").execute()).map((row) => row.id);
  if (ended.length > 0) {
    await db
      .updateTable("refresh_tokens")
      .set({ revoked: revokedAt })
      .where("session_id", "in", ended)
      .where("revoked", "is", null)
      .execute();
  }
  return ended;
}
