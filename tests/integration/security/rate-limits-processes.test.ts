// SPEC §11.4: the rate limits hold across server processes. Two real `gatehouse serve` processes
// share one database (and, in the Redis case, one Redis under a key prefix of this run); the
// attempts of each limit are spread over both, and the one past the limit is refused by either.
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase } from "../../../src/db/database.js";
import { STRONG_PASSWORD } from "../../support/builders.js";
import {
  REGISTER,
  SEND_PASSWORD_RESET_EMAIL,
  TOKEN_AUTH_USERNAME,
  VERIFY_TOKEN,
} from "../../support/operations.js";
import { aClientIp, RATE_LIMITED } from "../../support/rate-limits.js";
import { startServerProcess } from "../../support/server-process.js";
import {
  freshDatabaseUrl,
  testDatabases,
  unique,
  type TestDatabase,
} from "../../support/test-app.js";

const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const DAY_MS = 86_400_000;

interface LimitedServer {
  /** Sends one GraphQL request as the client `ip` and returns the payload of its mutation. */
  mutate(query: string, variables: Record<string, unknown>, ip: string): Promise<unknown>;
  stop(): Promise<void>;
}

async function startLimitedServer(env: Record<string, string>): Promise<LimitedServer> {
  const server = await startServerProcess({
    NODE_ENV: "test",
    SECRET_KEY: "test-secret-key-that-is-long-enough-for-tests",
    PASSWORD_HASH_MEMORY_KIB: "1024",
    PASSWORD_HASH_TIME_COST: "1",
    ...env,
  });
  return {
    async mutate(query, variables, ip) {
      const response = await fetch(server.graphqlUrl, {
        method: "POST",
        headers: { "content-type": "application/json", "x-forwarded-for": ip },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await response.json()) as { data?: Record<string, unknown>; errors?: unknown };
      expect(body.errors, server.output()).toBeUndefined();
      return Object.values(body.data ?? {})[0];
    },
    stop: () => server.stop(),
  };
}

/**
 * The processes read the real clock, so the test cannot move it: windows of a day make the
 * attempts of one run share their windows, unless the run starts right before midnight UTC.
 */
async function awayFromWindowEdge(): Promise<void> {
  const remainingMs = DAY_MS - (Date.now() % DAY_MS);
  if (remainingMs < 45_000) await new Promise((resolve) => setTimeout(resolve, remainingMs + 1000));
}

const STORES: { store: "Redis" | "the database"; database: TestDatabase }[] = [
  { store: "Redis", database: "postgres" },
  { store: "the database", database: "postgres" },
  { store: "the database", database: "sqlite" },
];

describe.each(STORES.filter(({ database }) => testDatabases().includes(database)))(
  "rate limits across two server processes, counted in $store on $database",
  ({ store, database }) => {
    const prefix = `${unique("gatehouse-test-")}:`;
    const redis = new Redis(REDIS_URL, { lazyConnect: true });
    let drop: () => Promise<void> = () => Promise.resolve();
    let databaseUrl = "";
    let a: LimitedServer | undefined;
    let b: LimitedServer | undefined;

    beforeAll(async () => {
      if (store === "Redis") await redis.connect();
      const fresh = await freshDatabaseUrl(database);
      drop = fresh.drop;
      databaseUrl = fresh.url;
      const env: Record<string, string> = {
        DATABASE_URL: databaseUrl,
        RATE_LIMITS: "true",
        TRUST_PROXY: "true",
        RATE_LIMIT_LOGIN_PER_IDENTIFIER: "5/1d",
        RATE_LIMIT_LOGIN_PER_IP: "20/1d",
        RATE_LIMIT_EMAIL_PER_ADDRESS: "3/1d",
        RATE_LIMIT_EMAIL_PER_IP: "10/1d",
        RATE_LIMIT_TOKEN_MUTATIONS_PER_IP: "30/1d",
        ...(store === "Redis" ? { REDIS_URL, REDIS_KEY_PREFIX: prefix } : {}),
      };
      // One after the other: the first applies the migrations.
      a = await startLimitedServer(env);
      b = await startLimitedServer(env);
    }, 90_000);

    afterAll(async () => {
      await Promise.all([a?.stop(), b?.stop()]);
      if (store === "Redis") {
        const keys = await redis.keys(`${prefix}*`);
        if (keys.length > 0) await redis.del(...keys);
        await redis.quit();
      }
      await drop();
    });

    it("refuses the attempt past each of the five limits, wherever the others were made", async () => {
      await awayFromWindowEdge();
      const [first, second] = [a!, b!];
      /** Sends each request to the next process in turn: A, B, A, B, … */
      const alternately = () => {
        let count = 0;
        return () => (count++ % 2 === 0 ? first : second);
      };

      // tokenAuth per identifier: five successful sign-ins spread over A and B, then refused.
      const username = unique("user");
      expect(
        await first.mutate(
          REGISTER,
          {
            email: `${username}@example.com`,
            username,
            password1: STRONG_PASSWORD,
            password2: STRONG_PASSWORD,
          },
          aClientIp(),
        ),
      ).toMatchObject({ success: true });
      const signIn = (server: LimitedServer, name: string, ip = aClientIp()) =>
        server.mutate(TOKEN_AUTH_USERNAME, { username: name, password: STRONG_PASSWORD }, ip);
      for (const server of [first, first, first, second, second]) {
        expect(await signIn(server, username)).toMatchObject({ success: true });
      }
      expect(await signIn(second, username)).toMatchObject({
        success: false,
        errors: RATE_LIMITED,
      });
      expect(await signIn(first, username)).toMatchObject({ success: false, errors: RATE_LIMITED });

      // tokenAuth per client IP: twenty identifiers from one address, ten on each process.
      const loginIp = aClientIp();
      const nextForLogin = alternately();
      for (let attempt = 1; attempt <= 20; attempt += 1) {
        expect(await signIn(nextForLogin(), unique("guess"), loginIp)).toMatchObject({
          errors: { nonFieldErrors: [{ code: "invalid_credentials" }] },
        });
      }
      expect(await signIn(first, unique("guess"), loginIp)).toMatchObject({
        errors: RATE_LIMITED,
      });

      // Mail per address: three requests for one address (of no account) over A and B.
      const resetFor = (server: LimitedServer, email: string, ip = aClientIp()) =>
        server.mutate(SEND_PASSWORD_RESET_EMAIL, { email }, ip);
      const address = `${unique("ghost")}@example.com`;
      for (const server of [first, second, first]) {
        expect(await resetFor(server, address)).toEqual({ success: true, errors: null });
      }
      expect(await resetFor(second, address)).toEqual({ success: false, errors: RATE_LIMITED });

      // Mail per client IP: ten addresses from one client, five on each process.
      const mailIp = aClientIp();
      const nextForMail = alternately();
      for (let request = 1; request <= 10; request += 1) {
        const email = `${unique("m")}@example.com`;
        expect(await resetFor(nextForMail(), email, mailIp)).toEqual({
          success: true,
          errors: null,
        });
      }
      expect(await resetFor(first, `${unique("m")}@example.com`, mailIp)).toEqual({
        success: false,
        errors: RATE_LIMITED,
      });

      // Token mutations per client IP: thirty from one client, fifteen on each process.
      const tokenIp = aClientIp();
      const nextForTokens = alternately();
      for (let request = 1; request <= 30; request += 1) {
        expect(await nextForTokens().mutate(VERIFY_TOKEN, { token: "x" }, tokenIp)).toMatchObject({
          errors: { nonFieldErrors: [{ code: "invalid_token" }] },
        });
      }
      expect(await second.mutate(VERIFY_TOKEN, { token: "x" }, tokenIp)).toMatchObject({
        errors: RATE_LIMITED,
      });

      // The counters are where the configuration says, not in either process.
      const handle = openDatabase({ url: databaseUrl, kind: database });
      const rows = await handle.db.selectFrom("rate_limit_counters").select("bucket").execute();
      await handle.close();
      if (store === "Redis") {
        expect(rows).toEqual([]);
        expect((await redis.keys(`${prefix}*`)).length).toBeGreaterThan(0);
      } else {
        expect(rows.length).toBeGreaterThan(0);
      }
    }, 120_000);
  },
);
