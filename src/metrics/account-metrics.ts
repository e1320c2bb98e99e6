// What the accounts domain does, counted: sign-ins, rate-limit refusals, the wait for a password
// hash, the mail outbox. The rules in accounts/ are not edited for it: sign-ins come from the
// account events, the rest from optional observers that deps.ts hands to the limiter, the hasher
// and the outbox worker.
import type { Logger } from "pino";
import type { AccountEvents } from "../accounts/events.js";
import type { SignInFailureMethod, SignInMethod } from "../accounts/types.js";
import { countOutboxMessages } from "../accounts/mail/outbox-store.js";
import type { RateLimitRuleName } from "../config/config.js";
import type { Db } from "../db/database.js";
import type { Metrics } from "./registry.js";

/** Plain functions, handed on as callbacks. */
export interface AccountMeters {
  rateLimitRefused: (rule: RateLimitRuleName) => void;
  hashQueueWait: (seconds: number) => void;
  outboxDeliveryFailed: (failure: { isFinal: boolean }) => void;
  /** Counts sign-ins from now on. */
  observeSignIns: (events: AccountEvents) => void;
}

/** Label values are snake_case like the names: signInPerIp → sign_in_per_ip. */
function snakeCase(name: string): string {
  return name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}

const SIGN_IN_METHODS = [
  "password",
  "email_link",
  "passkey",
  "admin",
] as const satisfies readonly SignInMethod[];
const SIGN_IN_FAILURE_METHODS = [
  "password",
  "email_link",
  "second_factor",
  "passkey",
  "admin",
] as const satisfies readonly SignInFailureMethod[];

/** A hash waits for a free slot behind other callers' (fair-limiter.ts): up to seconds at peak. */
const HASH_WAIT_BUCKETS_SECONDS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export function createAccountMeters(
  metrics: Metrics,
  deps: { db: Db; log: Pick<Logger, "warn">; rateLimitRules: readonly RateLimitRuleName[] },
): AccountMeters {
  const signIns = metrics.counter({
    name: "gatehouse_sign_ins_total",
    help:
      "Sign-ins by result (success: a session opened; failure: wrong credentials, code or " +
      "passkey) and method",
    labelNames: ["result", "method"],
  });
  const refusals = metrics.counter({
    name: "gatehouse_rate_limit_refusals_total",
    help: "Attempts refused by a rate limit, by limit (one attempt may exceed two)",
    labelNames: ["limit"],
  });
  const hashWait = metrics.histogram({
    name: "gatehouse_password_hash_queue_wait_seconds",
    help: "Time a password hash or check waited for a hashing slot",
    buckets: HASH_WAIT_BUCKETS_SECONDS,
  });
  const deliveryFailures = metrics.counter({
    name: "gatehouse_mail_outbox_delivery_failures_total",
    help: "Failed deliveries of queued mail; final: no attempt is left",
    labelNames: ["final"],
  });
  metrics.gauge({
    name: "gatehouse_mail_outbox_queue_depth",
    // Every worker reads the same table: the cluster's figure is any one's, not their sum.
    aggregator: "max",
    help: "Queued mails not yet sent (failed for good ones excluded)",
    async collect() {
      try {
        this.set(await countOutboxMessages(deps.db, "pending"));
      } catch (error) {
        // A scrape still shows the rest; NaN says this figure is unknown rather than stale.
        deps.log.warn({ err: error }, "metrics: the outbox could not be counted");
        this.set(Number.NaN);
      }
    },
  });
  // Zero from the start, so that a rate over the first event is not lost.
  for (const method of SIGN_IN_METHODS) signIns.inc({ result: "success", method }, 0);
  for (const method of SIGN_IN_FAILURE_METHODS) signIns.inc({ result: "failure", method }, 0);
  for (const rule of deps.rateLimitRules) refusals.inc({ limit: snakeCase(rule) }, 0);
  for (const final of ["true", "false"]) deliveryFailures.inc({ final }, 0);
  return {
    rateLimitRefused: (rule) => {
      refusals.inc({ limit: snakeCase(rule) });
    },
    hashQueueWait: (seconds) => {
      hashWait.observe(seconds);
    },
    outboxDeliveryFailed: ({ isFinal }) => {
      deliveryFailures.inc({ final: String(isFinal) });
    },
    observeSignIns: (events) => {
      events.on("user_logged_in", ({ method }) => {
        signIns.inc({ result: "success", method });
      });
      events.on("user_login_failed", ({ method }) => {
        signIns.inc({ result: "failure", method });
      });
    },
  };
}
