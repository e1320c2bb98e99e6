// SQL for the import's own tables: django_import_map (Django id → our id, with the digests of
// what was imported) and django_import_state (the checkpoint of the run under way).
import { PostgresAdapter, sql } from "kysely";
import type { Db } from "../../db/database.js";
import { toDate } from "../../db/values.js";
import type { ImportPhase } from "./report.js";

export type MappingKind = "user" | "group" | "refresh_token" | "admin_log";

export interface Mapping {
  djangoId: number;
  ourId: number;
  layout: number;
  digests: string;
}

export interface ImportState {
  source: string;
  userModel: string;
  phase: string;
  afterId: number;
  startedAt: Date;
  finishedAt: Date | null;
  layouts: string[][];
}

const LOCK_KEY = "gatehouse:import-django";

/**
 * Runs `work` on one connection holding a session lock (PostgreSQL), so two imports never run
 * at once; a killed import's lock ends with its connection. SQLite has one writer anyway.
 *
 * The session also runs without bitmap scans. The import looks users up by their unique keys, a
 * batch at a time, and pg_trgm's GIN indexes on the same columns answer `=` too (only through
 * bitmap scans): once the statistics of a larger table made them look cheaper, the planner took
 * them, and with the trigrams the names share, 1,000 usernames took 13 s instead of 4 ms through
 * the unique index (bench, 230,000 users). Every lookup of an import is by key, which plain index
 * scans serve.
 */
export async function withImportLock<T>(db: Db, work: (db: Db) => Promise<T>): Promise<T> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return work(db);
  return db.connection().execute(async (connection) => {
    const { rows } = await sql<{ locked: boolean }>`
      select pg_try_advisory_lock(hashtext(${LOCK_KEY})) as locked`.execute(connection);
    if (rows[0]?.locked !== true)
      throw new Error("Another import-django is running on this database; wait for it to end.");
    try {
      await sql`set enable_bitmapscan = off`.execute(connection);
      return await work(connection);
    } finally {
      await sql`reset enable_bitmapscan`.execute(connection);
      await sql`select pg_advisory_unlock(hashtext(${LOCK_KEY}))`.execute(connection);
    }
  });
}

/**
 * A batch may wait on index maintenance (PostgreSQL's trigram indexes on a large users table):
 * DATABASE_STATEMENT_TIMEOUT guards requests, not this batch job, so it is lifted for the
 * batch's transaction only.
 */
export async function liftStatementTimeout(tx: Db): Promise<void> {
  if (tx.getExecutor().adapter instanceof PostgresAdapter)
    await sql`set local statement_timeout = 0`.execute(tx);
}

// The tables each phase fills. Users are not written after their phase, and ANALYZE users is the
// costly one (a second on 100,000 users), so later phases leave their statistics alone.
const FILLED_TABLES: Record<ImportPhase, string[]> = {
  groups: ["groups", "group_permissions", "django_import_map"],
  users: ["users", "user_status", "user_groups", "user_permissions", "django_import_map"],
  refresh_tokens: ["refresh_tokens", "django_import_map"],
  admin_log: ["admin_log", "django_import_map"],
};

/**
 * Refreshes PostgreSQL's statistics of the tables a phase fills. They start out describing
 * nearly empty tables, and with them the planner answers `username_key in (…2,000 keys)` with a
 * scan of the whole table: batches slowed from milliseconds to seconds past 200,000 users.
 */
export async function analyzeImportedTables(db: Db, phase: ImportPhase): Promise<void> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
  const tables = FILLED_TABLES[phase].map((table) => sql.table(table));
  await sql`analyze ${sql.join(tables)}`.execute(db);
}

export async function findImportState(db: Db): Promise<ImportState | undefined> {
  const row = await db
    .selectFrom("django_import_state")
    .selectAll()
    .where("id", "=", 1)
    .executeTakeFirst();
  if (row === undefined) return undefined;
  return {
    source: row.source,
    userModel: row.user_model,
    phase: row.phase,
    afterId: row.after_id,
    startedAt: toDate(row.started_at),
    finishedAt: row.finished_at === null ? null : toDate(row.finished_at),
    layouts: JSON.parse(row.layouts) as string[][],
  };
}

export async function saveImportState(db: Db, state: ImportState): Promise<void> {
  const values = {
    source: state.source.slice(0, 255),
    user_model: state.userModel,
    phase: state.phase,
    after_id: state.afterId,
    started_at: state.startedAt,
    finished_at: state.finishedAt,
    layouts: JSON.stringify(state.layouts),
  };
  await db
    .insertInto("django_import_state")
    .values({ id: 1, ...values })
    .onConflict((conflict) => conflict.column("id").doUpdateSet(values))
    .execute();
}

/** The checkpoint only: written in the transaction of each batch. */
export async function saveCheckpoint(db: Db, phase: string, afterId: number): Promise<void> {
  await db
    .updateTable("django_import_state")
    .set({ phase, after_id: afterId })
    .where("id", "=", 1)
    .execute();
}

/**
 * Django ids for `django_id in (…)`. PostgreSQL gets them as one array, unnested: given 1,000 ids
 * as a list, the planner read the whole map for each batch (a sequential scan, 70 ms at 150,000
 * mapped rows and growing with the map) where probing its primary key takes 3 ms.
 */
function djangoIdList(db: Db, djangoIds: readonly number[]) {
  return db.getExecutor().adapter instanceof PostgresAdapter
    ? sql<number>`(select unnest(${[...djangoIds]}::bigint[]))`
    : djangoIds;
}

export async function findMappings(
  db: Db,
  kind: MappingKind,
  djangoIds: readonly number[],
): Promise<Map<number, Mapping>> {
  if (djangoIds.length === 0) return new Map();
  const rows = await db
    .selectFrom("django_import_map")
    .select(["django_id", "our_id", "layout", "digests"])
    .where("kind", "=", kind)
    .where("django_id", "in", djangoIdList(db, djangoIds))
    .execute();
  return new Map(
    rows.map((row) => [
      row.django_id,
      {
        djangoId: row.django_id,
        ourId: row.our_id,
        layout: row.layout,
        digests: row.digests,
      },
    ]),
  );
}

/** Imported users by Django id, with whether our row still exists (it may have been deleted here). */
export async function findUserMappings(
  db: Db,
  djangoIds: readonly number[],
): Promise<Map<number, Mapping & { isPresent: boolean }>> {
  if (djangoIds.length === 0) return new Map();
  const rows = await db
    .selectFrom("django_import_map")
    .leftJoin("users", "users.id", "django_import_map.our_id")
    .select([
      "django_import_map.django_id",
      "django_import_map.our_id",
      "django_import_map.layout",
      "django_import_map.digests",
      "users.id as present_id",
    ])
    .where("django_import_map.kind", "=", "user")
    .where("django_import_map.django_id", "in", djangoIdList(db, djangoIds))
    .execute();
  return new Map(
    rows.map((row) => [
      row.django_id,
      {
        djangoId: row.django_id,
        ourId: row.our_id,
        layout: row.layout,
        digests: row.digests,
        isPresent: row.present_id !== null,
      },
    ]),
  );
}

export async function findAllMappings(db: Db, kind: MappingKind): Promise<Map<number, number>> {
  const rows = await db
    .selectFrom("django_import_map")
    .select(["django_id", "our_id"])
    .where("kind", "=", kind)
    .execute();
  return new Map(rows.map((row) => [row.django_id, row.our_id]));
}

const ROWS_PER_INSERT = 2000;

export async function insertMappings(
  db: Db,
  kind: MappingKind,
  mappings: readonly Mapping[],
): Promise<void> {
  for (let start = 0; start < mappings.length; start += ROWS_PER_INSERT) {
    const chunk = mappings.slice(start, start + ROWS_PER_INSERT);
    await db
      .insertInto("django_import_map")
      .values(
        chunk.map((mapping) => ({
          kind,
          django_id: mapping.djangoId,
          our_id: mapping.ourId,
          layout: mapping.layout,
          digests: mapping.digests,
        })),
      )
      .execute();
  }
}

export async function updateMapping(db: Db, kind: MappingKind, mapping: Mapping): Promise<void> {
  await db
    .updateTable("django_import_map")
    .set({ our_id: mapping.ourId, layout: mapping.layout, digests: mapping.digests })
    .where("kind", "=", kind)
    .where("django_id", "=", mapping.djangoId)
    .execute();
}
