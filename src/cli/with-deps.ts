// A one-shot command's dependencies: the schema brought up to date (or checked, with
// MIGRATE_ON_START off), then closed whatever the command did.
import { pino } from "pino";
import { checkUserFieldColumns, syncUserFieldColumns } from "../accounts/fields/user-fields.js";
import { loadConfig, type Config } from "../config/config.js";
import { migrateToLatest } from "../db/migrate.js";
import { createDeps, type Deps } from "../deps.js";

export async function withDeps<T>(run: (deps: Deps, config: Config) => Promise<T>): Promise<T> {
  const config = loadConfig(process.env);
  const deps = createDeps(config, { log: pino({ level: "warn" }) });
  try {
    if (config.database.migrateOnStart) {
      await migrateToLatest(deps.db);
      await syncUserFieldColumns(deps);
    } else {
      await checkUserFieldColumns(deps);
    }
    return await run(deps, config);
  } finally {
    await deps.close();
  }
}
