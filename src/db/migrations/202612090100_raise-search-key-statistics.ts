// Finer statistics on the folded keys the users filter searches by substring (`username_Icontains`,
// `email_Icontains`), PostgreSQL only. The planner guesses how many rows `like '%word%'` matches by
// trying the word on the column's histogram, a sample of its values, and then either walks the
// primary key until it has a page or fetches every match through the trigram index and sorts them.
// With the default 100 entries a name that a few thousand of a million users share looks as rare
// as a unique one: its matches were fetched and sorted (25–30 ms warm, up to 260 ms cold;
// bench/README.md, "Users filter") where the walk finds a page in 2 ms. With 1,000, a name shared
// by 335 looked three times commoner and was walked (25 ms) rather than fetched (1 ms). 10,000
// entries, the most PostgreSQL keeps, tell 0.01 % apart, for about half a millisecond more of
// planning per search and a few seconds more of ANALYZE on a million users. SQLite keeps no such
// statistics. Frozen in time: typed against Kysely<any>.
import { PostgresAdapter, sql, type Kysely } from "kysely";

const SEARCH_KEYS = ["username_key", "email_key"];

async function setStatistics(db: Kysely<any>, target: number): Promise<void> {
  for (const column of SEARCH_KEYS) {
    await sql`alter table users alter column ${sql.id(column)} set statistics ${sql.lit(target)}`.execute(
      db,
    );
  }
}

export async function up(db: Kysely<any>): Promise<void> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
  await setStatistics(db, 10_000);
  // The finer histograms exist after the next ANALYZE, which autovacuum may not run for a long
  // time on a table that is mostly read.
  await sql`analyze users (username_key, email_key)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
  // -1: back to default_statistics_target.
  await setStatistics(db, -1);
}
