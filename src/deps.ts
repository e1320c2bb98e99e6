// The only place where objects are wired together: connections, transports, hashers.
import { cpus } from "node:os";
import type { Logger } from "pino";
import type { Config, RateLimitRuleName } from "./config/config.js";
import {
  createReceiverAddressPolicy,
  type ReceiverAddressPolicy,
} from "./config/webhook-networks.js";
import { openDatabase, pingDatabase, type DatabaseHandle } from "./db/database.js";
import { pendingMigrations } from "./db/migrate.js";
import { isDatabaseUnavailable } from "./db/values.js";
import { createEmailRenderer, type EmailRenderer } from "./accounts/mail/rendering.js";
import { createAccountEvents, type AccountEvents } from "./accounts/events.js";
import { createOutboxWorker, type OutboxWorker } from "./accounts/mail/outbox-worker.js";
import { createPasswordHasher, type PasswordHasher } from "./accounts/passwords/hasher.js";
import { createPasswordPolicy, type PasswordPolicy } from "./accounts/passwords/validators.js";
import { createRedisRateLimitStore } from "./accounts/rate-limits/redis-store.js";
import { createSqlRateLimitStore } from "./accounts/rate-limits/database-store.js";
import {
  createRateLimiter,
  withDatabaseFallback,
  type RateLimiter,
  type RateLimitStore,
} from "./accounts/rate-limits/limiter.js";
import { createAccessTokens, type AccessTokens } from "./accounts/tokens/jwt.js";
import { createKeyRing, type KeyRing } from "./accounts/tokens/signing-keys.js";
import { createTokenDiscovery, type TokenDiscovery } from "./accounts/tokens/discovery.js";
import type { Clock } from "./accounts/types.js";
import type { Db } from "./db/database.js";
import { createMailTransport, type MailTransport } from "./mail/mailer.js";
import { createWebhookDispatcher, type WebhookDispatcher } from "./accounts/webhooks/dispatcher.js";
import { withMailSpans } from "./tracing/mail-spans.js";
import { createTracing, type Tracing } from "./tracing/tracing.js";
import { createAccountMeters } from "./metrics/account-metrics.js";
import { observeDatabasePool } from "./metrics/database-metrics.js";
import { createMetrics, type Metrics } from "./metrics/registry.js";
import { createWebhookMeters } from "./metrics/webhook-metrics.js";

export interface Deps {
  config: Config;
  db: Db;
  databaseKind: DatabaseHandle["kind"];
  clock: Clock;
  log: Logger;
  passwords: PasswordHasher;
  passwordPolicy: PasswordPolicy;
  accessTokens: AccessTokens;
  /** Whatever signs and verifies access tokens; stored keys are read by `start()` (servers). */
  signingKeys: KeyRing;
  /** The JWKS and discovery document other services verify tokens with. */
  tokenDiscovery: TokenDiscovery;
  emails: EmailRenderer;
  mailTransport: MailTransport;
  outbox: OutboxWorker;
  /** Sends the webhook deliveries account changes wrote; servers `start()` it. */
  webhooks: WebhookDispatcher;
  /** Where webhook deliveries may connect (WEBHOOK_ALLOWED_NETWORKS). */
  receiverAddresses: ReceiverAddressPolicy;
  events: AccountEvents;
  rateLimiter: RateLimiter;
  /** OpenTelemetry: the tracer (none while off) and the exporter's flush (tracing/tracing.ts). */
  tracing: Tracing;
  /** Prometheus metrics (GET /metrics); any module may add its own here. */
  metrics: Metrics;
  /** Resolves once the database answers a trivial query (health checks). */
  pingDatabase(): Promise<void>;
  /** The migrations not yet applied to the database (readiness). */
  pendingMigrations(): Promise<string[]>;
  /** Whether an error means the database cannot be reached now (answered 503, not 500). */
  isDatabaseUnavailable(error: unknown): boolean;
  close(): Promise<void>;
}

export const systemClock: Clock = { now: () => new Date() };

export interface DepsOptions {
  log: Logger;
  clock?: Clock;
  consoleOutput?: NodeJS.WritableStream;
  /** Start the background outbox worker (servers do; one-shot CLI commands need not). */
  startOutboxWorker?: boolean;
}

/** SPEC §11.4: counters every server process shares; Redis when configured, else the database. */
function createRateLimitStore(config: Config, db: Db, clock: Clock, log: Logger): RateLimitStore {
  const database = createSqlRateLimitStore(db, clock);
  if (config.redisUrl === undefined) return database;
  const redis = createRedisRateLimitStore({
    url: config.redisUrl,
    keyPrefix: config.redisKeyPrefix,
    log,
  });
  return withDatabaseFallback(redis, database, log);
}

export function createDeps(config: Config, options: DepsOptions): Deps {
  const tracing = createTracing(config.tracing, options.log);
  const database = openDatabase(config.database, {
    onIdleConnectionError: (error) => {
      options.log.warn({ err: error }, "database: an idle connection broke; the pool replaces it");
    },
    tracer: tracing.tracer,
  });
  const mailTransport = withMailSpans(
    createMailTransport(config.mail.transport, options.consoleOutput ?? process.stdout),
    config.mail.transport.kind,
    tracing.tracer,
  );
  const clock = options.clock ?? systemClock;
  const metrics = createMetrics(config.metrics);
  // First: a scrape reads the pool before the outbox gauge's query takes a connection from it.
  if (metrics.isEnabled) observeDatabasePool(metrics, database);
  const meters = metrics.isEnabled
    ? createAccountMeters(metrics, {
        db: database.db,
        log: options.log,
        rateLimitRules: Object.keys(config.rateLimits.rules) as RateLimitRuleName[],
      })
    : undefined;
  const signingKeys = createKeyRing({ config, db: database.db, clock, log: options.log });
  const rateLimiter = createRateLimiter(
    { config, clock },
    config.rateLimits.enabled
      ? createRateLimitStore(config, database.db, clock, options.log)
      : undefined,
    meters?.rateLimitRefused,
  );
  const base = {
    config,
    db: database.db,
    databaseKind: database.kind,
    clock,
    log: options.log,
    passwords: createPasswordHasher(
      {
        ...config.passwordHashing,
        maxConcurrentHashes: config.passwordHashing.maxConcurrentHashes || cpus().length,
      },
      { onQueueWait: meters?.hashQueueWait },
    ),
    passwordPolicy: createPasswordPolicy(config.accounts.passwordValidators),
    accessTokens: createAccessTokens(config.jwt, signingKeys),
    signingKeys,
    tokenDiscovery: createTokenDiscovery(config, signingKeys),
    emails: createEmailRenderer(config.mail),
    mailTransport,
    events: createAccountEvents(options.log),
    rateLimiter,
    metrics,
    receiverAddresses: createReceiverAddressPolicy(config.webhooks.allowedNetworks),
  };
  meters?.observeSignIns(base.events);
  const outbox = createOutboxWorker(base, { onDeliveryFailed: meters?.outboxDeliveryFailed });
  if (options.startOutboxWorker === true) outbox.start();
  const webhooks = createWebhookDispatcher(base, {
    onAttemptFailed: metrics.isEnabled
      ? createWebhookMeters(metrics, { db: database.db, log: options.log }).deliveryFailed
      : undefined,
  });
  return {
    ...base,
    outbox,
    webhooks,
    tracing,
    pingDatabase: () => pingDatabase(database.db),
    pendingMigrations: () => pendingMigrations(database.db),
    isDatabaseUnavailable,
    async close() {
      signingKeys.stop();
      await outbox.stop();
      await webhooks.stop();
      await mailTransport.close();
      await base.passwords.close();
      await rateLimiter.close();
      await database.close();
      // Last, so the spans of everything above reach the collector.
      await tracing.shutdown();
    },
  };
}
