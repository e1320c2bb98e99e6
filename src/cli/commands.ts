// The CLI commands of SPEC §1: serve, migrate, createsuperuser, changepassword, cleartokens,
// plus print-schema. Bad input gets a clear message and a non-zero exit code.
import cluster from "node:cluster";
import { writeFileSync } from "node:fs";
import type { Command } from "commander";
import { pino } from "pino";
import { AccountsError } from "../accounts/errors.js";
import { changeUserPassword, clearRefreshTokens } from "../accounts/maintenance.js";
import { findUserByNaturalKey, naturalKeyOf } from "../accounts/natural-key.js";
import { resetSecondFactorByNaturalKey } from "../accounts/second-factor/reset.js";
import { createSuperuser } from "../accounts/users.js";
import { loadConfig, type Config } from "../config/config.js";
import type { EnvFileOutcome } from "../config/env-file.js";
import {
  applyUserFieldColumns,
  planUserFieldColumns,
  syncUserFieldColumns,
} from "../accounts/fields/user-fields.js";
import { migrateToLatest } from "../db/migrate.js";
import { createDeps, type Deps } from "../deps.js";
import { registerDjangoCommands } from "./django-commands.js";
import { registerKeyCommands } from "./key-commands.js";
import { registerWebhookCommands } from "./webhook-commands.js";
import { withDeps } from "./with-deps.js";
import { fail } from "./fail.js";
import { askAll } from "./prompter.js";
import { askNewPassword, askSuperuser } from "./superuser-prompts.js";

function describeErrors(error: AccountsError): string {
  return Object.entries(error.errors)
    .map(([field, details]) => details.map((detail) => `${field}: ${detail.message}`).join("\n"))
    .join("\n");
}

/** Like Django's: DJANGO_SUPERUSER_<FIELD> (or our GATEHOUSE_ prefix) for each field asked. */
function superuserVariable(field: string): string | undefined {
  const name = field.toUpperCase();
  return process.env[`GATEHOUSE_SUPERUSER_${name}`] ?? process.env[`DJANGO_SUPERUSER_${name}`];
}

/**
 * Asks what Django's createsuperuser asks: USERNAME_FIELD (username by default), email and the
 * password; an account named by email or a declared field gets an internal username.
 */
async function superuserInput(deps: Deps, config: Config, noInput: boolean) {
  const field = config.accounts.usernameField;
  const declared = config.accounts.userFields.find((candidate) => candidate.name === field);
  const label = declared?.verboseName ?? (field === "email" ? "Email address" : "Username");
  if (noInput) {
    const key = superuserVariable(field);
    const email = field === "email" ? key : (superuserVariable("email") ?? "");
    const password = superuserVariable("password");
    if (key === undefined || password === undefined) {
      fail(
        `With --no-input, set GATEHOUSE_SUPERUSER_${field.toUpperCase()} and GATEHOUSE_SUPERUSER_PASSWORD (and optionally GATEHOUSE_SUPERUSER_EMAIL).`,
      );
    }
    return superuser(field, key, email ?? "", password);
  }
  // Each answer is checked as it is typed, and asked for again when wrong (Django's way).
  const answers = await askAll((prompter) => askSuperuser(deps, prompter, label));
  return {
    ...superuser(field, answers.key, answers.email ?? answers.key, answers.password),
    skipPasswordValidation: answers.skipPasswordValidation,
  };
}

function superuser(field: string, key: string, email: string, password: string) {
  if (field === "username") return { username: key, email, password };
  if (field === "email") return { username: "", email: key, password };
  return { username: "", email, password, fields: { [field]: key } };
}

/** What main.ts learned before the commands ran. */
export interface CliContext {
  /** The `.env` file read at start, if any (the start-up summary names it). */
  envFile?: EnvFileOutcome | undefined;
}

export function registerCommands(program: Command, context: CliContext = {}): void {
  registerServe(program, context);
  registerMigrate(program);
  registerFields(program);
  registerCreateSuperuser(program);
  registerChangePassword(program);
  registerResetSecondFactor(program);
  registerClearTokens(program);
  registerKeyCommands(program);
  registerWebhookCommands(program);
  registerPrintSchema(program);
  registerDjangoCommands(program);
}

function registerServe(program: Command, context: CliContext): void {
  program
    .command("serve")
    .description("start the HTTP server (applies pending migrations unless --no-migrate)")
    .option("--no-migrate", "do not apply pending migrations at start")
    .option(
      "--workers <count>",
      'server processes sharing the port: a number or "auto" (one per core); overrides WORKERS',
    )
    .action(async (options: { migrate: boolean; workers?: string }, command: Command) => {
      // commander defaults --no-migrate's option to true; only a flag given overrides
      // MIGRATE_ON_START (a follower node may set either).
      const isFlagGiven = command.getOptionValueSource("migrate") === "cli";
      const migrate = isFlagGiven ? { migrate: options.migrate } : {};
      // The flag goes through the setting, so it is checked (and reported) the same way.
      if (options.workers !== undefined) process.env.WORKERS = options.workers;
      if (cluster.isWorker) {
        await serveAsWorker(context);
        return;
      }
      if (loadConfig(process.env).http.workers > 1) {
        const { superviseWorkers } = await import("../workers.js");
        process.exit(await superviseWorkers(process.env, { ...migrate, envFile: context.envFile }));
      }
      // The HTTP and GraphQL stack loads only for the commands that need it: the others start faster.
      const { startServer } = await import("../main.js");
      const server = await startServer(process.env, { ...migrate, envFile: context.envFile });
      const stop = () => {
        void server.shutdown().then(() => process.exit(0));
      };
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
    });
}

/**
 * One process of `serve --workers`. The supervisor decides when it stops: Ctrl-C reaches the
 * whole process group, so SIGINT is left to the supervisor, which answers it with SIGTERM.
 */
async function serveAsWorker(context: CliContext): Promise<void> {
  process.on("SIGINT", () => undefined);
  const { startServer } = await import("../main.js");
  let server: Awaited<ReturnType<typeof startServer>>;
  try {
    server = await startServer(process.env, { envFile: context.envFile, isWorker: true });
  } catch (error) {
    // The channel to the supervisor would keep this process alive: the supervisor must see it end.
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  }
  let isStopping = false;
  process.on("SIGTERM", () => {
    if (isStopping) return;
    isStopping = true;
    void server
      .shutdown()
      .then(async () => {
        const { leaveCluster } = await import("../workers.js");
        await leaveCluster();
      })
      .then(() => process.exit(0));
  });
}

function registerMigrate(program: Command): void {
  program
    .command("migrate")
    .description("apply pending database migrations")
    .action(async () => {
      const config = loadConfig(process.env);
      const deps = createDeps(config, { log: pino({ level: "warn" }) });
      try {
        const applied = await migrateToLatest(deps.db);
        console.log(
          applied.length === 0 ? "No migrations to apply." : `Applied: ${applied.join(", ")}`,
        );
        const fields = await syncUserFieldColumns(deps);
        for (const field of fields.added) console.log(`Added user field: ${field.name}`);
      } finally {
        await deps.close();
      }
    });
}

function registerFields(program: Command): void {
  program
    .command("fields")
    .description(
      "show how the users table differs from USER_FIELDS; --apply also drops and converts columns",
    )
    .option("--apply", "make every change, those that drop or convert data included")
    .action(async (options: { apply?: boolean }) => {
      const config = loadConfig(process.env);
      const deps = createDeps(config, { log: pino({ level: "warn" }) });
      try {
        await migrateToLatest(deps.db);
        const plan = await planUserFieldColumns(deps);
        const lines = [
          ...plan.added.map((field) => `adds column ${field.name} (${field.type})`),
          ...plan.recorded.map((field) => `records the new labels or choices of ${field.name}`),
          ...plan.destructive.map((change) => change.description),
        ];
        if (lines.length === 0) {
          console.log("The users table matches USER_FIELDS.");
          return;
        }
        for (const line of lines)
          console.log(`${options.apply === true ? "Done:" : "Would:"} ${line}`);
        if (options.apply === true) await applyUserFieldColumns(deps);
        else if (plan.destructive.length > 0)
          console.log("Run `gatehouse fields --apply` to make these changes.");
        else await syncUserFieldColumns(deps);
      } finally {
        await deps.close();
      }
    });
}

function registerCreateSuperuser(program: Command): void {
  program
    .command("createsuperuser")
    .description("create an active staff superuser")
    .option(
      "--no-input",
      "read GATEHOUSE_SUPERUSER_USERNAME / _EMAIL / _PASSWORD instead of asking",
    )
    .action(async (options: { input: boolean }) => {
      await withDeps(async (deps, config) => {
        const input = await superuserInput(deps, config, !options.input);
        try {
          const user = await createSuperuser(deps, input);
          console.log(`Superuser created: ${naturalKeyOf(config, user)}`);
        } catch (error) {
          if (error instanceof AccountsError) fail(describeErrors(error));
          throw error;
        }
      });
    });
}

function registerChangePassword(program: Command): void {
  program
    .command("changepassword <username>")
    .description("set a user's password (ends their sessions)")
    .action(async (username: string) => {
      await withDeps(async (deps, config) => {
        // Django's order: an unknown user is named before any password is asked for.
        const user = await findUserByNaturalKey(deps, username);
        if (user === undefined) fail(`Error: user '${username}' does not exist`);
        console.log(`Changing password for user '${username}'`);
        const password = await askAll((prompter) =>
          askNewPassword(deps, prompter, {
            naturalKey: naturalKeyOf(config, user),
            attributes: {
              username: user.username,
              email: user.email,
              first_name: user.firstName,
              last_name: user.lastName,
            },
          }),
        );
        try {
          await changeUserPassword(deps, username, password);
          console.log(`Password changed successfully for user '${username}'`);
        } catch (error) {
          if (error instanceof AccountsError) fail(describeErrors(error));
          throw error;
        }
      });
    });
}

function registerResetSecondFactor(program: Command): void {
  program
    .command("reset-2fa <username>")
    .description("remove a user's second factor (TOTP and recovery codes)")
    .action(async (username: string) => {
      await withDeps(async (deps) => {
        try {
          const wasSet = await resetSecondFactorByNaturalKey(deps, username);
          console.log(
            wasSet
              ? `Two-factor authentication reset for user '${username}'`
              : `User '${username}' had no two-factor authentication`,
          );
        } catch (error) {
          if (error instanceof AccountsError) fail(describeErrors(error));
          throw error;
        }
      });
    });
}

function registerClearTokens(program: Command): void {
  program
    .command("cleartokens")
    .description("delete revoked refresh tokens (and expired ones with --expired)")
    .option("--expired", "also delete expired refresh tokens")
    .action(async (options: { expired?: boolean }) => {
      await withDeps(async (deps) => {
        const result = await clearRefreshTokens(deps, { includeExpired: options.expired === true });
        console.log(
          `Deleted ${result.revoked} revoked and ${result.expired} expired refresh tokens.`,
        );
      });
    });
}

function registerPrintSchema(program: Command): void {
  program
    .command("print-schema")
    .description("print the GraphQL schema of the current configuration")
    .option("--output <file>", "write to a file instead of stdout")
    .action(async (options: { output?: string }) => {
      const { printedSchema } = await import("../graphql/schema.js");
      const schema = printedSchema(loadConfig(process.env));
      if (options.output === undefined) process.stdout.write(schema);
      else writeFileSync(options.output, schema);
    });
}
