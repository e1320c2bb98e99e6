// The UTS #39 skeleton of each username, so a look-alike of an existing name (Cyrillic "а" for
// Latin "a") is found by an index instead of a scan. Not unique: existing rows may already hold
// look-alikes, and refusing them is the forms' job. Frozen in time: typed against Kysely<any>,
// importing no application code; the skeleton below must stay the one accounts/validation.ts takes.
import { sql, type Kysely } from "kysely";
import unhomoglyph from "unhomoglyph";

const BATCH_SIZE = 500;

// https://www.unicode.org/reports/tr39/#Confusable_Detection, of the case-folded NFKC name.
function usernameSkeleton(username: string): string {
  const folded = username.normalize("NFKC").toLowerCase().normalize("NFD");
  return unhomoglyph(folded.replace(/\p{Default_Ignorable_Code_Point}/gu, "")).normalize("NFD");
}

async function backfill(db: Kysely<any>): Promise<void> {
  let afterId = 0;
  for (;;) {
    const rows: { id: number; username: string }[] = await db
      .selectFrom("users")
      .select(["id", "username"])
      .where("id", ">", afterId)
      .orderBy("id")
      .limit(BATCH_SIZE)
      .execute();
    const last = rows.at(-1);
    if (last === undefined) return;
    // One statement a batch: a row-by-row update of a million users takes minutes.
    const cases = rows.map((row) => sql`when ${row.id} then ${usernameSkeleton(row.username)}`);
    await sql`update users set username_skeleton = case id ${sql.join(cases, sql` `)} end
      where id in (${sql.join(rows.map((row) => row.id))})`.execute(db);
    afterId = last.id;
  }
}

export async function up(db: Kysely<any>): Promise<void> {
  // Skeletons can be longer than the name ("m" becomes "rn"), hence text, not varchar(150).
  await db.schema
    .alterTable("users")
    .addColumn("username_skeleton", "text", (c) => c.notNull().defaultTo(""))
    .execute();
  await backfill(db);
  await db.schema
    .createIndex("users_username_skeleton")
    .on("users")
    .column("username_skeleton")
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex("users_username_skeleton").execute();
  await db.schema.alterTable("users").dropColumn("username_skeleton").execute();
}
