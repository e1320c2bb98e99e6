// Access tokens carry the user's id and this version in their header; every revocation (password
// change, logout everywhere, refresh-token reuse, rename) increments it, so a token stops working
// at once whatever its claims say (issue 12, item 2). Frozen in time: typed against Kysely<any>.
import type { Kysely } from "kysely";

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable("users")
    .addColumn("token_version", "integer", (c) => c.notNull().defaultTo(0))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("users").dropColumn("token_version").execute();
}
