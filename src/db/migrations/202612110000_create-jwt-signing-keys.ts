// The JWT signing keys Gatehouse made itself (issue 19: JWT_ALGORITHM EdDSA/ES*/RS* without a
// configured key). Every server process reads them, so all agree on the current key: the newest
// whose activation time has come. The private half is stored encrypted under SECRET_KEY. Frozen
// in time: typed against Kysely<any>.
import { PostgresAdapter, sql, type Kysely } from "kysely";

export async function up(db: Kysely<any>): Promise<void> {
  const isPostgres = db.getExecutor().adapter instanceof PostgresAdapter;
  const timestamp = isPostgres ? sql`timestamptz` : sql`text`;
  await db.schema
    .createTable("jwt_signing_keys")
    .addColumn("kid", "varchar(64)", (c) => c.primaryKey())
    .addColumn("algorithm", "varchar(16)", (c) => c.notNull())
    .addColumn("public_key", "text", (c) => c.notNull())
    .addColumn("private_key", "text", (c) => c.notNull())
    .addColumn("created_at", timestamp, (c) => c.notNull())
    .addColumn("activates_at", timestamp, (c) => c.notNull())
    .execute();
  // Server processes starting together on an empty table each make a first key, all activating
  // at the same instant: this index lets one insert win and the others read it.
  await db.schema
    .createIndex("jwt_signing_keys_activation")
    .on("jwt_signing_keys")
    .columns(["algorithm", "activates_at"])
    .unique()
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("jwt_signing_keys").execute();
}
