// Child processes of the bench (Gatehouse, the baseline): spawn on a free loopback port, wait
// until they answer, stop them.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { ROOT } from "./options.js";

export interface Child {
  process: ChildProcess;
  port: number;
  output: string[];
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => {
        resolve(port);
      });
    });
  });
}

export function spawnChild(command: string[], env: Record<string, string>, port: number): Child {
  const [file = "node", ...rest] = command;
  const child = spawn(file, rest, {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output: string[] = [];
  const keep = (chunk: Buffer) => {
    output.push(chunk.toString("utf8"));
    if (output.length > 200) output.shift();
  };
  child.stdout.on("data", keep);
  child.stderr.on("data", keep);
  return { process: child, port, output };
}

/** Resolves once `path` answers below 500 (GET for /healthz, POST `{}` otherwise). */
export async function waitFor(child: Child, path: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.process.exitCode !== null) break;
    try {
      const response = await fetch(`http://127.0.0.1:${child.port}${path}`, {
        method: path === "/healthz" ? "GET" : "POST",
        body: path === "/healthz" ? null : "{}",
      });
      if (response.status < 500) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(
    `child on port ${child.port} did not start:\n${child.output.join("").slice(-4000)}`,
  );
}

/** SIGTERM, then SIGKILL after 5 s. */
export async function stopChild(child: Child): Promise<void> {
  if (child.process.exitCode !== null) return;
  const exited = new Promise<void>((resolve) =>
    child.process.once("exit", () => {
      resolve();
    }),
  );
  child.process.kill("SIGTERM");
  const timeout = sleep(5000).then(() => "timeout");
  if ((await Promise.race([exited.then(() => "ok"), timeout])) === "timeout") {
    child.process.kill("SIGKILL");
    await exited;
  }
}

/** Gatehouse starts the way `npm start` starts it (its build step aside), Node flags included. */
export function startCommand(): string[] {
  const manifest = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
    scripts: { start: string };
  };
  return manifest.scripts.start.trim().split(/\s+/);
}

/**
 * --cpu-prof: the command writes its profiles into bench/results/profiles/<name>/, emptied first,
 * one file per process and thread under Node's own names (a fixed name would let a loader thread
 * or a second worker overwrite the main thread's profile). The main thread's is the largest.
 */
export function withProfiling(command: string[], name: string): string[] {
  const [node = "node", ...rest] = command;
  const dir = join(ROOT, "bench/results/profiles", name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return [node, "--cpu-prof", `--cpu-prof-dir=${dir}`, ...rest];
}
