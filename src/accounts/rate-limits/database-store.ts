// SQL for the rate-limit counters when no Redis is configured (SPEC §11.4): one row per counter
// and window, incremented atomically by one upsert, so every server process on the database
// shares them. Rows of finished windows are deleted now and then by the processes that count.
import type { Clock } from "../types.js";
import type { RateLimitStore } from "./limiter.js";
import type { Db } from "../../db/database.js";

/** Adds one hit to the bucket (creating it) and returns its count; one statement, so atomic. */
async function incrementRateLimitCounter(db: Db, bucket: string, expiresAt: Date): Promise<number> {
  const row = await db
    .insertInto("rate_limit_counters")
    .values({ bucket, hits: 1, expires_at: expiresAt })
    .onConflict((conflict) =>
      conflict
        .column("bucket")
        .doUpdateSet((eb) => ({ hits: eb("rate_limit_counters.hits", "+", 1) })),
    )
    .returning("hits")
    .executeTakeFirstOrThrow();
  return row.hits;
}

async function deleteExpiredRateLimitCounters(db: Db, now: Date): Promise<number> {
  const result = await db
    .deleteFrom("rate_limit_counters")
    .where("expires_at", "<=", now)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

const CLEANUP_INTERVAL_MS = 60_000;

/** Counters in the database; each process clears finished windows at most once a minute. */
export function createSqlRateLimitStore(db: Db, clock: Clock): RateLimitStore {
  let nextCleanupMs = 0;
  return {
    async hit(bucket, window) {
      const nowMs = clock.now().getTime();
      if (nowMs >= nextCleanupMs) {
        nextCleanupMs = nowMs + CLEANUP_INTERVAL_MS;
        await deleteExpiredRateLimitCounters(db, new Date(nowMs));
      }
      return incrementRateLimitCounter(db, bucket, window.endsAt);
    },
    close: () => Promise.resolve(),
  };
}
