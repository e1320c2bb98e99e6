// Webhook subscriptions: those the admin adds and those the WEBHOOKS setting declares, which every
// server process writes into the table at start (the setting owns them: the admin shows them but
// cannot change them), so deliveries name one row whichever side made it.
import type { Config } from "../../config/config.js";
import type { WebhookEventType } from "../../config/webhooks.js";
import type { Db } from "../../db/database.js";
import type { Clock } from "../types.js";
import { receiverUrlProblem } from "./receiver-url.js";
import { newWebhookSecret } from "./signing.js";
import { sealSubscriptionSecret } from "./subscription-secrets.js";
import {
  deactivateUndeclaredSubscriptions,
  findSubscription,
  findSubscriptionBySettingName,
  insertSubscription,
  requeueFailedDelivery,
  updateSubscription,
  type SubscriptionValues,
} from "./webhooks-store.js";

interface SubscriptionDeps {
  config: Config;
  db: Db;
  clock: Clock;
}

/** Writes the WEBHOOKS setting's subscriptions; those it no longer declares are turned off. */
export async function syncConfiguredWebhooks(deps: SubscriptionDeps): Promise<void> {
  const configured = deps.config.webhooks.configured;
  for (const webhook of configured) {
    const values = {
      url: webhook.url,
      eventTypes: webhook.eventTypes,
      isActive: true,
      description: `WEBHOOKS: ${webhook.name}`,
    };
    const existing = await findSubscriptionBySettingName(deps.db, webhook.name);
    if (existing !== undefined) {
      await updateSubscription(deps.db, existing.id, {
        ...values,
        sealedSecret: sealSubscriptionSecret(deps.config, existing.id, webhook.secret),
      });
      continue;
    }
    // A process starting at the same moment may write it first (the same values): then none.
    await deps.db
      .transaction()
      .execute((tx) =>
        insertSubscription(
          tx,
          { ...values, settingName: webhook.name, createdAt: deps.clock.now() },
          (id) => sealSubscriptionSecret(deps.config, id, webhook.secret),
        ),
      );
  }
  await deactivateUndeclaredSubscriptions(
    deps.db,
    configured.map((webhook) => webhook.name),
  );
}

export interface SubscriptionForm {
  url: string;
  eventTypes: WebhookEventType[];
  isActive: boolean;
  description: string;
  /** A new secret; blank on a new subscription: one is made. */
  secret?: string;
}

export class SubscriptionFormError extends Error {
  constructor(readonly problems: Record<string, string>) {
    super(Object.values(problems).join("; "));
  }
}

function checkForm(deps: SubscriptionDeps, form: SubscriptionForm): void {
  const problems: Record<string, string> = {};
  const urlProblem = receiverUrlProblem(form.url.trim(), deps.config.environment !== "production");
  if (urlProblem !== undefined) problems.url = `The URL ${urlProblem}.`;
  if (form.url.length > 2000) problems.url = "The URL is longer than 2000 characters.";
  if (form.description.length > 200) problems.description = "At most 200 characters.";
  if (Object.keys(problems).length > 0) throw new SubscriptionFormError(problems);
}

/** Adds a subscription; returns its id and its secret, which the admin shows once. */
export async function addSubscription(
  deps: SubscriptionDeps,
  form: SubscriptionForm,
): Promise<{ id: number; secret: string }> {
  checkForm(deps, form);
  const secret = newWebhookSecret();
  const values: SubscriptionValues = {
    url: form.url.trim(),
    eventTypes: form.eventTypes,
    isActive: form.isActive,
    description: form.description.trim(),
  };
  const id = await deps.db
    .transaction()
    .execute((tx) =>
      insertSubscription(tx, { ...values, settingName: null, createdAt: deps.clock.now() }, (id) =>
        sealSubscriptionSecret(deps.config, id, secret),
      ),
    );
  if (id === undefined) throw new Error("subscription not inserted");
  return { id, secret };
}

export type SubscriptionChange =
  | { outcome: "changed"; secret?: string }
  | { outcome: "missing" }
  | { outcome: "owned-by-setting" };

/** Changes an admin-made subscription; `rotateSecret` makes a new secret, returned once. */
export async function changeSubscription(
  deps: SubscriptionDeps,
  id: number,
  form: Omit<SubscriptionForm, "secret"> & { rotateSecret: boolean },
): Promise<SubscriptionChange> {
  const existing = await findSubscription(deps.db, id);
  if (existing === undefined) return { outcome: "missing" };
  if (existing.settingName !== null) return { outcome: "owned-by-setting" };
  checkForm(deps, form);
  const secret = form.rotateSecret ? newWebhookSecret() : undefined;
  await updateSubscription(deps.db, id, {
    url: form.url.trim(),
    eventTypes: form.eventTypes,
    isActive: form.isActive,
    description: form.description.trim(),
    ...(secret === undefined
      ? {}
      : { sealedSecret: sealSubscriptionSecret(deps.config, id, secret) }),
  });
  return secret === undefined ? { outcome: "changed" } : { outcome: "changed", secret };
}

/** Sends a failed delivery again, under its original `webhook-id`. */
export async function replayDelivery(deps: SubscriptionDeps, deliveryId: number): Promise<boolean> {
  return requeueFailedDelivery(deps.db, deliveryId, deps.clock.now());
}
