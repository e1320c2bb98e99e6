// `gatehouse <args>` as an operator runs it: a child process with only the given settings in its
// environment, from the project root or a folder of the test's choosing, through a pipe or (with
// `script` from util-linux) a pseudo-terminal.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

export const PROJECT_ROOT = fileURLToPath(new URL("../../", import.meta.url));
const TSX_LOADER = fileURLToPath(
  new URL("../../node_modules/tsx/dist/loader.mjs", import.meta.url),
);
const CLI_MAIN = fileURLToPath(new URL("../../src/cli/main.ts", import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  env?: Record<string, string>;
  input?: string;
  /** The working folder (default: the project root). */
  cwd?: string;
  /** "folder": read the working folder's `.env` as the CLI does by default (else none is read). */
  envFile?: "none" | "folder";
}

/**
 * The environment of a CLI run: PATH, HOME and TMPDIR, a cheap password hash, quiet logs, no
 * `.env` (a developer's own file in the project root must not change the tests), then `env`.
 */
export function cliEnvironment(
  env: Record<string, string> = {},
  envFile: CliOptions["envFile"] = "none",
): Record<string, string> {
  return {
    PATH: process.env.PATH ?? "",
    HOME: process.env.HOME ?? "",
    ...(process.env.TMPDIR === undefined ? {} : { TMPDIR: process.env.TMPDIR }),
    ...(envFile === "none" ? { GATEHOUSE_ENV_FILE: "" } : {}),
    PASSWORD_HASH_MEMORY_KIB: "1024",
    PASSWORD_HASH_TIME_COST: "1",
    LOG_LEVEL: "warn",
    ...env,
  };
}

/** The command line that starts the CLI from TypeScript sources, from any folder. */
export function cliCommand(args: string[]): string[] {
  return [process.execPath, "--import", TSX_LOADER, CLI_MAIN, ...args];
}

/** Runs `gatehouse <args>`, its stdin piped from `input`. */
export function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  const [command = "", ...commandArgs] = cliCommand(args);
  return new Promise((resolve, reject) => {
    const child = spawn(command, commandArgs, {
      cwd: options.cwd ?? PROJECT_ROOT,
      env: cliEnvironment(options.env, options.envFile),
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => {
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(options.input ?? "");
  });
}

export interface TerminalSession {
  /** Waits until the output shows `text` after what earlier calls waited for. */
  waitFor(text: string): Promise<void>;
  /** Waits for `text` (as waitFor), then types `line`. */
  answer(text: string, line: string): Promise<void>;
  /** What the terminal showed so far. */
  output(): string;
  /** Ends the command (SIGTERM), for commands that do not end by themselves. */
  stop(): Promise<void>;
  /** Resolves with everything the terminal showed, once the command exits. */
  finished(): Promise<{ code: number | null; output: string }>;
}

/**
 * Runs `gatehouse <args>` on a pseudo-terminal (`script -q -e -c …`): prompts show as a person
 * sees them, and what readline does not echo (passwords) never reaches the output.
 */
export function runCliOnTerminal(
  args: string[],
  options: { env?: Record<string, string>; timeoutMs?: number } = {},
): TerminalSession {
  const quoted = cliCommand(args)
    .map((part) => `'${part.replace(/'/g, "'\\''")}'`)
    .join(" ");
  const child = spawn("script", ["-q", "-e", "-c", quoted, "/dev/null"], {
    cwd: PROJECT_ROOT,
    env: cliEnvironment(options.env),
  });
  const timeoutMs = options.timeoutMs ?? 20_000;
  let output = "";
  let readUpTo = 0;
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
  const waitFor = async (text: string) => {
    const deadline = Date.now() + timeoutMs;
    while (!output.slice(readUpTo).includes(text)) {
      if (Date.now() > deadline || child.exitCode !== null)
        throw new Error(`no "${text}" on the terminal; it showed:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    readUpTo = output.indexOf(text, readUpTo) + text.length;
  };
  return {
    waitFor,
    async answer(text, line) {
      await waitFor(text);
      child.stdin.write(`${line}\r`);
    },
    output: () => output,
    async stop() {
      child.kill("SIGTERM");
      await exited;
    },
    async finished() {
      const code = await exited;
      return { code, output };
    },
  };
}
