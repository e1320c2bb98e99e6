// Starts the server: configuration, dependencies, migrations, HTTP listener, clean shutdown.
import type { FastifyInstance } from "fastify";
import { loadConfig, redactedConfig, type Environment } from "./config/config.js";
import type { EnvFileOutcome } from "./config/env-file.js";
import { checkUserFieldColumns, syncUserFieldColumns } from "./accounts/fields/user-fields.js";
import { migrateToLatest } from "./db/migrate.js";
import { createDeps, type Deps } from "./deps.js";
import { syncConfiguredWebhooks } from "./accounts/webhooks/subscriptions.js";
import { buildServer } from "./http/server.js";
import { createLogger } from "./log/logger.js";
import { startupSummary } from "./log/startup-summary.js";

export interface StartOptions {
  migrate?: boolean;
  /** The `.env` file the CLI read, named in the start-up summary. */
  envFile?: EnvFileOutcome | undefined;
  /**
   * One of `serve --workers`' processes: the supervisor writes the start-up summary, so this
   * process says it listens at debug only.
   */
  isWorker?: boolean;
}

/** Migrations and the USER_FIELDS columns, or only a check that the schema is there. */
export async function prepareDatabase(deps: Deps, migrate: boolean): Promise<void> {
  if (migrate) {
    const applied = await migrateToLatest(deps.db);
    if (applied.length > 0) deps.log.info({ applied }, "migrations applied");
    const fields = await syncUserFieldColumns(deps);
    if (fields.added.length > 0)
      deps.log.info({ added: fields.added.map((field) => field.name) }, "user fields added");
  } else {
    await checkUserFieldColumns(deps);
  }
}

/**
 * Fastify logs "Server listening at …" at info, once per address (every interface's for
 * 0.0.0.0); the start-up summary says it once with the rest, so its logger (a child of ours,
 * serving no request yet) is held at warn for the call.
 */
async function listenQuietly(app: FastifyInstance, options: { host: string; port: number }) {
  const level = app.log.level;
  if (["trace", "debug", "info"].includes(level)) app.log.level = "warn";
  try {
    return await app.listen(options);
  } finally {
    app.log.level = level;
  }
}

export async function startServer(env: Environment, options: StartOptions = {}) {
  const config = loadConfig(env);
  const log = createLogger(config);
  log.debug({ config: redactedConfig(config) }, "configuration");
  const deps = createDeps(config, { log });
  await prepareDatabase(deps, options.migrate ?? config.database.migrateOnStart);
  await deps.signingKeys.start();
  await syncConfiguredWebhooks(deps);
  deps.outbox.start();
  deps.webhooks.start();
  const app = await buildServer(deps);
  const address = await listenQuietly(app, { host: config.http.host, port: config.http.port });
  if (options.isWorker === true) {
    log.debug({ address }, "worker listening");
  } else {
    const summary = startupSummary(config, { address, envFile: options.envFile });
    log.info(summary.fields, summary.message);
  }
  const shutdown = async () => {
    await app.close();
    await deps.close();
  };
  return { app, deps, address, shutdown };
}
