// A real Gatehouse for integration tests: a temporary SQLite file or a fresh PostgreSQL schema,
// migrations applied, the real SMTP transport pointed at an in-process sink, and the Fastify app
// listening on an ephemeral port (requests go over real HTTP).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import pg from "pg";
import { pino } from "pino";
import { loadConfig, type Config, type Environment } from "../../src/config/config.js";
import { syncUserFieldColumns } from "../../src/accounts/fields/user-fields.js";
import { migrateToLatest } from "../../src/db/migrate.js";
import { createDeps, type Deps } from "../../src/deps.js";
import { syncConfiguredWebhooks } from "../../src/accounts/webhooks/subscriptions.js";
import { buildServer } from "../../src/http/server.js";
import type { Clock } from "../../src/accounts/types.js";
import { DEFAULT_TEST_POSTGRES_URL } from "./global-setup.js";
import { startSmtpSink, tokenFromMail, type ReceivedMail, type SmtpSink } from "./smtp-sink.js";

export type TestDatabase = "sqlite" | "postgres";

/** The databases behaviour tests run on: TEST_DATABASES=sqlite narrows a local run. */
export function testDatabases(): TestDatabase[] {
  const wanted = (process.env.TEST_DATABASES ?? "sqlite,postgres")
    .split(",")
    .map((name) => name.trim());
  return (["sqlite", "postgres"] as const).filter((name) => wanted.includes(name));
}

/** A clock tests can move; starts at the real time. */
export class TestClock implements Clock {
  #offsetMs = 0;
  now(): Date {
    return new Date(Date.now() + this.#offsetMs);
  }
  advance(seconds: number): void {
    this.#offsetMs += seconds * 1000;
  }
}

let uniqueCounter = 0;
/** A name no other test in this run uses. */
export function unique(prefix = "u"): string {
  uniqueCounter += 1;
  return `${prefix}${process.pid}x${Date.now().toString(36)}x${uniqueCounter}`;
}

export interface GraphQLResponse {
  status: number;
  body: {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read response shapes freely
    data?: Record<string, any> | null;
    errors?: { message: string; locations?: unknown; path?: unknown }[];
  };
}

export interface TestApp {
  database: TestDatabase;
  config: Config;
  deps: Deps;
  app: FastifyInstance;
  url: string;
  clock: TestClock;
  smtp: SmtpSink;
  gql(
    query: string,
    variables?: Record<string, unknown>,
    options?: { token?: string; headers?: Record<string, string> },
  ): Promise<GraphQLResponse>;
  /** Waits for a mail to `to` not read before and returns the token of its link. */
  mailToken(to: string): Promise<string>;
  mailsTo(to: string): ReceivedMail[];
  close(): Promise<void>;
}

/** A database of its own: a SQLite file in a temporary folder, or a fresh PostgreSQL schema. */
export async function freshDatabaseUrl(
  database: TestDatabase,
): Promise<{ url: string; drop: () => Promise<void> }> {
  if (database === "sqlite") {
    const dir = mkdtempSync(join(tmpdir(), "gatehouse-test-"));
    return {
      url: `sqlite:${join(dir, "test.sqlite")}`,
      drop: () => {
        rmSync(dir, { recursive: true, force: true });
        return Promise.resolve();
      },
    };
  }
  const baseUrl = process.env.TEST_POSTGRES_URL ?? DEFAULT_TEST_POSTGRES_URL;
  const schema = `gh_test_${process.pid}_${Date.now().toString(36)}_${Math.floor(Math.random() * 1e6)}`;
  const admin = new pg.Client(baseUrl);
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  await admin.end();
  const separator = baseUrl.includes("?") ? "&" : "?";
  return {
    url: `${baseUrl}${separator}options=${encodeURIComponent(`-c search_path=${schema}`)}`,
    drop: async () => {
      const client = new pg.Client(baseUrl);
      await client.connect();
      await client.query(`drop schema if exists ${schema} cascade`);
      await client.end();
    },
  };
}

export async function startTestApp(
  database: TestDatabase,
  env: Environment = {},
): Promise<TestApp> {
  const smtp = await startSmtpSink();
  const { url: databaseUrl, drop } = await freshDatabaseUrl(database);
  const config = loadConfig({
    NODE_ENV: "test",
    SECRET_KEY: "test-secret-key-that-is-long-enough-for-tests",
    DATABASE_URL: databaseUrl,
    EMAIL_HOST: "127.0.0.1",
    EMAIL_PORT: String(smtp.port),
    SITE_DOMAIN: "app.example.test",
    RATE_LIMITS: "false",
    // Tests lower the hash cost, never the algorithm (STYLE.md §10).
    PASSWORD_HASH_MEMORY_KIB: "1024",
    PASSWORD_HASH_TIME_COST: "1",
    LOG_LEVEL: "silent",
    ...env,
  });
  const clock = new TestClock();
  const deps = createDeps(config, { log: pino({ level: config.logLevel }), clock });
  await migrateToLatest(deps.db);
  await syncUserFieldColumns(deps);
  await deps.signingKeys.start();
  await syncConfiguredWebhooks(deps);
  deps.outbox.start();
  deps.webhooks.start();
  const app = await buildServer(deps);
  const address = await app.listen({ host: "127.0.0.1", port: 0 });
  const url = `${address}/graphql`;
  const consumedMails = new Set<ReceivedMail>();
  return {
    database,
    config,
    deps,
    app,
    url,
    clock,
    smtp,
    async gql(query, variables, options = {}) {
      const response = await fetch(url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          ...(options.token === undefined ? {} : { authorization: `JWT ${options.token}` }),
          ...options.headers,
        },
        body: JSON.stringify({ query, variables }),
      });
      return { status: response.status, body: (await response.json()) as GraphQLResponse["body"] };
    },
    async mailToken(to) {
      const mail = await smtp.waitFor((m) => m.envelopeTo.includes(to) && !consumedMails.has(m));
      consumedMails.add(mail);
      return tokenFromMail(mail);
    },
    mailsTo(to) {
      return smtp.messages.filter((mail) => mail.envelopeTo.includes(to));
    },
    async close() {
      await app.close();
      await deps.close();
      await smtp.close();
      await drop();
    },
  };
}
