// Delivers queued outbox messages (EMAIL_ASYNC_TASK, and retries of failed ones) with backoff.
// Each message is claimed under a lease first, so several server processes sharing one database
// deliver it once.
import {
  claimOutboxMessage,
  findDueOutboxIds,
  markOutboxAttemptFailed,
  markOutboxMessageSent,
} from "./outbox-store.js";
import { deliverOutboxMessage, OUTBOX_LEASE_MS, type OutboxDeps } from "./outbox.js";
import { pollingPasses } from "../polling-passes.js";

const POLL_INTERVAL_MS = 1_000;
// Weight of the newest delivery in the running average of delivery times.
const DELIVERY_TIME_SMOOTHING = 0.2;
const BATCH_SIZE = 20;

export interface OutboxWorker {
  start(): void;
  /** Asks the worker to look for due messages now (after a commit that queued one). */
  nudge(): void;
  /** Delivers every due message once; returns how many were sent. */
  deliverDue(): Promise<number>;
  /** Notes how long a request's own delivery took (deliverWrittenEmails). */
  recordDeliveryTime(milliseconds: number): void;
  /**
   * Waits about as long as a delivery takes, for answers that send nothing where another answer
   * would have sent a mail: their timing must not tell the two apart (unknown vs known address).
   */
  delayLikeDelivery(): Promise<void>;
  stop(): Promise<void>;
}

function backoffMs(attempts: number): number {
  return Math.min(3_600_000, 5_000 * 2 ** Math.max(0, attempts - 1));
}

export interface OutboxObservers {
  /** Told of each failed delivery; `isFinal` when the message is given up (metrics). */
  onDeliveryFailed?: ((failure: { isFinal: boolean }) => void) | undefined;
}

export function createOutboxWorker(
  deps: OutboxDeps,
  observers: OutboxObservers = {},
): OutboxWorker {
  let typicalDeliveryMs: number | undefined;

  async function deliverOne(id: number): Promise<boolean> {
    const now = deps.clock.now();
    const message = await claimOutboxMessage(
      deps.db,
      id,
      now,
      new Date(now.getTime() + OUTBOX_LEASE_MS),
    );
    if (message === undefined) return false;
    try {
      await deliverOutboxMessage(deps, message);
    } catch (error) {
      const attempts = message.attempts + 1;
      const isFinal = attempts >= deps.config.mail.maxDeliveryAttempts;
      const nextAttemptAt = new Date(deps.clock.now().getTime() + backoffMs(attempts));
      await markOutboxAttemptFailed(deps.db, id, { error: String(error), nextAttemptAt, isFinal });
      observers.onDeliveryFailed?.({ isFinal });
      deps.log.warn(
        { err: error, outboxId: id, attempts, isFinal },
        "queued email delivery failed",
      );
      return false;
    }
    await markOutboxMessageSent(deps.db, id, deps.clock.now());
    return true;
  }

  async function deliverDue(): Promise<number> {
    let sent = 0;
    for (;;) {
      const ids = await findDueOutboxIds(deps.db, deps.clock.now(), BATCH_SIZE);
      for (const id of ids) if (await deliverOne(id)) sent++;
      if (ids.length < BATCH_SIZE) return sent;
    }
  }

  const passes = pollingPasses(deliverDue, {
    intervalMs: POLL_INTERVAL_MS,
    onError: (error) => {
      deps.log.error({ err: error }, "outbox pass failed");
    },
  });

  return {
    ...passes,
    deliverDue,
    recordDeliveryTime(milliseconds) {
      typicalDeliveryMs =
        typicalDeliveryMs === undefined
          ? milliseconds
          : typicalDeliveryMs + DELIVERY_TIME_SMOOTHING * (milliseconds - typicalDeliveryMs);
    },
    async delayLikeDelivery() {
      const milliseconds = typicalDeliveryMs ?? 0;
      if (milliseconds <= 0) return;
      // Jitter as wide as a real delivery's keeps the two distributions alike, not just their means.
      const jittered = milliseconds * (0.75 + Math.random() * 0.5);
      await new Promise((resolve) => setTimeout(resolve, jittered));
    },
  };
}
