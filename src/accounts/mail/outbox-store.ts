// SQL for the mail outbox: every email is written here in the transaction of the change that
// causes it, so no change commits without its mail; a change undone after a failed send takes
// its mails with it.
import type { Selectable } from "kysely";
import type { MailOutboxTable } from "../../db/tables.js";
import { toDate } from "../../db/values.js";
import type { Db } from "../../db/database.js";

export interface OutboxMessage {
  id: number;
  recipients: string[];
  subject: string;
  text: string;
  html: string;
  attempts: number;
  createdAt: Date;
}

function toMessage(row: Selectable<MailOutboxTable>): OutboxMessage {
  return {
    id: row.id,
    recipients: JSON.parse(row.recipients) as string[],
    subject: row.subject,
    text: row.text_body,
    html: row.html_body,
    attempts: row.attempts,
    createdAt: toDate(row.created_at),
  };
}

export async function insertOutboxMessage(
  db: Db,
  message: {
    recipients: string[];
    subject: string;
    text: string;
    html: string;
    createdAt: Date;
    lockedUntil: Date | null;
  },
): Promise<number> {
  const row = await db
    .insertInto("mail_outbox")
    .values({
      created_at: message.createdAt,
      recipients: JSON.stringify(message.recipients),
      subject: message.subject,
      text_body: message.text,
      html_body: message.html,
      status: "pending",
      attempts: 0,
      next_attempt_at: message.createdAt,
      locked_until: message.lockedUntil,
      last_error: null,
      sent_at: null,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function markOutboxMessageSent(db: Db, id: number, sentAt: Date): Promise<void> {
  await db
    .updateTable("mail_outbox")
    .set((eb) => ({
      status: "sent",
      sent_at: sentAt,
      locked_until: null,
      attempts: eb("attempts", "+", 1),
    }))
    .where("id", "=", id)
    .execute();
}

/** Hands messages a request wrote (and leased) to the worker. */
export async function releaseOutboxMessages(db: Db, ids: readonly number[]): Promise<void> {
  await db
    .updateTable("mail_outbox")
    .set({ locked_until: null })
    .where("id", "in", [...ids])
    .where("status", "=", "pending")
    .execute();
}

/** Deletes the mails of a change that was undone. */
export async function deleteOutboxMessages(db: Db, ids: readonly number[]): Promise<void> {
  if (ids.length === 0) return;
  await db
    .deleteFrom("mail_outbox")
    .where("id", "in", [...ids])
    .execute();
}

export async function markOutboxAttemptFailed(
  db: Db,
  id: number,
  failure: { error: string; nextAttemptAt: Date; isFinal: boolean },
): Promise<void> {
  await db
    .updateTable("mail_outbox")
    .set((eb) => ({
      status: failure.isFinal ? "failed" : "pending",
      last_error: failure.error.slice(0, 1000),
      next_attempt_at: failure.nextAttemptAt,
      locked_until: null,
      attempts: eb("attempts", "+", 1),
    }))
    .where("id", "=", id)
    .execute();
}

/** Ids of pending messages that are due and not leased by another worker. */
export async function findDueOutboxIds(db: Db, now: Date, limit: number): Promise<number[]> {
  const rows = await db
    .selectFrom("mail_outbox")
    .select("id")
    .where("status", "=", "pending")
    .where("next_attempt_at", "<=", now)
    .where((eb) => eb.or([eb("locked_until", "is", null), eb("locked_until", "<", now)]))
    .orderBy("id")
    .limit(limit)
    .execute();
  return rows.map((row) => row.id);
}

/**
 * Leases one message for delivery. The conditional update is atomic on both databases, so
 * when several processes share the outbox exactly one of them wins each message.
 */
export async function claimOutboxMessage(
  db: Db,
  id: number,
  now: Date,
  leaseUntil: Date,
): Promise<OutboxMessage | undefined> {
  const result = await db
    .updateTable("mail_outbox")
    .set({ locked_until: leaseUntil })
    .where("id", "=", id)
    .where("status", "=", "pending")
    .where((eb) => eb.or([eb("locked_until", "is", null), eb("locked_until", "<", now)]))
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) !== 1) return undefined;
  const row = await db
    .selectFrom("mail_outbox")
    .selectAll()
    .where("id", "=", id)
    .executeTakeFirst();
  return row === undefined ? undefined : toMessage(row);
}

export async function countOutboxMessages(
  db: Db,
  status: "pending" | "sent" | "failed",
): Promise<number> {
  const row = await db
    .selectFrom("mail_outbox")
    .select((eb) => eb.fn.countAll<number | string>().as("count"))
    .where("status", "=", status)
    .executeTakeFirstOrThrow();
  return Number(row.count);
}
