// Webhooks (issue 19): subscriptions (from the admin or the WEBHOOKS setting), the events written
// in the transaction of the change they describe, and one delivery per event and subscription,
// retried with backoff until delivered or failed. Frozen in time: typed against Kysely<any>.
import { PostgresAdapter, sql, type Kysely } from "kysely";

export async function up(db: Kysely<any>): Promise<void> {
  const isPostgres = db.getExecutor().adapter instanceof PostgresAdapter;
  const timestamp = isPostgres ? sql`timestamptz` : sql`text`;
  const serial = (kind: "serial" | "bigserial") => (isPostgres ? sql.raw(kind) : sql`integer`);
  await db.schema
    .createTable("webhook_subscriptions")
    .addColumn("id", serial("serial"), (c) =>
      isPostgres ? c.primaryKey() : c.primaryKey().autoIncrement(),
    )
    .addColumn("url", "varchar(2000)", (c) => c.notNull())
    // The signing secret (whsec_…), sealed under SECRET_KEY: it must be read back to sign.
    .addColumn("secret", "text", (c) => c.notNull())
    // JSON list of event types; an empty list receives every type.
    .addColumn("event_types", "text", (c) => c.notNull().defaultTo("[]"))
    .addColumn("is_active", "boolean", (c) => c.notNull().defaultTo(true))
    .addColumn("description", "varchar(200)", (c) => c.notNull().defaultTo(""))
    // Set for subscriptions the WEBHOOKS setting declares: the admin shows them, the setting owns them.
    .addColumn("setting_name", "varchar(100)", (c) => c.unique())
    .addColumn("created_at", timestamp, (c) => c.notNull())
    .execute();
  await db.schema
    .createTable("webhook_events")
    .addColumn("id", serial("bigserial"), (c) =>
      isPostgres ? c.primaryKey() : c.primaryKey().autoIncrement(),
    )
    // The `webhook-id` receivers deduplicate by: the same on every attempt and every replay.
    .addColumn("message_id", "varchar(64)", (c) => c.notNull().unique())
    .addColumn("event_type", "varchar(64)", (c) => c.notNull())
    // No foreign key: a deleted user's events outlive the user.
    .addColumn("user_id", "integer")
    .addColumn("body", "text", (c) => c.notNull())
    .addColumn("created_at", timestamp, (c) => c.notNull())
    .execute();
  await db.schema
    .createTable("webhook_deliveries")
    .addColumn("id", serial("bigserial"), (c) =>
      isPostgres ? c.primaryKey() : c.primaryKey().autoIncrement(),
    )
    .addColumn("event_id", "bigint", (c) =>
      c.notNull().references("webhook_events.id").onDelete("cascade"),
    )
    .addColumn("subscription_id", "integer", (c) =>
      c.notNull().references("webhook_subscriptions.id").onDelete("cascade"),
    )
    // Copied from the event: deliveries to one subscription about one user go out in order.
    .addColumn("user_id", "integer")
    .addColumn("status", "varchar(16)", (c) => c.notNull())
    .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("next_attempt_at", timestamp, (c) => c.notNull())
    .addColumn("locked_until", timestamp)
    .addColumn("last_status", "integer")
    .addColumn("last_error", "text")
    .addColumn("delivered_at", timestamp)
    .execute();
  await db.schema
    .createIndex("webhook_deliveries_due")
    .on("webhook_deliveries")
    .columns(["status", "next_attempt_at"])
    .execute();
  await db.schema
    .createIndex("webhook_deliveries_order")
    .on("webhook_deliveries")
    .columns(["subscription_id", "user_id", "status", "id"])
    .execute();
  await db.schema
    .createIndex("webhook_deliveries_event")
    .on("webhook_deliveries")
    .column("event_id")
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("webhook_deliveries").execute();
  await db.schema.dropTable("webhook_events").execute();
  await db.schema.dropTable("webhook_subscriptions").execute();
}
