// Delivers webhook events after their change committed: due deliveries are claimed under a lease
// (several server processes share the table), POSTed with a Standard Webhooks signature, and
// retried with exponential backoff until the receiver answers 2xx or the attempts run out, when
// the delivery is marked failed for the admin to replay. At least once: a process that dies
// between the receiver's answer and the mark leaves the delivery to be sent again after the
// lease, under the same `webhook-id`, by which receivers drop the repeat.
import type { Config } from "../../config/config.js";
import type { ReceiverAddressPolicy } from "../../config/webhook-networks.js";
import type { Db } from "../../db/database.js";
import { pollingPasses } from "../polling-passes.js";
import type { Clock } from "../types.js";
import { openSubscriptionSecret } from "./subscription-secrets.js";
import { postToReceiver, ReceiverAddressRefused } from "./receiver-request.js";
import { webhookHeaders } from "./signing.js";
import {
  claimDelivery,
  findDueDeliveryIds,
  findQueueHead,
  markDeliveryAttemptFailed,
  markDeliveryDelivered,
  type ClaimedDelivery,
} from "./deliveries-store.js";

const POLL_INTERVAL_MS = 1_000;
/** Queues served at once. */
const BATCH_SIZE = 16;
/**
 * A queue's deliveries sent one after another before the others get a new look: the next of a
 * queue is found by index, while a new pass reads every pending row (findDueDeliveryIds), so a
 * backlog of one user drains in passes of this many, not one per pass.
 */
const QUEUE_RUN_MAX = 500;
const QUEUE_RUN_MAX_MS = 1_000;
/** Beyond the receiver's timeout, the time to record the answer before another process may retry. */
const LEASE_MARGIN_MS = 30_000;

export interface WebhookDispatcherDeps {
  config: Config;
  db: Db;
  clock: Clock;
  receiverAddresses: ReceiverAddressPolicy;
  log: {
    warn: (obj: object, msg: string) => void;
    error: (obj: object, msg: string) => void;
  };
}

export interface WebhookDispatcher {
  start(): void;
  /** Looks for due deliveries now (after a commit that wrote some). */
  nudge(): void;
  /** Attempts every due delivery once; returns how many were delivered. */
  deliverDue(): Promise<number>;
  stop(): Promise<void>;
}

type AttemptOutcome =
  { ok: true; status: number } | { ok: false; status: number | null; error: string };

function retryDelayMs(config: Config["webhooks"], attempts: number): number {
  const seconds = config.retryBaseSeconds * 2 ** Math.max(0, attempts - 1);
  return Math.min(config.retryMaxSeconds, seconds) * 1000;
}

async function attempt(
  deps: WebhookDispatcherDeps,
  delivery: ClaimedDelivery,
): Promise<AttemptOutcome> {
  const secret = openSubscriptionSecret(
    deps.config,
    delivery.subscriptionId,
    delivery.sealedSecret,
  );
  if (secret === undefined) {
    return {
      ok: false,
      status: null,
      error: "the signing secret cannot be read (SECRET_KEY changed?)",
    };
  }
  try {
    const status = await postToReceiver(
      delivery.url,
      {
        headers: webhookHeaders(secret, delivery.messageId, delivery.body, deps.clock.now()),
        body: delivery.body,
        timeoutMs: deps.config.webhooks.timeoutSeconds * 1000,
      },
      deps.receiverAddresses,
    );
    if (status >= 200 && status < 300) return { ok: true, status };
    return { ok: false, status, error: `the receiver answered ${String(status)}` };
  } catch (error) {
    if (error instanceof ReceiverAddressRefused) {
      return { ok: false, status: null, error: `not sent: ${error.message}` };
    }
    if ((error as Error).name === "AbortError") {
      return {
        ok: false,
        status: null,
        error: `no answer within ${String(deps.config.webhooks.timeoutSeconds)} s`,
      };
    }
    const code = (error as { code?: string }).code;
    return { ok: false, status: null, error: code ?? (error as Error).message };
  }
}

export function createWebhookDispatcher(
  deps: WebhookDispatcherDeps,
  observers: { onAttemptFailed?: ((failure: { isFinal: boolean }) => void) | undefined } = {},
): WebhookDispatcher {
  const leaseMs = deps.config.webhooks.timeoutSeconds * 1000 + LEASE_MARGIN_MS;

  /** The delivery, when it was made. */
  async function deliverOne(id: number): Promise<ClaimedDelivery | undefined> {
    const now = deps.clock.now();
    const delivery = await claimDelivery(deps.db, id, now, new Date(now.getTime() + leaseMs));
    if (delivery === undefined) return undefined;
    const outcome = await attempt(deps, delivery);
    if (outcome.ok) {
      await markDeliveryDelivered(deps.db, id, { status: outcome.status, at: deps.clock.now() });
      return delivery;
    }
    const attempts = delivery.attempts + 1;
    const isFinal = attempts >= deps.config.webhooks.maxAttempts;
    observers.onAttemptFailed?.({ isFinal });
    const nextAttemptAt = new Date(
      deps.clock.now().getTime() + retryDelayMs(deps.config.webhooks, attempts),
    );
    await markDeliveryAttemptFailed(deps.db, id, {
      status: outcome.status,
      error: outcome.error,
      nextAttemptAt,
      isFinal,
    });
    // The subscription, not its URL: receivers sometimes carry a credential in their URL.
    deps.log.warn(
      {
        deliveryId: id,
        subscriptionId: delivery.subscriptionId,
        attempts,
        isFinal,
        error: outcome.error,
      },
      isFinal ? "webhook delivery failed for good" : "webhook delivery failed; will retry",
    );
    return undefined;
  }

  /**
   * Delivers `id`, the head of its queue, then the queue's next ones while they succeed, up to a
   * bound that lets the other queues in. Returns how many were delivered.
   */
  async function deliverQueue(id: number): Promise<number> {
    const started = performance.now();
    let delivered = 0;
    for (let next: number | undefined = id; next !== undefined;) {
      const made = await deliverOne(next);
      if (made === undefined) break;
      delivered += 1;
      const isDone = delivered >= QUEUE_RUN_MAX || performance.now() - started > QUEUE_RUN_MAX_MS;
      if (isDone || made.userId === null) break;
      next = await findQueueHead(deps.db, {
        subscriptionId: made.subscriptionId,
        userId: made.userId,
      });
    }
    return delivered;
  }

  async function deliverDue(): Promise<number> {
    let delivered = 0;
    for (;;) {
      // Each id is first in line for its subscription and user, so a batch runs in parallel
      // without reordering anyone's events.
      const ids = await findDueDeliveryIds(deps.db, deps.clock.now(), BATCH_SIZE);
      const counts = await Promise.all(ids.map(deliverQueue));
      const made = counts.reduce((sum, count) => sum + count, 0);
      delivered += made;
      // A delivery made puts the next event of its user first in line: look again at once.
      if (made === 0) return delivered;
    }
  }

  const passes = pollingPasses(deliverDue, {
    intervalMs: POLL_INTERVAL_MS,
    onError: (error) => {
      deps.log.error({ err: error }, "webhook pass failed");
    },
  });
  return { ...passes, deliverDue };
}
