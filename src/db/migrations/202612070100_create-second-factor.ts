// The second factor (issue 16): one TOTP secret per user, encrypted (accounts/second-factor/
// secret-box.ts), pending until confirmed with a code; and the user's single-use recovery codes,
// stored as SHA-256 digests. Frozen in time: typed against Kysely<any>, importing no app code.
import { PostgresAdapter, sql, type Kysely } from "kysely";

export async function up(db: Kysely<any>): Promise<void> {
  const isPostgres = db.getExecutor().adapter instanceof PostgresAdapter;
  const timestamp = isPostgres ? sql`timestamptz` : sql`text`;
  const bigId = isPostgres ? sql`bigserial` : sql`integer`;
  await db.schema
    .createTable("totp_secrets")
    .addColumn("user_id", "integer", (c) =>
      c.primaryKey().references("users.id").onDelete("cascade"),
    )
    .addColumn("secret_ciphertext", "varchar(200)", (c) => c.notNull())
    .addColumn("created_at", timestamp, (c) => c.notNull())
    // Null while set up but not confirmed: sign-in asks for a code only once it is set.
    .addColumn("confirmed_at", timestamp)
    // The last 30-second step a code was accepted for: a code is never accepted twice.
    .addColumn("last_used_step", "integer")
    .execute();
  await db.schema
    .createTable("recovery_codes")
    .addColumn("id", bigId, (c) => (isPostgres ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn("user_id", "integer", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("code_digest", "char(64)", (c) => c.notNull())
    .addColumn("created_at", timestamp, (c) => c.notNull())
    .addColumn("used_at", timestamp)
    .addUniqueConstraint("recovery_codes_user_digest", ["user_id", "code_digest"])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("recovery_codes").execute();
  await db.schema.dropTable("totp_secrets").execute();
}
