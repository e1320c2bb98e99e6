// Rate-limit counters in Redis (REDIS_URL), shared by every server process: one key per counter
// and window, INCR and PEXPIRE in one Lua script so a key never lives without its expiry.
// Commands fail fast while Redis is unreachable (no offline queue, a short timeout), so the
// caller can count elsewhere (see withDatabaseFallback) instead of making sign-ins wait.
import { Redis } from "ioredis";
import type { Logger } from "pino";
import type { RateLimitStore } from "./limiter.js";

const HIT_SCRIPT = `
local hits = redis.call('INCR', KEYS[1])
if hits == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return hits`;

/** How long a request may wait for Redis before its attempt is counted elsewhere. */
const COMMAND_TIMEOUT_MS = 500;
const CONNECT_TIMEOUT_MS = 2000;

export function createRedisRateLimitStore(options: {
  url: string;
  keyPrefix: string;
  log: Logger;
}): RateLimitStore {
  const { log } = options;
  const redis = new Redis(options.url, {
    enableOfflineQueue: false,
    commandTimeout: COMMAND_TIMEOUT_MS,
    connectTimeout: CONNECT_TIMEOUT_MS,
    maxRetriesPerRequest: 0,
    // Connect on the first hit: one-shot CLI commands never need Redis.
    lazyConnect: true,
  });
  // Requests that arrive while the first connection is being made wait for it; after that, a
  // lost connection fails commands at once while ioredis reconnects in the background.
  let firstConnection: Promise<void> | undefined;
  let isDown = false;
  redis.on("error", (error: Error) => {
    if (!isDown) log.warn({ err: error }, "rate limits: Redis connection failed");
    isDown = true;
  });
  redis.on("ready", () => {
    isDown = false;
  });
  return {
    async hit(bucket, window) {
      firstConnection ??= redis.connect().catch(() => undefined);
      await firstConnection;
      const hits = await redis.eval(
        HIT_SCRIPT,
        1,
        `${options.keyPrefix}rate-limit:${bucket}`,
        window.lengthMs,
      );
      return Number(hits);
    },
    async close() {
      if (redis.status !== "ready") {
        redis.disconnect();
        return;
      }
      await redis.quit().catch(() => {
        redis.disconnect();
      });
    },
  };
}
