// The webhook events an account change writes, in the transaction of that change (issue 19): a
// change that rolls back sends nothing, and one that commits is delivered even if the process
// dies right after. Written only when an active subscription asks for the type.
import { randomUUID } from "node:crypto";
import type { WebhookEventType } from "../../config/webhooks.js";
import type { Db } from "../../db/database.js";
import type { Clock, SignInFailureMethod, User } from "../types.js";
import type { AccountEvents } from "../events.js";
import { findUserById } from "../users-store.js";
import { insertEventWithDeliveries, lockUserEvents } from "./deliveries-store.js";
import { findSubscribersOf } from "./subscriptions-store.js";

/** The user as every payload names them: enough to find them, nothing secret. */
export interface WebhookUser {
  id: number;
  username: string;
  email: string;
  firstName: string;
  lastName: string;
  isActive: boolean;
  isStaff: boolean;
  verified: boolean;
  archived: boolean;
}

export function webhookUser(user: User): WebhookUser {
  return {
    id: user.id,
    username: user.username,
    email: user.email,
    firstName: user.firstName,
    lastName: user.lastName,
    isActive: user.isActive,
    isStaff: user.isStaff,
    verified: user.status.verified,
    archived: user.status.archived,
  };
}

export interface WebhookEvent {
  type: WebhookEventType;
  /** The user the event is about; their events are delivered in order. */
  userId: number | null;
  data: Record<string, unknown>;
}

/** An event about `user` whose data is the user and `extra`. */
export function userEvent(
  type: WebhookEventType,
  user: User,
  extra: Record<string, unknown> = {},
): WebhookEvent {
  return { type, userId: user.id, data: { user: webhookUser(user), ...extra } };
}

/**
 * Writes `event` with one pending delivery per subscriber, inside `tx`. The body is fixed here,
 * so every attempt and every replay sends the same bytes under the same `webhook-id`.
 */
export async function recordWebhookEvent(
  deps: { clock: Clock },
  tx: Db,
  event: WebhookEvent,
): Promise<void> {
  const subscribers = await findSubscribersOf(tx, event.type);
  if (subscribers.length === 0) return;
  if (event.userId !== null) await lockUserEvents(tx, event.userId);
  const now = deps.clock.now();
  const messageId = `msg_${randomUUID().replaceAll("-", "")}`;
  const body = JSON.stringify({ type: event.type, timestamp: now.toISOString(), data: event.data });
  await insertEventWithDeliveries(
    tx,
    { messageId, type: event.type, userId: event.userId, body, createdAt: now },
    subscribers,
  );
}

/** Several events of one change, in order. */
export async function recordWebhookEvents(
  deps: { clock: Clock },
  tx: Db,
  events: readonly WebhookEvent[],
): Promise<void> {
  for (const event of events) await recordWebhookEvent(deps, tx, event);
}

/**
 * A refused sign-in is a change of its own (nothing else is written): its event commits alone.
 * `user` is undefined when the identifier named nobody; the identifier itself is not sent (it may
 * be a mistyped password). A function finds the user only when someone subscribed.
 */
export async function recordSignInFailure(
  deps: { clock: Clock; db: Db; events: AccountEvents },
  who: User | undefined | (() => Promise<User | undefined>),
  details: { method: SignInFailureMethod; ip: string | undefined; identifier: string },
): Promise<void> {
  // The account event too (metrics count it), so no way of signing in reports one and not both.
  deps.events.emit("user_login_failed", { identifier: details.identifier, method: details.method });
  // Refusals come in floods under attack: no lookup or transaction unless someone subscribed.
  if ((await findSubscribersOf(deps.db, "user.sign_in_failed")).length === 0) return;
  const user = typeof who === "function" ? await who() : who;
  await deps.db.transaction().execute((tx) =>
    recordWebhookEvent(deps, tx, {
      type: "user.sign_in_failed",
      userId: user?.id ?? null,
      data: {
        user: user === undefined ? null : webhookUser(user),
        method: details.method,
        ip: details.ip ?? null,
      },
    }),
  );
}

/** A passkey added to or removed from `user`'s account: which one, never its public key. */
export function passkeyEvent(
  type: "passkey.added" | "passkey.removed",
  user: User,
  passkey: { id: string; name?: string },
  by: "user" | "staff",
): WebhookEvent {
  return userEvent(type, user, { passkey, by });
}

/** Sessions ended: `sessionIds` lists them, or is "all" / "all_others". */
export function sessionsRevokedEvent(
  userId: number,
  details: {
    sessionIds: string[] | "all" | "all_others";
    by: "user" | "staff";
    refreshTokenId?: number;
  },
): WebhookEvent {
  return { type: "session.revoked", userId, data: { userId, ...details } };
}

/**
 * The events of a change made by staff, read back inside the transaction: `user.verified` or
 * `user.archived` when the change turned those on, else `user.updated`.
 */
export async function recordStaffUserChange(
  deps: { clock: Clock },
  tx: Db,
  before: User,
): Promise<void> {
  const after = await findUserById(tx, before.id);
  if (after === undefined) return;
  const events: WebhookEvent[] = [];
  if (!before.status.verified && after.status.verified) {
    events.push(userEvent("user.verified", after));
  }
  if (!before.status.archived && after.status.archived) {
    events.push(userEvent("user.archived", after, { by: "staff" }));
  }
  if (events.length === 0) events.push(userEvent("user.updated", after, { by: "staff" }));
  await recordWebhookEvents(deps, tx, events);
}
