// SQL for webhook subscriptions: those the admin adds and those the WEBHOOKS setting declares,
// and which of them receive an event type.
import type { Selectable } from "kysely";
import type { WebhookEventType } from "../../config/webhooks.js";
import type { WebhookSubscriptionsTable } from "../../db/tables.js";
import type { Db } from "../../db/database.js";
import { toBool, toDate } from "../../db/values.js";

export interface StoredSubscription {
  id: number;
  url: string;
  sealedSecret: string;
  /** Empty: every type. */
  eventTypes: WebhookEventType[];
  isActive: boolean;
  description: string;
  settingName: string | null;
  createdAt: Date;
}

function toSubscription(row: Selectable<WebhookSubscriptionsTable>): StoredSubscription {
  return {
    id: row.id,
    url: row.url,
    sealedSecret: row.secret,
    eventTypes: JSON.parse(row.event_types) as WebhookEventType[],
    isActive: toBool(row.is_active),
    description: row.description,
    settingName: row.setting_name,
    createdAt: toDate(row.created_at),
  };
}

export async function listSubscriptions(db: Db): Promise<StoredSubscription[]> {
  const rows = await db.selectFrom("webhook_subscriptions").selectAll().orderBy("id").execute();
  return rows.map(toSubscription);
}

export async function findSubscription(
  db: Db,
  id: number,
): Promise<StoredSubscription | undefined> {
  const row = await db
    .selectFrom("webhook_subscriptions")
    .selectAll()
    .where("id", "=", id)
    .executeTakeFirst();
  return row === undefined ? undefined : toSubscription(row);
}

export async function findSubscriptionBySettingName(
  db: Db,
  name: string,
): Promise<StoredSubscription | undefined> {
  const row = await db
    .selectFrom("webhook_subscriptions")
    .selectAll()
    .where("setting_name", "=", name)
    .executeTakeFirst();
  return row === undefined ? undefined : toSubscription(row);
}

/** Ids of the active subscriptions that receive `type`. */
export async function findSubscribersOf(db: Db, type: WebhookEventType): Promise<number[]> {
  const rows = await db
    .selectFrom("webhook_subscriptions")
    .select(["id", "event_types"])
    .where("is_active", "=", true)
    .orderBy("id")
    .execute();
  return rows
    .filter((row) => {
      const types = JSON.parse(row.event_types) as string[];
      return types.length === 0 || types.includes(type);
    })
    .map((row) => row.id);
}

export interface SubscriptionValues {
  url: string;
  eventTypes: readonly WebhookEventType[];
  isActive: boolean;
  description: string;
}

/**
 * Inserts a subscription. The secret is sealed by `sealFor(id)` once the row has its id, which
 * the seal names, in the caller's transaction. Undefined when the setting's name was taken.
 */
export async function insertSubscription(
  tx: Db,
  values: SubscriptionValues & { settingName: string | null; createdAt: Date },
  sealFor: (id: number) => string,
): Promise<number | undefined> {
  const inserted = await tx
    .insertInto("webhook_subscriptions")
    .values({
      url: values.url,
      secret: "",
      event_types: JSON.stringify(values.eventTypes),
      is_active: values.isActive,
      description: values.description,
      setting_name: values.settingName,
      created_at: values.createdAt,
    })
    .onConflict((conflict) => conflict.column("setting_name").doNothing())
    .returning("id")
    .executeTakeFirst();
  if (inserted === undefined) return undefined;
  await tx
    .updateTable("webhook_subscriptions")
    .set({ secret: sealFor(inserted.id) })
    .where("id", "=", inserted.id)
    .execute();
  return inserted.id;
}

export async function updateSubscription(
  db: Db,
  id: number,
  values: Partial<SubscriptionValues> & { sealedSecret?: string },
): Promise<void> {
  await db
    .updateTable("webhook_subscriptions")
    .set({
      ...(values.url === undefined ? {} : { url: values.url }),
      ...(values.eventTypes === undefined
        ? {}
        : { event_types: JSON.stringify(values.eventTypes) }),
      ...(values.isActive === undefined ? {} : { is_active: values.isActive }),
      ...(values.description === undefined ? {} : { description: values.description }),
      ...(values.sealedSecret === undefined ? {} : { secret: values.sealedSecret }),
    })
    .where("id", "=", id)
    .execute();
}

export async function deleteSubscription(db: Db, id: number): Promise<void> {
  await db.deleteFrom("webhook_subscriptions").where("id", "=", id).execute();
}

/** Turns off the subscriptions a setting declared and no longer does. */
export async function deactivateUndeclaredSubscriptions(
  db: Db,
  declaredNames: readonly string[],
): Promise<void> {
  let query = db
    .updateTable("webhook_subscriptions")
    .set({ is_active: false })
    .where("setting_name", "is not", null);
  if (declaredNames.length > 0) query = query.where("setting_name", "not in", [...declaredNames]);
  await query.execute();
}
