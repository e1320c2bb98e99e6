#!/usr/bin/env node
// The `gatehouse` executable. Commands live in commands.ts.
import { Command } from "commander";
import { loadEnvFile, type EnvFileOutcome } from "../config/env-file.js";
import { registerCommands } from "./commands.js";
import { packageVersion } from "./version.js";

// Before any command reads its settings: `.env` fills in what the environment lacks.
let envFile: EnvFileOutcome | undefined;
try {
  envFile = loadEnvFile();
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
}

const program = new Command();
program
  .name("gatehouse")
  .description("Gatehouse accounts and authentication server")
  .version(packageVersion(), "-V, --version", "print the version")
  .showHelpAfterError();
registerCommands(program, { envFile });
program.parseAsync(process.argv).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
});
