// Argon2 runs in worker threads that lower their own scheduling priority. On libuv's pool the
// hashes ran at the event loop's priority, so a burst of sign-ins took the cores from every other
// request (bench: `me` p99 25 ms while tokenAuth saturated two cores). A thread at nice 19 still
// gets every cycle the event loop leaves idle, so sign-ins keep their throughput while the event
// loop answers first. On Linux the nice value belongs to the thread that sets it.
import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";

export interface Argon2Options {
  algorithm: number;
  memoryCost: number;
  timeCost: number;
  parallelism: number;
}

export interface Argon2Workers {
  hash(password: string, options: Argon2Options): Promise<string>;
  /** Rejects when the library cannot decode `phc`. */
  verify(phc: string, password: string): Promise<boolean>;
  close(): Promise<void>;
}

type Job =
  | { kind: "hash"; password: string; options: Argon2Options }
  | { kind: "verify"; phc: string; password: string };

interface Pending {
  job: Job;
  resolve(value: unknown): void;
  reject(error: Error): void;
}

const LOWEST_PRIORITY = 19;

// Plain JavaScript, so the same source runs under the compiled server and under the test runner,
// which cannot load TypeScript into a worker.
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const { setPriority } = require("node:os");
const argon2 = require(workerData.argon2Path);
try { setPriority(workerData.priority); } catch {}
parentPort.on("message", (job) => {
  try {
    const value = job.kind === "hash"
      ? argon2.hashSync(job.password, job.options)
      : argon2.verifySync(job.phc, job.password);
    parentPort.postMessage({ ok: true, value });
  } catch (error) {
    parentPort.postMessage({ ok: false, message: String(error && error.message || error) });
  }
});
`;

const argon2Path = createRequire(import.meta.url).resolve("@node-rs/argon2");

/** `size` threads, started on first use; jobs beyond that wait in arrival order. */
export function createArgon2Workers(size: number): Argon2Workers {
  const slots = Math.max(1, Math.floor(size));
  const idle: Worker[] = [];
  const busy = new Map<Worker, Pending>();
  const waiting: Pending[] = [];
  let started = 0;
  let closed = false;

  const spawn = (): Worker => {
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { argon2Path, priority: LOWEST_PRIORITY },
      // The worker's own JavaScript is a message loop; a small heap keeps its RSS small.
      resourceLimits: { maxYoungGenerationSizeMb: 1, maxOldGenerationSizeMb: 16 },
    });
    started++;
    worker.on("message", (reply: { ok: boolean; value?: unknown; message?: string }) => {
      const pending = busy.get(worker);
      busy.delete(worker);
      if (reply.ok) pending?.resolve(reply.value);
      else pending?.reject(new Error(reply.message ?? "argon2 failed"));
      release(worker);
    });
    // A worker that dies takes only its own job with it; the next job gets a fresh one.
    worker.on("error", (error) => {
      busy.get(worker)?.reject(error);
      busy.delete(worker);
    });
    worker.on("exit", () => {
      busy.get(worker)?.reject(new Error("argon2 worker exited"));
      busy.delete(worker);
      const index = idle.indexOf(worker);
      if (index >= 0) idle.splice(index, 1);
      started--;
      if (!closed) dispatch();
    });
    return worker;
  };

  const run = (worker: Worker, pending: Pending) => {
    busy.set(worker, pending);
    // Referenced only while it works, so an idle pool never keeps a CLI command alive.
    worker.ref();
    worker.postMessage(pending.job);
  };

  const release = (worker: Worker) => {
    const next = waiting.shift();
    if (next !== undefined) {
      run(worker, next);
      return;
    }
    worker.unref();
    idle.push(worker);
  };

  const dispatch = () => {
    while (waiting.length > 0) {
      const worker = idle.pop() ?? (started < slots ? spawn() : undefined);
      const next = worker === undefined ? undefined : waiting.shift();
      if (worker === undefined || next === undefined) return;
      run(worker, next);
    }
  };

  const submit = <T>(job: Job): Promise<T> => {
    if (closed) return Promise.reject(new Error("the argon2 workers are closed"));
    return new Promise<T>((resolve, reject) => {
      waiting.push({
        job,
        resolve: (value) => {
          resolve(value as T);
        },
        reject,
      });
      dispatch();
    });
  };

  return {
    hash: (password, options) => submit<string>({ kind: "hash", password, options }),
    verify: (phc, password) => submit<boolean>({ kind: "verify", phc, password }),
    async close() {
      closed = true;
      for (const pending of waiting.splice(0))
        pending.reject(new Error("the argon2 workers closed"));
      await Promise.all([...idle, ...busy.keys()].map((worker) => worker.terminate()));
    },
  };
}
