// Waiting for the dispatcher: the first delivery matching a test's predicate that has been
// attempted at least once, as the admin's list shows it.
import {
  listDeliveries,
  type DeliveryListing,
} from "../../src/accounts/webhooks/deliveries-store.js";
import type { Db } from "../../src/db/database.js";

export async function anAttemptedDelivery(
  db: Db,
  matches: (delivery: DeliveryListing) => boolean,
): Promise<DeliveryListing> {
  for (let tries = 0; tries < 200; tries += 1) {
    const found = (await listDeliveries(db, { limit: 50 })).find(
      (delivery) => delivery.attempts > 0 && matches(delivery),
    );
    if (found !== undefined) return found;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error("no matching delivery was attempted in time");
}
