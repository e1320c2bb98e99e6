// `gatehouse serve --workers N`: a supervising process and N server processes sharing the port
// through node:cluster (the supervisor accepts connections and hands them out in turn). Every
// state a request depends on already lives where all processes see it (the database, Redis), so
// workers need nothing from each other; the supervisor only starts, replaces and stops them.
//
// - Migrations run once, in the supervisor, before any worker starts.
// - A worker that dies is replaced, after a delay that doubles while replacements keep dying
//   quickly (a crash loop must not spin a core); a worker that dies before the first start
//   completes stops everything, since that is a configuration or port problem, not a crash.
// - SIGTERM / SIGINT: every worker closes its listener, finishes the requests it holds, and exits;
//   the supervisor exits once they all have (or kills the ones still running after 30 s).
// - SIGHUP: a rolling restart, one worker at a time (the new one listens before the old one
//   drains), so new code is served without refusing a connection.
import cluster, { type Address, type Worker } from "node:cluster";
import type { Logger } from "pino";
import { loadConfig, type Config, type Environment } from "./config/config.js";
import type { EnvFileOutcome } from "./config/env-file.js";
import { createDeps } from "./deps.js";
import { createLogger } from "./log/logger.js";
import { startupSummary } from "./log/startup-summary.js";
import { prepareDatabase } from "./main.js";
import { serveClusterMetrics } from "./metrics/cluster.js";

/**
 * V8 heap limits of each worker, unless the supervisor was started with its own (or through
 * NODE_OPTIONS): a 1 MiB young generation and a 96 MiB old one. A worker's live heap is about
 * 35 MB; without a limit V8 lets the old generation grow under load to well past it (bench: peak
 * RSS 199 MB on verifyToken, 144 MB with the limit, the same req/s). `npm start` passes the same
 * flags to a single process.
 */
const WORKER_HEAP_FLAGS = ["--max-semi-space-size=1", "--max-old-space-size=96"];

export function workerExecArgv(execArgv: readonly string[], nodeOptions = ""): string[] {
  const given = [...execArgv, ...nodeOptions.split(/\s+/)];
  const missing = WORKER_HEAP_FLAGS.filter((flag) => {
    const name = flag.split("=")[0] ?? flag;
    return !given.some((argument) => argument.split("=")[0]?.replaceAll("_", "-") === name);
  });
  return [...execArgv, ...missing];
}

/** How long a stopping worker may take to finish its requests before it is killed. */
const DRAIN_TIMEOUT_MS = 30_000;
/** How long a new worker may take to listen during a rolling restart. */
const START_TIMEOUT_MS = 60_000;
/** A replacement that lives shorter than this counts as part of a crash loop. */
const QUICK_EXIT_MS = 10_000;
const MAX_RESTART_DELAY_MS = 30_000;

/**
 * The last words between a stopping worker and the supervisor. Once a worker's server has
 * closed, node:cluster stops handing it connections, but a connection handed over just before
 * is still on its way, and a worker that exited then would take it along unanswered (the client
 * waits forever). So the worker says it has drained and waits for the supervisor's answer: that
 * answer travels behind every connection handed to it, each of which the closed server refuses
 * and node:cluster gives to another worker.
 */
const DRAINED = "gatehouse:drained";
const MAY_EXIT = "gatehouse:may-exit";
/** A supervisor that does not answer (it is gone) does not keep a worker alive. */
const MAY_EXIT_TIMEOUT_MS = 5000;

/** In a worker, after its server has closed: resolves once it may exit without losing a client. */
export function leaveCluster(): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, MAY_EXIT_TIMEOUT_MS);
    process.on("message", (message) => {
      if (message !== MAY_EXIT) return;
      clearTimeout(timer);
      resolve();
    });
    if (process.send === undefined) resolve();
    else process.send(DRAINED);
  });
}

interface Slot {
  index: number;
  worker: Worker;
  startedAt: number;
  quickExits: number;
}

export interface SuperviseOptions {
  migrate?: boolean | undefined;
  envFile?: EnvFileOutcome | undefined;
}

/**
 * Argon2 runs on its own threads in each worker; the machine has `total` cores' worth to give, so
 * each worker gets its share (at least one), not `total` each.
 */
export function hashConcurrencyShare(total: number, workers: number, index: number): number {
  const base = Math.floor(total / workers);
  return Math.max(1, base + (index < total % workers ? 1 : 0));
}

function listeningAddress(address: Address): string {
  const host = address.address;
  return `http://${host.includes(":") ? `[${host}]` : host}:${String(address.port)}`;
}

/** Runs until the workers are stopped; resolves with the exit code the supervisor should end with. */
export async function superviseWorkers(
  env: Environment,
  options: SuperviseOptions,
): Promise<number> {
  const config = loadConfig(env);
  const log = createLogger(config).child({ role: "supervisor" });
  const deps = createDeps(config, { log });
  try {
    await prepareDatabase(deps, options.migrate ?? config.database.migrateOnStart);
  } finally {
    await deps.close();
  }
  if (config.metrics.enabled) serveClusterMetrics();
  const supervisor = new Supervisor(config, log, options.envFile, env.NODE_OPTIONS);
  await supervisor.start();
  return supervisor.stopped;
}

class Supervisor {
  readonly #slots = new Map<number, Slot>();
  readonly #count: number;
  #isStopping = false;
  #isRestarting = false;
  #hasStarted = false;
  #resolveStopped: (exitCode: number) => void = () => undefined;
  /** Resolves once every worker has exited after stop(). */
  readonly stopped = new Promise<number>((resolve) => {
    this.#resolveStopped = resolve;
  });

  constructor(
    private readonly config: Config,
    private readonly log: Logger,
    private readonly envFile: EnvFileOutcome | undefined,
    private readonly nodeOptions: string | undefined,
  ) {
    this.#count = config.http.workers;
  }

  async start(): Promise<void> {
    cluster.setupPrimary({ execArgv: workerExecArgv(process.execArgv, this.nodeOptions) });
    process.on("SIGTERM", () => void this.stop("SIGTERM"));
    process.on("SIGINT", () => void this.stop("SIGINT"));
    process.on("SIGHUP", () => void this.rollingRestart());
    const started = Array.from({ length: this.#count }, (_, index) => this.#fork(index));
    cluster.on("exit", (worker, code, signal) => {
      this.#onExit(worker, code, signal);
    });
    let addresses: Address[];
    try {
      addresses = await Promise.all(started.map((slot) => this.#listening(slot.worker)));
    } catch (error) {
      this.log.error({ reason: (error as Error).message }, "a worker failed to start; stopping");
      await this.stop("a worker failed to start", 1);
      return;
    }
    this.#hasStarted = true;
    const summary = startupSummary(this.config, {
      address: listeningAddress(addresses[0] as Address),
      envFile: this.envFile,
    });
    this.log.info({ ...summary.fields, workers: this.#count }, summary.message);
  }

  #fork(index: number, quickExits = 0): Slot {
    const worker = cluster.fork({
      // The supervisor has migrated; a worker only checks the schema it finds.
      MIGRATE_ON_START: "false",
      PASSWORD_HASH_CONCURRENCY: String(
        hashConcurrencyShare(this.config.passwordHashing.maxConcurrentHashes, this.#count, index),
      ),
    });
    const slot = { index, worker, startedAt: Date.now(), quickExits };
    this.#slots.set(worker.id, slot);
    this.log.info({ worker: index + 1, workerPid: worker.process.pid }, "worker started");
    return slot;
  }

  #listening(worker: Worker, timeoutMs = START_TIMEOUT_MS): Promise<Address> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`worker ${String(worker.process.pid)} did not listen in time`));
      }, timeoutMs);
      const onListening = (address: Address) => {
        cleanup();
        resolve(address);
      };
      const onExit = () => {
        cleanup();
        reject(new Error(`worker ${String(worker.process.pid)} exited before listening`));
      };
      const cleanup = () => {
        clearTimeout(timer);
        worker.off("listening", onListening);
        worker.off("exit", onExit);
      };
      worker.once("listening", onListening);
      worker.once("exit", onExit);
    });
  }

  #onExit(worker: Worker, code: number | null, signal: string | null): void {
    const slot = this.#slots.get(worker.id);
    this.#slots.delete(worker.id);
    if (slot === undefined || this.#isStopping) return;
    const fields = { worker: slot.index + 1, workerPid: worker.process.pid, code, signal };
    // Before the first start completes, start() stops everything.
    if (!this.#hasStarted) return;
    const livedShort = Date.now() - slot.startedAt < QUICK_EXIT_MS;
    const quickExits = livedShort ? slot.quickExits + 1 : 0;
    const delayMs = quickExits === 0 ? 0 : Math.min(MAX_RESTART_DELAY_MS, 500 * 2 ** quickExits);
    this.log.error({ ...fields, restartInMs: delayMs }, "worker exited unexpectedly; replacing it");
    setTimeout(() => {
      if (!this.#isStopping) this.#fork(slot.index, quickExits);
    }, delayMs).unref();
  }

  /** Replaces the workers one at a time; a new worker that fails to listen stops the rollout. */
  async rollingRestart(): Promise<void> {
    if (this.#isStopping) return;
    if (!this.#hasStarted) {
      this.log.warn("SIGHUP before the workers have started: ignored");
      return;
    }
    if (this.#isRestarting) {
      this.log.warn("SIGHUP during a rolling restart: ignored");
      return;
    }
    this.#isRestarting = true;
    this.log.info({ workers: this.#count }, "rolling restart");
    try {
      for (const old of [...this.#slots.values()].sort((a, b) => a.index - b.index)) {
        // stop() may have begun while the previous worker drained.
        if (this.isStopping()) return;
        const fresh = this.#fork(old.index);
        try {
          await this.#listening(fresh.worker);
        } catch (error) {
          this.log.error(
            { worker: old.index + 1, err: error },
            "rolling restart stopped: the new worker did not start; the old one keeps serving",
          );
          this.#slots.delete(fresh.worker.id);
          fresh.worker.process.kill("SIGKILL");
          return;
        }
        this.#slots.delete(old.worker.id);
        await this.#drain(old.worker);
      }
      this.log.info({ workers: this.#count }, "rolling restart done");
    } finally {
      this.#isRestarting = false;
    }
  }

  /** SIGTERM to one worker (its server closes, in-flight requests finish), SIGKILL if it hangs. */
  #drain(worker: Worker): Promise<boolean> {
    if (worker.isDead()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.log.error({ workerPid: worker.process.pid }, "worker did not finish in time; killed");
        worker.process.kill("SIGKILL");
        resolve(false);
      }, DRAIN_TIMEOUT_MS);
      worker.once("exit", () => {
        clearTimeout(timer);
        resolve(true);
      });
      worker.on("message", (message) => {
        if (message === DRAINED && worker.isConnected()) worker.send(MAY_EXIT);
      });
      worker.process.kill("SIGTERM");
    });
  }

  isStopping(): boolean {
    return this.#isStopping;
  }

  async stop(reason: string, exitCode = 0): Promise<void> {
    if (this.#isStopping) return;
    this.#isStopping = true;
    this.log.info({ reason }, "stopping the workers");
    const workers = Object.values(cluster.workers ?? {}).filter(
      (worker): worker is Worker => worker !== undefined,
    );
    const finished = await Promise.all(workers.map((worker) => this.#drain(worker)));
    this.#resolveStopped(finished.every(Boolean) ? exitCode : 1);
  }
}
