// Webhook subscriptions: those the admin adds and those the WEBHOOKS setting declares, which every
// server process writes into the table at start (the setting owns them: the admin shows them but
// cannot change them), so deliveries name one row whichever side made it.
import type { Config } from "../../config/config.js";
import type { ReceiverAddressPolicy } from "../../config/webhook-networks.js";
import type { WebhookEventType } from "../../config/webhooks.js";
import type { Db } from "../../db/database.js";
import type { Clock } from "../types.js";
import { receiverUrlProblem } from "./receiver-url.js";
import { isWebhookSecret, newWebhookSecret } from "./signing.js";
import { sealSubscriptionSecret } from "./subscription-secrets.js";
import { FieldErrors, MESSAGES } from "../errors.js";
import { permissionDenied, type AdminViewer } from "../staff/access.js";
import {
  deleteDeliveredEventsBefore,
  listDeliveries,
  requeueFailedDelivery,
  type DeliveryListing,
} from "./deliveries-store.js";
import {
  deactivateUndeclaredSubscriptions,
  deleteSubscription,
  findSubscription,
  findSubscriptionBySettingName,
  insertSubscription,
  listSubscriptions,
  updateSubscription,
  type StoredSubscription,
  type SubscriptionValues,
} from "./subscriptions-store.js";

interface SubscriptionDeps {
  config: Config;
  db: Db;
  clock: Clock;
  receiverAddresses: ReceiverAddressPolicy;
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
  /** A secret the receiver already has (moving it here); blank: Gatehouse makes one. */
  secret: string;
}

/** Receivers get every user's data: only superusers manage them. */
export function mayManageWebhooks(viewer: AdminViewer): boolean {
  return viewer.user.isSuperuser;
}

export function requireWebhookAdmin(viewer: AdminViewer): void {
  if (!mayManageWebhooks(viewer)) throw permissionDenied();
}

const URL_MAX_LENGTH = 2000;
const DESCRIPTION_MAX_LENGTH = 200;

function cleanForm(
  deps: SubscriptionDeps,
  form: SubscriptionForm,
): SubscriptionValues & { secret: string | undefined } {
  const url = form.url.trim();
  const description = form.description.trim();
  const secret = form.secret.trim() === "" ? undefined : form.secret.trim();
  const errors = new FieldErrors();
  if (url.length > URL_MAX_LENGTH) {
    errors.add("url", MESSAGES.maxLength(URL_MAX_LENGTH, url.length));
  } else {
    const problem =
      receiverUrlProblem(url, deps.config.environment !== "production") ??
      deps.receiverAddresses.urlProblem(url);
    if (problem !== undefined) errors.add("url", MESSAGES.invalidWebhookUrl(problem));
  }
  if (description.length > DESCRIPTION_MAX_LENGTH) {
    errors.add("description", MESSAGES.maxLength(DESCRIPTION_MAX_LENGTH, description.length));
  }
  if (secret !== undefined && !isWebhookSecret(secret)) {
    errors.add("secret", MESSAGES.invalidWebhookSecret());
  }
  errors.throwIfAny();
  return {
    url,
    description,
    eventTypes: [...new Set(form.eventTypes)],
    isActive: form.isActive,
    secret,
  };
}

export async function listWebhookSubscriptions(
  deps: SubscriptionDeps,
  viewer: AdminViewer,
): Promise<StoredSubscription[]> {
  requireWebhookAdmin(viewer);
  return listSubscriptions(deps.db);
}

export async function getWebhookSubscription(
  deps: SubscriptionDeps,
  viewer: AdminViewer,
  id: number,
): Promise<StoredSubscription | undefined> {
  requireWebhookAdmin(viewer);
  return findSubscription(deps.db, id);
}

/**
 * Adds a subscription; returns its id and, when Gatehouse made the secret, that secret, which the
 * admin shows this once.
 */
export async function addSubscription(
  deps: SubscriptionDeps,
  viewer: AdminViewer,
  form: SubscriptionForm,
): Promise<{ id: number; madeSecret: string | undefined }> {
  requireWebhookAdmin(viewer);
  const { secret: givenSecret, ...values } = cleanForm(deps, form);
  const secret = givenSecret ?? newWebhookSecret();
  const id = await deps.db
    .transaction()
    .execute((tx) =>
      insertSubscription(tx, { ...values, settingName: null, createdAt: deps.clock.now() }, (id) =>
        sealSubscriptionSecret(deps.config, id, secret),
      ),
    );
  if (id === undefined) throw new Error("subscription not inserted");
  return { id, madeSecret: givenSecret === undefined ? secret : undefined };
}

export type SubscriptionChange =
  | { outcome: "changed"; madeSecret: string | undefined }
  | { outcome: "missing" }
  | { outcome: "owned-by-setting" };

/**
 * Changes an admin-made subscription. A secret given replaces the old one; else `rotateSecret`
 * makes a new one, returned this once.
 */
export async function changeSubscription(
  deps: SubscriptionDeps,
  viewer: AdminViewer,
  id: number,
  form: SubscriptionForm & { rotateSecret: boolean },
): Promise<SubscriptionChange> {
  requireWebhookAdmin(viewer);
  const existing = await findSubscription(deps.db, id);
  if (existing === undefined) return { outcome: "missing" };
  if (existing.settingName !== null) return { outcome: "owned-by-setting" };
  const { secret: givenSecret, ...values } = cleanForm(deps, form);
  const madeSecret =
    givenSecret === undefined && form.rotateSecret ? newWebhookSecret() : undefined;
  const secret = givenSecret ?? madeSecret;
  await updateSubscription(deps.db, id, {
    ...values,
    ...(secret === undefined
      ? {}
      : { sealedSecret: sealSubscriptionSecret(deps.config, id, secret) }),
  });
  return { outcome: "changed", madeSecret };
}

/** Deletes an admin-made subscription with its deliveries; false when missing or the setting's. */
export async function removeSubscription(
  deps: SubscriptionDeps,
  viewer: AdminViewer,
  id: number,
): Promise<boolean> {
  requireWebhookAdmin(viewer);
  const existing = await findSubscription(deps.db, id);
  if (existing === undefined || existing.settingName !== null) return false;
  await deleteSubscription(deps.db, id);
  return true;
}

export async function recentDeliveries(
  deps: SubscriptionDeps,
  viewer: AdminViewer,
  filter: { status?: DeliveryListing["status"]; limit: number },
): Promise<DeliveryListing[]> {
  requireWebhookAdmin(viewer);
  return listDeliveries(deps.db, filter);
}

/** Sends a failed delivery again, under its original `webhook-id`; false unless it had failed. */
export async function replayDelivery(
  deps: SubscriptionDeps,
  viewer: AdminViewer,
  deliveryId: number,
): Promise<boolean> {
  requireWebhookAdmin(viewer);
  return requeueFailedDelivery(deps.db, deliveryId, deps.clock.now());
}

/** `gatehouse webhooks prune`: delivered events older than `olderThanSeconds` go. */
export async function pruneDeliveredEvents(
  deps: SubscriptionDeps,
  olderThanSeconds: number,
): Promise<number> {
  const cutoff = new Date(deps.clock.now().getTime() - olderThanSeconds * 1000);
  return deleteDeliveredEventsBefore(deps.db, cutoff);
}
