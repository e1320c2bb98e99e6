// Kysely's migration lock as a leased row: behind a transaction-mode pooler, its session advisory
// lock would stay on a pooled connection and hold up every later migrating start.
import { PostgresAdapter, PostgresDialect, sql, type Kysely } from "kysely";

// Long enough for the slowest migration (a backfill over every user); a crashed holder blocks
// others at most this long.
const MIGRATION_LEASE_SECONDS = 600;
const MIGRATION_LOCK_WAIT_MS = 10 * 60_000;

/**
 * Kysely's migration lock is a session advisory lock, taken and released in two statements;
 * behind a transaction-mode pooler they run on different server connections, so the release
 * misses and the lock stays on a pooled connection, where every later migrating start waits
 * for it (an hour, Kysely's timeout). This lock is a leased row instead: each statement stands
 * alone, and a process that dies holding it gives it up when the lease ends.
 */
class LeaseLockPostgresAdapter extends PostgresAdapter {
  override async acquireMigrationLock(db: Kysely<unknown>): Promise<void> {
    await sql`create table if not exists gatehouse_migration_lock (
      id integer primary key, locked_until timestamptz not null)`.execute(db);
    const deadline = Date.now() + MIGRATION_LOCK_WAIT_MS;
    for (;;) {
      const { rows } = await sql`insert into gatehouse_migration_lock (id, locked_until)
        values (1, now() + make_interval(secs => ${MIGRATION_LEASE_SECONDS}))
        on conflict (id) do update set locked_until = excluded.locked_until
        where gatehouse_migration_lock.locked_until < now()
        returning id`.execute(db);
      if (rows.length > 0) return;
      if (Date.now() > deadline) throw new Error("timed out waiting for the migration lock");
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  override async releaseMigrationLock(db: Kysely<unknown>): Promise<void> {
    await sql`update gatehouse_migration_lock set locked_until = now() - interval '1 second'
      where id = 1`.execute(db);
  }
}

export class PoolerSafePostgresDialect extends PostgresDialect {
  override createAdapter(): PostgresAdapter {
    return new LeaseLockPostgresAdapter();
  }
}
