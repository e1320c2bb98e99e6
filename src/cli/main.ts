#!/usr/bin/env node
// The `gatehouse` executable. Commands live in commands.ts.
import { Command } from "commander";
import { registerCommands } from "./commands.js";

const program = new Command();
program
  .name("gatehouse")
  .description("Gatehouse accounts and authentication server")
  .showHelpAfterError();
registerCommands(program);
program.parseAsync(process.argv).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
});
