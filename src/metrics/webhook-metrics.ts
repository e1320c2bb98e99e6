// Webhooks, counted: deliveries waiting (pending, due or backing off) and failed attempts. The
// dispatcher is handed one observer; the depth is read at scrape time.
import type { Logger } from "pino";
import { countDeliveries } from "../accounts/webhooks/deliveries-store.js";
import type { Db } from "../db/database.js";
import type { Metrics } from "./registry.js";

export function createWebhookMeters(
  metrics: Metrics,
  deps: { db: Db; log: Pick<Logger, "warn"> },
): { deliveryFailed: (failure: { isFinal: boolean }) => void } {
  const failures = metrics.counter({
    name: "gatehouse_webhook_delivery_failures_total",
    help: "Failed webhook delivery attempts; final: the delivery is marked failed",
    labelNames: ["final"],
  });
  for (const final of ["true", "false"]) failures.inc({ final }, 0);
  for (const status of ["pending", "failed"] as const) {
    metrics.gauge({
      name: `gatehouse_webhook_deliveries_${status}`,
      // Every worker reads the same table: the cluster's figure is any one's, not their sum.
      aggregator: "max",
      help:
        status === "pending"
          ? "Webhook deliveries not yet made (the queue depth)"
          : "Webhook deliveries that ran out of attempts and wait for a replay",
      async collect() {
        try {
          this.set(await countDeliveries(deps.db, status));
        } catch (error) {
          deps.log.warn({ err: error }, "metrics: the webhook deliveries could not be counted");
          this.set(Number.NaN);
        }
      },
    });
  }
  return {
    deliveryFailed: ({ isFinal }) => {
      failures.inc({ final: String(isFinal) });
    },
  };
}
