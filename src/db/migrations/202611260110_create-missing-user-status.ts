// SPEC §2.3 [FIX]: users loaded into the database without a status row (a Django import,
// fixtures) get one, unverified and not archived, so no status read ever fails.
import { sql, type Kysely } from "kysely";

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    insert into user_status (user_id, verified, archived, secondary_email, secondary_email_key)
    select users.id, ${sql.lit(false)}, ${sql.lit(false)}, null, null
    from users left join user_status on user_status.user_id = users.id
    where user_status.user_id is null
  `.execute(db);
}

export async function down(): Promise<void> {
  // Nothing to undo: the rows are ordinary status rows now.
}
