// A cluster of stateless Gatehouse nodes as operators deploy it: N `gatehouse serve` processes on
// one PostgreSQL database reached through PgBouncer in transaction mode, one Redis for the rate
// limits, one SECRET_KEY, one SMTP server, and a round-robin HTTP proxy in front. A test talks to
// the proxy, or to one node directly, and may SIGKILL a node and start it again.
import { randomUUID } from "node:crypto";
import {
  createServer,
  request as httpRequest,
  Agent,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import { Redis } from "ioredis";
import { aPooledDatabase, type PooledDatabase } from "./pgbouncer.js";
import { startServerProcess, type ServerProcess } from "./server-process.js";
import { startSmtpSink, type SmtpSink } from "./smtp-sink.js";

export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
/** A node that waits longer than this (for a lock, a connection) fails the cluster's start. */
const NODE_START_TIMEOUT_MS = 40_000;

export interface ClusterOptions {
  /** How many nodes (3). */
  nodes?: number;
  /** Settings of every node, over the cluster's own (e.g. EMAIL_ASYNC_TASK, RATE_LIMITS). */
  env?: Record<string, string>;
  /** PgBouncer's server connections for the database (clients take turns on them). */
  poolSize?: number;
}

export interface Cluster {
  /** The proxy's GraphQL endpoint: each request goes to the next live node. */
  graphqlUrl: string;
  size: number;
  /** Node `index`'s own GraphQL endpoint (changes when the node is restarted). */
  nodeUrl(index: number): string;
  /** Answers the proxy has passed back from each node since the start. */
  servedBy(): number[];
  /** Requests the proxy has sent to each node since the start, answered or not. */
  forwardedTo(): number[];
  /** SIGKILL: no shutdown code runs; the proxy stops sending to the node. */
  kill(index: number): Promise<void>;
  /** Starts the node again (it does not migrate) and puts it back behind the proxy. */
  restart(index: number): Promise<void>;
  smtp: SmtpSink;
  database: PooledDatabase;
  /** The nodes' and PgBouncer's last lines, for failure messages. */
  output(): string;
  close(): Promise<void>;
}

const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "transfer-encoding",
  "upgrade",
  "te",
  "trailer",
  "content-length",
]);

/**
 * The last lines of a log, each cut short (a stack trace is one long JSON line), without the
 * nodes' info lines (one per request): the warnings and errors are what a failure needs.
 */
function tail(log: string, lines = 15, width = 400): string {
  return log
    .split("\n")
    .filter((line) => !/^\{"level":(10|20|30),/.test(line))
    .slice(-lines)
    .map((line) => (line.length > width ? `${line.slice(0, width)}…` : line))
    .join("\n");
}

function forwardedHeaders(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  return Object.fromEntries(
    Object.entries(headers).filter(([name]) => !HOP_BY_HOP.has(name.toLowerCase())),
  );
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      resolve(Buffer.concat(chunks));
    });
    request.on("error", reject);
  });
}

export interface RoundRobinProxy {
  /** http://127.0.0.1:<port> */
  url: string;
  /** Answers passed back from each upstream since the start. */
  served: number[];
  /** Requests sent to each upstream since the start, answered or not. */
  forwarded: number[];
  close(): Promise<void>;
}

/**
 * A round-robin reverse proxy (also .ci/cluster-conformance.sh's): method, path, headers (plus the client in X-Forwarded-For) and
 * body go to the next live node, and its answer is streamed back. A node that refuses the
 * connection (dead, nothing was sent) is skipped for the next one; a node that dies with the
 * request in flight gives a 502, as a real proxy would: the request may or may not have happened.
 */
export async function startRoundRobinProxy(
  /** The nodes' addresses; the caller may empty a slot (a dead node) or fill it again. */
  upstreams: (URL | undefined)[],
  port = 0,
): Promise<RoundRobinProxy> {
  const served = upstreams.map(() => 0);
  const forwarded = upstreams.map(() => 0);
  // A fresh connection per request: no pooled socket to a killed node is ever reused.
  const agent = new Agent({ keepAlive: false });
  let next = 0;

  const send = (
    request: IncomingMessage,
    response: ServerResponse,
    body: Buffer,
    triesLeft: number,
  ) => {
    let index = -1;
    for (let step = 0; step < upstreams.length; step++) {
      const candidate = (next + step) % upstreams.length;
      if (upstreams[candidate] !== undefined) {
        index = candidate;
        break;
      }
    }
    next = (index + 1) % upstreams.length;
    const target = upstreams[index];
    if (target === undefined || triesLeft === 0) {
      response.writeHead(503, { "content-type": "text/plain" }).end("no live node\n");
      return;
    }
    const client = request.socket.remoteAddress ?? "127.0.0.1";
    const previous = request.headers["x-forwarded-for"];
    const forwardedFor = previous === undefined ? client : `${String(previous)}, ${client}`;
    const upstream = httpRequest(
      {
        agent,
        host: target.hostname,
        port: target.port,
        method: request.method,
        path: request.url,
        headers: {
          ...forwardedHeaders(request.headers),
          "x-forwarded-for": forwardedFor,
          "content-length": String(body.length),
        },
      },
      (answer) => {
        served[index] = (served[index] ?? 0) + 1;
        response.writeHead(answer.statusCode ?? 502, forwardedHeaders(answer.headers));
        answer.pipe(response);
        answer.on("error", () => response.destroy());
        answer.on("aborted", () => response.destroy());
      },
    );
    upstream.on("error", (error: NodeJS.ErrnoException) => {
      if (response.headersSent) {
        response.destroy();
      } else if (error.code === "ECONNREFUSED") {
        // Nothing reached the node: the next one may take it.
        send(request, response, body, triesLeft - 1);
      } else {
        response.writeHead(502, { "content-type": "text/plain" }).end(`${error.message}\n`);
      }
    });
    forwarded[index] = (forwarded[index] ?? 0) + 1;
    upstream.end(body);
  };

  const server: Server = createServer((request, response) => {
    readBody(request).then(
      (body) => {
        send(request, response, body, upstreams.length);
      },
      () => response.destroy(),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", resolve);
  });
  const address = server.address();
  const listening = typeof address === "object" && address !== null ? address.port : port;
  return {
    url: `http://127.0.0.1:${listening}`,
    served,
    forwarded,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          agent.destroy();
          resolve();
        });
      }),
  };
}

/**
 * Starts the cluster: PgBouncer (transaction mode) before a fresh database, the first node (it
 * applies the migrations), then the others with MIGRATE_ON_START=false, then the proxy.
 */
export async function startCluster(options: ClusterOptions = {}): Promise<Cluster> {
  const size = options.nodes ?? 3;
  const redisPrefix = `gatehouse-cluster-${randomUUID()}:`;
  const cleanups: (() => Promise<void>)[] = [];
  const cleanUp = async () => {
    const errors: unknown[] = [];
    for (const cleanup of cleanups.reverse()) {
      try {
        await cleanup();
      } catch (error) {
        errors.push(error);
      }
    }
    cleanups.length = 0;
    if (errors.length > 0) throw new AggregateError(errors, "The cluster did not stop cleanly");
  };
  const nodes: (ServerProcess | undefined)[] = Array.from({ length: size }, () => undefined);
  const upstreams: (URL | undefined)[] = Array.from({ length: size }, () => undefined);

  try {
    const smtp = await startSmtpSink();
    cleanups.push(() => smtp.close());
    cleanups.push(async () => {
      const redis = new Redis(TEST_REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
      try {
        await redis.connect();
        const keys = await redis.keys(`${redisPrefix}*`);
        if (keys.length > 0) await redis.del(...keys);
      } finally {
        redis.disconnect();
      }
    });
    // Enough server connections for the test, fewer than the nodes' client connections: clients
    // share them transaction by transaction, as behind a production pooler.
    const database = await aPooledDatabase({
      poolSize: options.poolSize ?? 8,
      maxClientConnections: 50 * size,
    });
    cleanups.push(() => database.close());

    const env: Record<string, string> = {
      NODE_ENV: "test",
      DATABASE_URL: database.url,
      DATABASE_POOLER: "transaction",
      SECRET_KEY: "cluster-secret-key-that-is-long-enough-for-tests",
      SITE_DOMAIN: "app.example.test",
      EMAIL_HOST: "127.0.0.1",
      EMAIL_PORT: String(smtp.port),
      EMAIL_USE_TLS: "false",
      EMAIL_USE_SSL: "false",
      REDIS_URL: TEST_REDIS_URL,
      REDIS_KEY_PREFIX: redisPrefix,
      TRUST_PROXY: "true",
      // Tests lower the hash cost, never the algorithm (STYLE.md §10).
      PASSWORD_HASH_MEMORY_KIB: "1024",
      PASSWORD_HASH_TIME_COST: "1",
      ...options.env,
    };
    const startNode = async (index: number, migrate: boolean) => {
      // `serve` applies migrations unless told `--no-migrate`: today it does not read
      // MIGRATE_ON_START (commander's default for --no-migrate wins), so both are given.
      const node = await startServerProcess(
        { ...env, ...(migrate ? {} : { MIGRATE_ON_START: "false" }) },
        { serveArgs: migrate ? [] : ["--no-migrate"], startTimeoutMs: NODE_START_TIMEOUT_MS },
      );
      nodes[index] = node;
      upstreams[index] = new URL(node.graphqlUrl);
    };
    cleanups.push(async () => {
      const running = nodes.filter((node): node is ServerProcess => node !== undefined);
      await Promise.all(running.map((node) => node.stop()));
    });
    await startNode(0, true);
    await Promise.all(Array.from({ length: size - 1 }, (_, index) => startNode(index + 1, false)));

    const proxy = await startRoundRobinProxy(upstreams);
    cleanups.push(() => proxy.close());

    const nodeAt = (index: number): ServerProcess => {
      const node = nodes[index];
      if (node === undefined) throw new Error(`Node ${index} is not running`);
      return node;
    };
    return {
      graphqlUrl: `${proxy.url}/graphql`,
      size,
      nodeUrl: (index) => nodeAt(index).graphqlUrl,
      servedBy: () => [...proxy.served],
      forwardedTo: () => [...proxy.forwarded],
      async kill(index) {
        const node = nodeAt(index);
        upstreams[index] = undefined;
        nodes[index] = undefined;
        await node.kill();
      },
      async restart(index) {
        if (nodes[index] !== undefined) throw new Error(`Node ${index} is still running`);
        await startNode(index, false);
      },
      smtp,
      database,
      output: () =>
        [
          ...nodes.map(
            (node, index) => `--- node ${index} ---\n${tail(node?.output() ?? "(down)")}`,
          ),
          `--- pgbouncer ---\n${tail(database.pgbouncer.output())}`,
        ].join("\n"),
      close: cleanUp,
    };
  } catch (error) {
    await cleanUp().catch(() => undefined);
    throw error;
  }
}
