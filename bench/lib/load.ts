// Load runs with autocannon: an unrecorded warm-up, then a recorded run during which the
// target's RSS (and, on PostgreSQL, its server connections) are sampled.
import autocannon from "autocannon";
import { spawn } from "node:child_process";
import type { Target } from "./graphql-client.js";
import { watchCpu, watchRss } from "./memory.js";
import { ROOT, type Options } from "./options.js";
import type { ConnectionCounts } from "./pg-connections.js";
import { body, type Operation } from "./shared.js";

export interface Load {
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  non2xx: number;
  errors: number;
  failures: number;
  peakRssBytes: number;
  /** The server's CPU time (user + system, every process) per request, in microseconds. */
  cpuUsPerRequest: number;
  /** PostgreSQL only: the server connections this side held during the recorded run. */
  dbConnections?: ConnectionCounts;
}

export interface LoadSpec {
  operation: Operation;
  variables?: Record<string, unknown>;
  headers?: Record<string, string>;
  connections?: number;
  overallRate?: number;
  /** Builds each request's variables (per connection state in `context`). */
  perRequest?: (context: Record<string, unknown>) => Record<string, unknown>;
  /** Reads each response (e.g. the rotated refresh token); returns false for a failed operation. */
  onResponse?: (
    data: Record<string, unknown> | undefined,
    context: Record<string, unknown>,
  ) => boolean;
}

export type LoadSettings = Pick<Options, "durationS" | "warmupS" | "connections">;

function dataOf(text: string): Record<string, unknown> | undefined {
  try {
    return (JSON.parse(text) as { data?: Record<string, unknown> }).data;
  } catch {
    return undefined;
  }
}

/** autocannon's request list when each request is built or read; undefined for a fixed body. */
function requestList(
  target: Target,
  spec: LoadSpec,
  headers: Record<string, string>,
  onFailure: () => void,
): autocannon.Request[] | undefined {
  const { perRequest, onResponse } = spec;
  if (perRequest === undefined && onResponse === undefined) return undefined;
  const variables = (context: object) =>
    perRequest === undefined
      ? (spec.variables ?? {})
      : perRequest(context as Record<string, unknown>);
  return [
    {
      method: "POST",
      path: target.path(spec.operation),
      headers,
      setupRequest: (request, context) => ({
        ...request,
        body: body(spec.operation, variables(context)),
      }),
      ...(onResponse === undefined
        ? {}
        : {
            onResponse: (_status: number, text: string, context: object) => {
              if (!onResponse(dataOf(text), context as Record<string, unknown>)) onFailure();
            },
          }),
    },
  ];
}

export async function runLoad(
  target: Target,
  spec: LoadSpec,
  settings: LoadSettings,
): Promise<Load> {
  const headers = { "content-type": "application/json", ...spec.headers };
  let failures = 0;
  const requests = requestList(target, spec, headers, () => {
    failures++;
  });
  const options = {
    url: `http://127.0.0.1:${target.port}${target.path(spec.operation)}`,
    method: "POST" as const,
    headers,
    body: body(spec.operation, spec.variables ?? {}),
    connections: spec.connections ?? settings.connections,
    ...(spec.overallRate === undefined ? {} : { overallRate: spec.overallRate }),
    ...(requests === undefined ? {} : { requests }),
  };
  // Unrecorded first: both sides are measured after V8 has optimised their hot paths, as a
  // server that has been up for a while runs.
  await autocannon({ ...options, duration: settings.warmupS });
  failures = 0;
  const rss = watchRss(target.pid);
  const cpu = watchCpu(target.pid);
  const connections = target.watchConnections?.();
  const result = await autocannon({ ...options, duration: settings.durationS });
  const cpuSeconds = cpu.stop();
  const peakRssBytes = rss.stop();
  const dbConnections = await connections?.stop();
  return {
    rps: result.requests.total / settings.durationS,
    p50: result.latency.p50,
    p99: result.latency.p99,
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    failures,
    peakRssBytes,
    cpuUsPerRequest: result.requests.total === 0 ? 0 : (cpuSeconds * 1e6) / result.requests.total,
    ...(dbConnections === undefined ? {} : { dbConnections }),
  };
}

/** Runs the sign-in load from a separate process and resolves when it ends. */
export function loginLoadProcess(
  target: Target,
  seconds: number,
  connections: number,
): Promise<void> {
  const url = `http://127.0.0.1:${target.port}${target.path("tokenAuth")}`;
  const child = spawn(
    "node",
    ["--import", "tsx", "bench/lib/login-load.ts", url, String(seconds), String(connections)],
    { cwd: ROOT, stdio: ["ignore", "ignore", "inherit"] },
  );
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code) => {
      if (code === 0) resolve();
      else reject(new Error(`login load exited with ${String(code)}`));
    });
  });
}
