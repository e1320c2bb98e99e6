// SQL for webhook events and their deliveries: written in the transaction of the change they
// describe, then claimed under a lease so that several server processes sharing the database send
// each attempt once.
import { PostgresAdapter, sql } from "kysely";
import type { WebhookEventType } from "../../config/webhooks.js";
import type { Db } from "../../db/database.js";
import { toDate } from "../../db/values.js";

/**
 * Makes the events of one user wait for each other's commits (PostgreSQL), so their ids follow
 * the order the changes committed in, which is the order deliveries go out in. SQLite runs one
 * write transaction at a time anyway.
 */
export async function lockUserEvents(tx: Db, userId: number): Promise<void> {
  if (!(tx.getExecutor().adapter instanceof PostgresAdapter)) return;
  await sql`select pg_advisory_xact_lock(hashtext('webhook-user'), ${userId})`.execute(tx);
}

export async function insertEventWithDeliveries(
  tx: Db,
  event: {
    messageId: string;
    type: WebhookEventType;
    userId: number | null;
    body: string;
    createdAt: Date;
  },
  subscriptionIds: readonly number[],
): Promise<void> {
  const { id } = await tx
    .insertInto("webhook_events")
    .values({
      message_id: event.messageId,
      event_type: event.type,
      user_id: event.userId,
      body: event.body,
      created_at: event.createdAt,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  await tx
    .insertInto("webhook_deliveries")
    .values(
      subscriptionIds.map((subscriptionId) => ({
        event_id: id,
        subscription_id: subscriptionId,
        user_id: event.userId,
        status: "pending" as const,
        attempts: 0,
        next_attempt_at: event.createdAt,
        locked_until: null,
        last_status: null,
        last_error: null,
        delivered_at: null,
      })),
    )
    .execute();
}

/**
 * Due deliveries that are first in line: none is returned while an earlier pending one goes to
 * the same subscription about the same user (a failed one no longer holds the line back).
 */
export async function findDueDeliveryIds(db: Db, now: Date, limit: number): Promise<number[]> {
  // The heads of the queues, one grouped read of the pending rows: a NOT EXISTS probe for each
  // pending row cost PostgreSQL half a second with 50,000 of one user waiting, this 20 ms.
  const queueHeads = db
    .selectFrom("webhook_deliveries as h")
    .select((eb) => eb.fn.min("h.id").as("id"))
    .where("h.status", "=", "pending")
    .where("h.user_id", "is not", null)
    .groupBy(["h.subscription_id", "h.user_id"]);
  const rows = await db
    .selectFrom("webhook_deliveries as d")
    .select("d.id")
    .where("d.status", "=", "pending")
    .where("d.next_attempt_at", "<=", now)
    .where((eb) => eb.or([eb("d.locked_until", "is", null), eb("d.locked_until", "<", now)]))
    // An event about no user is in no queue: each is a head of its own.
    .where((eb) => eb.or([eb("d.user_id", "is", null), eb("d.id", "in", queueHeads)]))
    .orderBy("d.id")
    .limit(limit)
    .execute();
  return rows.map((row) => row.id);
}

export interface ClaimedDelivery {
  id: number;
  attempts: number;
  messageId: string;
  body: string;
  url: string;
  subscriptionId: number;
  /** The user whose events are delivered in order; null: an event in no user's order. */
  userId: number | null;
  sealedSecret: string;
}

/**
 * The first pending delivery of a queue (a subscription's deliveries about one user): the only one
 * of the queue that may be sent. Found by the `webhook_deliveries_order` index, however long the
 * queue, where findDueDeliveryIds reads every pending row.
 */
export async function findQueueHead(
  db: Db,
  queue: { subscriptionId: number; userId: number },
): Promise<number | undefined> {
  const row = await db
    .selectFrom("webhook_deliveries")
    .select("id")
    .where("subscription_id", "=", queue.subscriptionId)
    .where("user_id", "=", queue.userId)
    .where("status", "=", "pending")
    .orderBy("id")
    .limit(1)
    .executeTakeFirst();
  return row?.id;
}

/**
 * Leases one delivery that is due; the conditional update lets exactly one process win it. A
 * delivery waiting out its backoff is not claimed, even when its queue's turn has come.
 */
export async function claimDelivery(
  db: Db,
  id: number,
  now: Date,
  leaseUntil: Date,
): Promise<ClaimedDelivery | undefined> {
  const result = await db
    .updateTable("webhook_deliveries")
    .set({ locked_until: leaseUntil })
    .where("id", "=", id)
    .where("status", "=", "pending")
    .where("next_attempt_at", "<=", now)
    .where((eb) => eb.or([eb("locked_until", "is", null), eb("locked_until", "<", now)]))
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) !== 1) return undefined;
  const row = await db
    .selectFrom("webhook_deliveries as d")
    .innerJoin("webhook_events as e", "e.id", "d.event_id")
    .innerJoin("webhook_subscriptions as s", "s.id", "d.subscription_id")
    .select([
      "d.id",
      "d.attempts",
      "d.user_id",
      "e.message_id",
      "e.body",
      "s.url",
      "s.id as subscription_id",
      "s.secret",
    ])
    .where("d.id", "=", id)
    .executeTakeFirst();
  if (row === undefined) return undefined;
  return {
    id: row.id,
    attempts: row.attempts,
    messageId: row.message_id,
    body: row.body,
    url: row.url,
    subscriptionId: row.subscription_id,
    userId: row.user_id,
    sealedSecret: row.secret,
  };
}

export async function markDeliveryDelivered(
  db: Db,
  id: number,
  outcome: { status: number; at: Date },
): Promise<void> {
  await db
    .updateTable("webhook_deliveries")
    .set((eb) => ({
      status: "delivered",
      delivered_at: outcome.at,
      last_status: outcome.status,
      last_error: null,
      locked_until: null,
      attempts: eb("attempts", "+", 1),
    }))
    .where("id", "=", id)
    .execute();
}

export async function markDeliveryAttemptFailed(
  db: Db,
  id: number,
  failure: { status: number | null; error: string; nextAttemptAt: Date; isFinal: boolean },
): Promise<void> {
  await db
    .updateTable("webhook_deliveries")
    .set((eb) => ({
      status: failure.isFinal ? "failed" : "pending",
      last_status: failure.status,
      last_error: failure.error.slice(0, 1000),
      next_attempt_at: failure.nextAttemptAt,
      locked_until: null,
      attempts: eb("attempts", "+", 1),
    }))
    .where("id", "=", id)
    .execute();
}

/** Puts a failed delivery back in line, with its attempts counted afresh; false if not failed. */
export async function requeueFailedDelivery(db: Db, id: number, now: Date): Promise<boolean> {
  const result = await db
    .updateTable("webhook_deliveries")
    .set({ status: "pending", attempts: 0, next_attempt_at: now, locked_until: null })
    .where("id", "=", id)
    .where("status", "=", "failed")
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export interface DeliveryListing {
  id: number;
  eventType: string;
  messageId: string;
  userId: number | null;
  subscriptionId: number;
  url: string;
  status: "pending" | "delivered" | "failed";
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  nextAttemptAt: Date;
  createdAt: Date;
}

/** The newest deliveries first, optionally of one status. */
export async function listDeliveries(
  db: Db,
  filter: { status?: DeliveryListing["status"]; limit: number },
): Promise<DeliveryListing[]> {
  let query = db
    .selectFrom("webhook_deliveries as d")
    .innerJoin("webhook_events as e", "e.id", "d.event_id")
    .innerJoin("webhook_subscriptions as s", "s.id", "d.subscription_id")
    .select([
      "d.id",
      "e.event_type",
      "e.message_id",
      "d.user_id",
      "d.subscription_id",
      "s.url",
      "d.status",
      "d.attempts",
      "d.last_status",
      "d.last_error",
      "d.next_attempt_at",
      "e.created_at",
    ])
    .orderBy("d.id", "desc")
    .limit(filter.limit);
  if (filter.status !== undefined) query = query.where("d.status", "=", filter.status);
  const rows = await query.execute();
  return rows.map((row) => ({
    id: row.id,
    eventType: row.event_type,
    messageId: row.message_id,
    userId: row.user_id,
    subscriptionId: row.subscription_id,
    url: row.url,
    status: row.status,
    attempts: row.attempts,
    lastStatus: row.last_status,
    lastError: row.last_error,
    nextAttemptAt: toDate(row.next_attempt_at),
    createdAt: toDate(row.created_at),
  }));
}

export async function countDeliveries(db: Db, status: DeliveryListing["status"]): Promise<number> {
  const row = await db
    .selectFrom("webhook_deliveries")
    .select((eb) => eb.fn.countAll<number | string>().as("count"))
    .where("status", "=", status)
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

/**
 * Deletes the events written before `cutoff` whose every delivery was made (their deliveries go
 * with them); pending and failed ones stay. Returns how many events went.
 */
export async function deleteDeliveredEventsBefore(db: Db, cutoff: Date): Promise<number> {
  const result = await db
    .deleteFrom("webhook_events")
    .where("created_at", "<", cutoff)
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom("webhook_deliveries")
            .select("webhook_deliveries.id")
            .whereRef("webhook_deliveries.event_id", "=", "webhook_events.id")
            .where("webhook_deliveries.status", "!=", "delivered"),
        ),
      ),
    )
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
