// Users, their status, refresh tokens, groups and permissions, and the mail outbox.
// Frozen in time: typed against Kysely<any> and importing no application code.
import { PostgresAdapter, sql, type Kysely } from "kysely";

// Timestamps are timestamptz on PostgreSQL and ISO-8601 text (sortable) on SQLite, which has
// no date type; ids of tables that grow without bound are 64-bit on PostgreSQL.
function dialectTypes(db: Kysely<any>) {
  const isPostgres = db.getExecutor().adapter instanceof PostgresAdapter;
  return {
    isPostgres,
    timestamp: isPostgres ? sql`timestamptz` : sql`text`,
    bigId: isPostgres ? sql`bigserial` : sql`integer`,
    id: isPostgres ? sql`serial` : sql`integer`,
  };
}

const CONTENT_TYPES: [string, string][] = [
  ["accounts.user", "user"],
  ["accounts.userstatus", "user status"],
  ["refresh_token.refreshtoken", "refresh token"],
  ["auth.group", "group"],
];

export async function up(db: Kysely<any>): Promise<void> {
  const t = dialectTypes(db);
  const autoId = (table: string) =>
    db.schema
      .createTable(table)
      .addColumn("id", t.id, (c) =>
        t.isPostgres ? c.primaryKey() : c.primaryKey().autoIncrement(),
      );

  await autoId("users")
    .addColumn("password", "varchar(128)", (c) => c.notNull())
    .addColumn("last_login", t.timestamp)
    .addColumn("is_superuser", "boolean", (c) => c.notNull().defaultTo(false))
    .addColumn("username", "varchar(150)", (c) => c.notNull().unique())
    .addColumn("username_key", "varchar(150)", (c) => c.notNull().unique())
    .addColumn("first_name", "varchar(150)", (c) => c.notNull().defaultTo(""))
    .addColumn("last_name", "varchar(150)", (c) => c.notNull().defaultTo(""))
    .addColumn("email", "varchar(255)", (c) => c.notNull())
    .addColumn("email_key", "varchar(255)", (c) => c.unique())
    .addColumn("is_staff", "boolean", (c) => c.notNull().defaultTo(false))
    .addColumn("is_active", "boolean", (c) => c.notNull().defaultTo(true))
    .addColumn("date_joined", t.timestamp, (c) => c.notNull())
    .addColumn("tokens_valid_after", "bigint", (c) => c.notNull().defaultTo(0))
    .execute();

  await db.schema
    .createTable("user_status")
    .addColumn("user_id", "integer", (c) =>
      c.primaryKey().references("users.id").onDelete("cascade"),
    )
    .addColumn("verified", "boolean", (c) => c.notNull().defaultTo(false))
    .addColumn("archived", "boolean", (c) => c.notNull().defaultTo(false))
    .addColumn("secondary_email", "varchar(254)")
    .addColumn("secondary_email_key", "varchar(254)", (c) => c.unique())
    .execute();

  await db.schema
    .createTable("refresh_tokens")
    .addColumn("id", t.bigId, (c) =>
      t.isPostgres ? c.primaryKey() : c.primaryKey().autoIncrement(),
    )
    .addColumn("user_id", "integer", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("token_digest", "char(64)", (c) => c.notNull().unique())
    .addColumn("token_prefix", "varchar(8)", (c) => c.notNull())
    .addColumn("created", t.timestamp, (c) => c.notNull())
    .addColumn("revoked", t.timestamp)
    .addColumn("replaced_by_id", "bigint")
    .execute();
  await db.schema
    .createIndex("refresh_tokens_user_id")
    .on("refresh_tokens")
    .column("user_id")
    .execute();
  await db.schema
    .createIndex("refresh_tokens_prefix")
    .on("refresh_tokens")
    .column("token_prefix")
    .execute();
  await db.schema
    .createIndex("refresh_tokens_created")
    .on("refresh_tokens")
    .column("created")
    .execute();

  await autoId("groups")
    .addColumn("name", "varchar(150)", (c) => c.notNull().unique())
    .execute();
  await autoId("permissions")
    .addColumn("name", "varchar(255)", (c) => c.notNull())
    .addColumn("codename", "varchar(100)", (c) => c.notNull())
    .addColumn("content_type", "varchar(100)", (c) => c.notNull())
    .addUniqueConstraint("permissions_content_type_codename", ["content_type", "codename"])
    .execute();
  const link = (table: string, left: [string, string], right: [string, string]) =>
    db.schema
      .createTable(table)
      .addColumn(left[0], "integer", (c) => c.notNull().references(left[1]).onDelete("cascade"))
      .addColumn(right[0], "integer", (c) => c.notNull().references(right[1]).onDelete("cascade"))
      .addPrimaryKeyConstraint(`${table}_pkey`, [left[0], right[0]])
      .execute();
  await link("group_permissions", ["group_id", "groups.id"], ["permission_id", "permissions.id"]);
  await link("user_groups", ["user_id", "users.id"], ["group_id", "groups.id"]);
  await link("user_permissions", ["user_id", "users.id"], ["permission_id", "permissions.id"]);

  const permissions = CONTENT_TYPES.flatMap(([contentType, label]) =>
    ["add", "change", "delete", "view"].map((action) => ({
      name: `Can ${action} ${label}`,
      codename: `${action}_${contentType.split(".")[1] ?? contentType}`,
      content_type: contentType,
    })),
  );
  await db.insertInto("permissions").values(permissions).execute();

  await db.schema
    .createTable("mail_outbox")
    .addColumn("id", t.bigId, (c) =>
      t.isPostgres ? c.primaryKey() : c.primaryKey().autoIncrement(),
    )
    .addColumn("created_at", t.timestamp, (c) => c.notNull())
    .addColumn("recipients", "text", (c) => c.notNull())
    .addColumn("subject", "text", (c) => c.notNull())
    .addColumn("text_body", "text", (c) => c.notNull())
    .addColumn("html_body", "text", (c) => c.notNull())
    .addColumn("status", "varchar(16)", (c) => c.notNull())
    .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("next_attempt_at", t.timestamp, (c) => c.notNull())
    .addColumn("locked_until", t.timestamp)
    .addColumn("last_error", "text")
    .addColumn("sent_at", t.timestamp)
    .execute();
  await db.schema
    .createIndex("mail_outbox_due")
    .on("mail_outbox")
    .columns(["status", "next_attempt_at"])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    "mail_outbox",
    "user_permissions",
    "user_groups",
    "group_permissions",
    "permissions",
    "groups",
    "refresh_tokens",
    "user_status",
    "users",
  ]) {
    await db.schema.dropTable(table).execute();
  }
}
