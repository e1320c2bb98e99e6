// Starts the server: configuration, dependencies, migrations, HTTP listener, clean shutdown.
import { pino } from "pino";
import { loadConfig, redactedConfig, type Environment } from "./config/config.js";
import { checkUserFieldColumns, syncUserFieldColumns } from "./accounts/fields/user-fields.js";
import { migrateToLatest } from "./db/migrate.js";
import { createDeps } from "./deps.js";
import { buildServer } from "./http/server.js";

export async function startServer(env: Environment, options: { migrate?: boolean } = {}) {
  const config = loadConfig(env);
  const log = pino({ level: config.logLevel });
  log.info({ config: redactedConfig(config) }, "configuration");
  const deps = createDeps(config, { log });
  if (options.migrate ?? config.database.migrateOnStart) {
    const applied = await migrateToLatest(deps.db);
    if (applied.length > 0) log.info({ applied }, "migrations applied");
    const fields = await syncUserFieldColumns(deps);
    if (fields.added.length > 0)
      log.info({ added: fields.added.map((field) => field.name) }, "user fields added");
  } else {
    await checkUserFieldColumns(deps);
  }
  deps.outbox.start();
  const app = await buildServer(deps);
  const address = await app.listen({ host: config.http.host, port: config.http.port });
  log.info(`Gatehouse listening on ${address} (GraphQL at ${address}/graphql)`);
  const shutdown = async () => {
    await app.close();
    await deps.close();
  };
  return { app, deps, address, shutdown };
}
