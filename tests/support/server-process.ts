// Gatehouse as an operator runs it: `gatehouse serve` in a child process (as the CLI tests spawn
// it), on a database of its own that outlives the process, so a test can kill the server and
// start another on the same data.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { openDatabase, type DatabaseHandle } from "../../src/db/database.js";
import { DEFAULT_TEST_POSTGRES_URL } from "./global-setup.js";
import { cliCommand, PROJECT_ROOT } from "./cli.js";
import type { TestDatabase } from "./test-app.js";

const START_TIMEOUT_MS = 60_000;
const KEPT_OUTPUT_LINES = 200;

export interface ServerProcess {
  /** The GraphQL endpoint, e.g. http://127.0.0.1:40123/graphql. */
  graphqlUrl: string;
  pid: number;
  /** SIGKILL: no shutdown code runs; resolves once the process is gone. */
  kill(): Promise<void>;
  /** SIGTERM: the server's own clean shutdown. */
  stop(): Promise<void>;
  /** Sends a signal and returns at once (SIGHUP, or SIGTERM with requests in flight). */
  signal(name: NodeJS.Signals): void;
  /** Resolves with the exit code once the process has ended (null when a signal ended it). */
  exitCode(): Promise<number | null>;
  /** The last lines the process wrote, for failure messages. */
  output(): string;
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once("exit", () => {
      resolve();
    });
  });
}

/**
 * Starts `gatehouse serve` with only `env` (plus PATH, HOME, TMPDIR) and waits until it listens.
 * `serveArgs` are options of `serve` (`--no-migrate`); `startTimeoutMs` bounds the wait (60 s);
 * `cwd` is the working folder (the project root by default).
 */
export function startServerProcess(
  env: Record<string, string>,
  options: { serveArgs?: string[]; startTimeoutMs?: number; cwd?: string } = {},
): Promise<ServerProcess> {
  const startTimeoutMs = options.startTimeoutMs ?? START_TIMEOUT_MS;
  const [command = "", ...args] = cliCommand(["serve", ...(options.serveArgs ?? [])]);
  const child = spawn(command, args, {
    cwd: options.cwd ?? PROJECT_ROOT,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "",
      ...(process.env.TMPDIR === undefined ? {} : { TMPDIR: process.env.TMPDIR }),
      // A developer's own .env in the project root must not change the tests.
      GATEHOUSE_ENV_FILE: "",
      HOST: "127.0.0.1",
      PORT: "0",
      LOG_LEVEL: "info",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: string[] = [];
  const keep = (text: string) => {
    lines.push(...text.split("\n").filter((line) => line !== ""));
    if (lines.length > KEPT_OUTPUT_LINES) lines.splice(0, lines.length - KEPT_OUTPUT_LINES);
  };
  const output = () => lines.join("\n");
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`gatehouse serve did not start within ${startTimeoutMs} ms:\n${output()}`));
    }, startTimeoutMs);
    const onExit = (code: number | null) => {
      clearTimeout(timer);
      reject(new Error(`gatehouse serve exited (${code}) before listening:\n${output()}`));
    };
    child.once("exit", onExit);
    child.stderr.setEncoding("utf8").on("data", keep);
    let unread = "";
    let isListening = false;
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      keep(chunk);
      if (isListening) return;
      // A log line may arrive in two chunks: look for the address in whole lines only.
      unread += chunk;
      const lineEnd = unread.lastIndexOf("\n");
      const complete = unread.slice(0, lineEnd + 1);
      unread = unread.slice(lineEnd + 1);
      const address = /Gatehouse listening on (http:\/\/[^\s"]+)/.exec(complete)?.[1];
      if (address === undefined) return;
      isListening = true;
      clearTimeout(timer);
      child.off("exit", onExit);
      resolve({
        graphqlUrl: `${address}/graphql`,
        pid: child.pid ?? -1,
        async kill() {
          child.kill("SIGKILL");
          await exited(child);
        },
        async stop() {
          child.kill("SIGTERM");
          await exited(child);
        },
        signal(name) {
          child.kill(name);
        },
        async exitCode() {
          await exited(child);
          return child.exitCode;
        },
        output,
      });
    });
  });
}

export interface PersistentDatabase {
  url: string;
  kind: TestDatabase;
  /** A handle of the test's own on the same data (direct SQL for invariants). */
  open(): DatabaseHandle;
  drop(): Promise<void>;
}

/** A SQLite file in a temporary folder, or a fresh PostgreSQL schema, that survives restarts. */
export async function aPersistentDatabase(kind: TestDatabase): Promise<PersistentDatabase> {
  const open = (url: string) => () => openDatabase({ url, kind, poolSize: 2 });
  if (kind === "sqlite") {
    const dir = mkdtempSync(join(tmpdir(), "gatehouse-crash-"));
    const url = `sqlite:${join(dir, "crash.sqlite")}`;
    return {
      url,
      kind,
      open: open(url),
      drop: () => {
        rmSync(dir, { recursive: true, force: true });
        return Promise.resolve();
      },
    };
  }
  const baseUrl = process.env.TEST_POSTGRES_URL ?? DEFAULT_TEST_POSTGRES_URL;
  const schema = `gh_crash_${process.pid}_${Date.now().toString(36)}`;
  const admin = new pg.Client(baseUrl);
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  await admin.end();
  const separator = baseUrl.includes("?") ? "&" : "?";
  const url = `${baseUrl}${separator}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
  return {
    url,
    kind,
    open: open(url),
    async drop() {
      const client = new pg.Client(baseUrl);
      await client.connect();
      await client.query(`drop schema if exists ${schema} cascade`);
      await client.end();
    },
  };
}
