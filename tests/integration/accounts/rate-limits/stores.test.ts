// Where the rate-limit counters live (SPEC §11.4): in Redis under REDIS_KEY_PREFIX when REDIS_URL
// is set, in the database otherwise, and in the database again while Redis cannot be reached
// (the fallback chosen in src/accounts/rate-limits/limiter.ts), so limits hold without Redis.
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:net";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { aVerifiedUser } from "../../../support/builders.js";
import { TOKEN_AUTH_USERNAME } from "../../../support/operations.js";
import { aClientIp, fromClient, startFreshWindows } from "../../../support/rate-limits.js";
import { startTestApp, testDatabases, unique, type TestApp } from "../../../support/test-app.js";

const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const WRONG_PASSWORD = "Not-The-Password-1";

async function signInErrors(app: TestApp, username: string, ip = aClientIp()) {
  const response = await app.gql(
    TOKEN_AUTH_USERNAME,
    { username, password: WRONG_PASSWORD },
    fromClient(ip),
  );
  expect(response.body.errors).toBeUndefined();
  return (response.body.data?.tokenAuth as { errors: { nonFieldErrors: { code: string }[] } })
    .errors.nonFieldErrors[0]?.code;
}

async function countersInDatabase(app: TestApp): Promise<number> {
  const rows = await app.deps.db.selectFrom("rate_limit_counters").select("bucket").execute();
  return rows.length;
}

async function redisKeys(redis: Redis, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const batch of redis.scanStream({ match: `${prefix}*`, count: 100 })) {
    keys.push(...(batch as string[]));
  }
  return keys;
}

describe.each(testDatabases())("rate-limit counters in Redis, on %s", (database) => {
  const prefix = `${unique("gatehouse-test-")}:`;
  const redis = new Redis(REDIS_URL, { lazyConnect: true });
  let app: TestApp;
  beforeAll(async () => {
    await redis.connect();
    app = await startTestApp(database, {
      RATE_LIMITS: "true",
      TRUST_PROXY: "true",
      REDIS_URL,
      REDIS_KEY_PREFIX: prefix,
    });
  });
  afterAll(async () => {
    await app.close();
    const keys = await redisKeys(redis, prefix);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  it("counts under REDIS_KEY_PREFIX, with an expiry, and nothing in the database", async () => {
    startFreshWindows(app);
    const username = unique("nobody");
    const codes = [];
    for (let attempt = 1; attempt <= 6; attempt += 1) codes.push(await signInErrors(app, username));
    expect(codes).toEqual([...Array<string>(5).fill("invalid_credentials"), "rate_limited"]);

    const keys = await redisKeys(redis, prefix);
    // One per-identifier counter, and one per-IP counter for each of the six addresses.
    expect(keys).toHaveLength(7);
    for (const key of keys) {
      expect(key).not.toContain(username); // keyed digests, not identifiers in clear
      expect(await redis.pttl(key)).toBeGreaterThan(0);
    }
    expect(await countersInDatabase(app)).toBe(0);
  });
});

describe.each(testDatabases())("rate limits without a reachable Redis, on %s", (database) => {
  let app: TestApp;
  beforeAll(async () => {
    // Nothing listens on port 1: every connection attempt is refused at once.
    app = await startTestApp(database, {
      RATE_LIMITS: "true",
      TRUST_PROXY: "true",
      REDIS_URL: "redis://127.0.0.1:1",
    });
  });
  afterAll(async () => {
    await app.close();
  });

  it("answers as usual and still limits, counting in the database", async () => {
    startFreshWindows(app);
    const user = await aVerifiedUser(app);
    const codes = [];
    for (let attempt = 1; attempt <= 6; attempt += 1) {
      codes.push(await signInErrors(app, user.username));
    }
    expect(codes).toEqual([...Array<string>(5).fill("invalid_credentials"), "rate_limited"]);
    expect(await countersInDatabase(app)).toBeGreaterThan(0);
  });
});

/** A port nothing listens on right now. */
async function aFreePort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  server.close();
  await once(server, "close");
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

/** A Redis server of this test's own, so it can be stopped (the shared one must stay up). */
async function startOwnRedis(port: number): Promise<ChildProcess> {
  const args = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"];
  const child = spawn("redis-server", args, { stdio: "ignore" });
  for (let attempt = 1; ; attempt += 1) {
    const probe = new Redis(port, "127.0.0.1", { lazyConnect: true, retryStrategy: () => null });
    probe.on("error", () => undefined); // connect() reports it
    try {
      await probe.connect();
      await probe.quit();
      return child;
    } catch (error) {
      probe.disconnect();
      if (attempt === 100) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

describe("rate limits when Redis goes away while the server runs", () => {
  let app: TestApp;
  let redisServer: ChildProcess | undefined;
  beforeAll(async () => {
    const port = await aFreePort();
    redisServer = await startOwnRedis(port);
    app = await startTestApp("sqlite", {
      RATE_LIMITS: "true",
      TRUST_PROXY: "true",
      REDIS_URL: `redis://127.0.0.1:${port}`,
    });
  });
  afterAll(async () => {
    await app.close();
    redisServer?.kill("SIGKILL");
  });

  it("moves counting to the database and keeps answering", async () => {
    startFreshWindows(app);
    const username = unique("nobody");
    expect(await signInErrors(app, username)).toBe("invalid_credentials");
    expect(await countersInDatabase(app)).toBe(0);

    const stopped = once(redisServer!, "exit");
    redisServer!.kill("SIGKILL");
    await stopped;
    // Counted in the database from here: five more attempts, then refused. The attempt made
    // while Redis was up stays there (the documented cost of a switch: up to twice the limit).
    const codes = [];
    for (let attempt = 1; attempt <= 6; attempt += 1) codes.push(await signInErrors(app, username));
    expect(codes).toEqual([...Array<string>(5).fill("invalid_credentials"), "rate_limited"]);
    expect(await countersInDatabase(app)).toBeGreaterThan(0);
  });
});

describe.each(testDatabases())("rate-limit counters in the database, on %s", (database) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(database, { RATE_LIMITS: "true", TRUST_PROXY: "true" });
  });
  afterAll(async () => {
    await app.close();
  });

  it("deletes the counters of finished windows", async () => {
    startFreshWindows(app);
    const ip = aClientIp();
    expect(await signInErrors(app, unique("nobody"), ip)).toBe("invalid_credentials");
    expect(await countersInDatabase(app)).toBe(2);

    startFreshWindows(app);
    expect(await signInErrors(app, unique("nobody"), ip)).toBe("invalid_credentials");
    // The previous hour's two counters are gone; the new attempt's two remain.
    expect(await countersInDatabase(app)).toBe(2);
  });
});
