// `gatehouse import-django` and `gatehouse inspect-django` (issue 14): moving a Django
// (django-graphql-auth) deployment's accounts here. See README "Moving from Django".
import type { Command } from "commander";
import { pino } from "pino";
import { syncUserFieldColumns, checkUserFieldColumns } from "../accounts/fields/user-fields.js";
import { importFromDjango } from "../accounts/import/import-django.js";
import { inspectDjango } from "../accounts/import/inspect.js";
import { loadConfig } from "../config/config.js";
import { readUserFields } from "../config/user-fields.js";
import { migrateToLatest } from "../db/migrate.js";
import { createDeps } from "../deps.js";
import { fail } from "./fail.js";
import { importSummary } from "./import-summary.js";
import { progressRenderer } from "./import-progress.js";

const DEFAULT_BATCH_SIZE = 1000;

interface ImportCommandOptions {
  from: string;
  userModel?: string;
  skipColumn: string[];
  unusableUnknownHashes?: boolean;
  dryRun?: boolean;
  batchSize: string;
  restart?: boolean;
}

const collect = (value: string, previous: string[]) => [...previous, value];

export function registerDjangoCommands(program: Command): void {
  program
    .command("import-django")
    .description("import users, groups, tokens and history from a Django database (read only)")
    .requiredOption("--from <url>", "the Django DATABASE_URL (sqlite:path or postgres://…)")
    .option("--user-model <app.Model>", "AUTH_USER_MODEL, when the database has several")
    .option(
      "--skip-column <name>",
      "leave out a column of the user table (repeatable)",
      collect,
      [],
    )
    .option(
      "--unusable-unknown-hashes",
      "import users whose password hasher Gatehouse cannot check, with an unusable password",
    )
    .option("--dry-run", "print what an import would do; write nothing")
    .option("--batch-size <rows>", "rows per transaction", String(DEFAULT_BATCH_SIZE))
    .option("--restart", "start over instead of continuing an interrupted import")
    .action(runImport);
  program
    .command("inspect-django")
    .description("print the USER_FIELDS declaration of a Django user table's own columns")
    .requiredOption("--from <url>", "the Django DATABASE_URL (sqlite:path or postgres://…)")
    .option("--user-model <app.Model>", "AUTH_USER_MODEL, when the database has several")
    .action(async (options: { from: string; userModel?: string }) => {
      try {
        const inspection = await inspectDjango(options);
        const text = JSON.stringify(inspection.declaration, null, 2);
        process.stdout.write(`${text}\n`);
        const notes = [...inspection.notes];
        for (const problem of readUserFields(text).problems)
          notes.push(`to fix before use: ${problem}`);
        console.error(`# ${inspection.userModel} (table ${inspection.table}):`);
        for (const note of notes) console.error(`# ${note}`);
      } catch (error) {
        fail(error instanceof Error ? error.message : String(error));
      }
    });
}

async function runImport(options: ImportCommandOptions): Promise<void> {
  const batchSize = Number(options.batchSize);
  if (!Number.isSafeInteger(batchSize) || batchSize < 1)
    fail("--batch-size must be a positive whole number");
  const config = loadConfig(process.env);
  const deps = createDeps(config, { log: pino({ level: "warn" }) });
  const progress = progressRenderer();
  try {
    if (config.database.migrateOnStart) {
      await migrateToLatest(deps.db);
      await syncUserFieldColumns(deps);
    } else {
      await checkUserFieldColumns(deps);
    }
    const report = await importFromDjango(deps, {
      from: options.from,
      userModel: options.userModel,
      skipColumns: options.skipColumn,
      unusableUnknownHashes: options.unusableUnknownHashes === true,
      isDryRun: options.dryRun === true,
      batchSize,
      restart: options.restart === true,
      onProgress: (event) => {
        progress.update(event);
      },
    });
    progress.stop();
    console.log(importSummary(report).join("\n"));
  } catch (error) {
    progress.stop();
    await deps.close();
    fail(error instanceof Error ? error.message : String(error));
  }
  await deps.close();
}
