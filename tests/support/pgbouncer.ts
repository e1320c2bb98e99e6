// A private PgBouncer in transaction mode (Debian's package) in front of the test PostgreSQL, as
// operators run Gatehouse behind one: server connections are shared between clients transaction
// by transaction, so anything a client leaves on a server connection between transactions (named
// prepared statements, session settings) may be found, or missed, by another client. Also a
// PostgreSQL database of its own to put behind it (PgBouncer does not forward `options`, so the
// schema-per-test trick of test-app.ts cannot pass it). No vitest imports: bench/ may use it too.
import { spawn, type ChildProcess } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { DEFAULT_TEST_POSTGRES_URL } from "./global-setup.js";

export const PGBOUNCER_PATH = process.env.PGBOUNCER_PATH ?? "/usr/sbin/pgbouncer";
/** PgBouncer refuses to run as root; as root it is started with `-u` as this user. */
export const PGBOUNCER_USER = process.env.PGBOUNCER_USER ?? "postgres";

const START_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 5_000;
const KEPT_OUTPUT_LINES = 200;

export interface PgBouncerOptions {
  /** The PostgreSQL behind it (host, port, user, password are taken from it). */
  upstreamUrl?: string;
  /** The databases it serves, each under its own name. */
  databases: string[];
  /** Server connections per database and user: the real pool that clients take turns on. */
  poolSize?: number;
  /** Client connections it accepts in all. */
  maxClientConnections?: number;
  /**
   * Server connections opened (per database) before it is handed over (4): with them idle and
   * `server_round_robin`, consecutive transactions of one client run on different server
   * connections, so whatever a transaction leaves behind on its connection shows at once.
   */
  warmServerConnections?: number;
}

export interface PgBouncer {
  port: number;
  /** `postgres://user@127.0.0.1:<port>/<database>`: a client's URL through the pooler. */
  url(database: string): string;
  /** The last lines PgBouncer logged, for failure messages. */
  output(): string;
  /** SIGTERM (immediate shutdown), then the temporary folder is removed. */
  stop(): Promise<void>;
}

/** Fails (never skips) when PgBouncer is not installed, naming the package to install. */
export function assertPgBouncerInstalled(): void {
  if (!existsSync(PGBOUNCER_PATH)) {
    throw new Error(
      `PgBouncer not found at ${PGBOUNCER_PATH}: apt-get install -y pgbouncer (or set PGBOUNCER_PATH)`,
    );
  }
}

function freePort(): Promise<number> {
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

/** uid and gid of a local user, from /etc/passwd. */
function userIds(name: string): { uid: number; gid: number } {
  const line = readFileSync("/etc/passwd", "utf8")
    .split("\n")
    .find((entry) => entry.startsWith(`${name}:`));
  const [, , uid, gid] = line?.split(":") ?? [];
  if (uid === undefined || gid === undefined) {
    throw new Error(`PgBouncer cannot run as root and there is no user "${name}" to run it as`);
  }
  return { uid: Number(uid), gid: Number(gid) };
}

/** A value of pgbouncer.ini's [databases] connection string: quoted if it needs to be. */
function iniValue(value: string): string {
  return /^[\w.-]+$/.test(value) ? value : `'${value.replace(/'/g, "''")}'`;
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once("exit", () => {
      resolve();
    });
  });
}

/** Holds `count` client connections in a query at once, so PgBouncer opens as many servers. */
async function warmPool(url: string, count: number): Promise<void> {
  const clients = Array.from({ length: count }, () => new pg.Client(url));
  try {
    await Promise.all(clients.map((client) => client.connect()));
    await Promise.all(clients.map((client) => client.query("select pg_sleep(0.05)")));
  } finally {
    await Promise.all(clients.map((client) => client.end().catch(() => undefined)));
  }
}

async function acceptsQueries(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
  try {
    await client.connect();
    await client.query("select 1");
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Starts PgBouncer in the foreground as a child process (never a daemon) on a free port of
 * 127.0.0.1, with its ini, user list, log and pid file in a temporary folder, and resolves once
 * it answers a query on the first database.
 */
export async function startPgBouncer(options: PgBouncerOptions): Promise<PgBouncer> {
  assertPgBouncerInstalled();
  const upstream = new URL(options.upstreamUrl ?? testPostgresUrl());
  const user = decodeURIComponent(upstream.username) || "postgres";
  const password = decodeURIComponent(upstream.password);
  const dir = mkdtempSync(join(tmpdir(), "gatehouse-pgbouncer-"));
  try {
    // Two tries: another process may take the free port between our look and PgBouncer's bind.
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      const connection = (database: string) =>
        [
          `host=${iniValue(upstream.hostname || "127.0.0.1")}`,
          `port=${upstream.port || "5432"}`,
          `dbname=${iniValue(database)}`,
          `user=${iniValue(user)}`,
          ...(password === "" ? [] : [`password=${iniValue(password)}`]),
        ].join(" ");
      writeFileSync(
        join(dir, "pgbouncer.ini"),
        [
          "[databases]",
          ...options.databases.map((database) => `${database} = ${connection(database)}`),
          "",
          "[pgbouncer]",
          "listen_addr = 127.0.0.1",
          `listen_port = ${port}`,
          // TCP only: no socket in /var/run/postgresql beside the machine's own.
          "unix_socket_dir =",
          "pool_mode = transaction",
          // Clients are not authenticated here (only the test connects); the upstream login is
          // the [databases] entry's. `trust` still wants the user in the auth file.
          "auth_type = trust",
          `auth_file = ${join(dir, "userlist.txt")}`,
          `max_client_conn = ${options.maxClientConnections ?? 200}`,
          `default_pool_size = ${options.poolSize ?? 10}`,
          // The idle server connection used longest ago serves next (the default reuses the
          // latest, which can hide a client that relies on getting its connection back).
          "server_round_robin = 1",
          // JDBC-style clients send it; node-postgres does not. `options` is NOT ignored: a
          // client that relies on it (search_path, statement_timeout) is refused, not misled.
          "ignore_startup_parameters = extra_float_digits",
          `logfile = ${join(dir, "pgbouncer.log")}`,
          `pidfile = ${join(dir, "pgbouncer.pid")}`,
          "",
        ].join("\n"),
      );
      writeFileSync(join(dir, "userlist.txt"), `"${user}" ""\n`);
      const asRoot = process.getuid?.() === 0;
      if (asRoot) {
        // `-u` drops to this user before the log and pid files are opened: they must be its.
        const { uid, gid } = userIds(PGBOUNCER_USER);
        for (const name of ["", "pgbouncer.ini", "userlist.txt"])
          chownSync(join(dir, name), uid, gid);
      }
      const args = [...(asRoot ? ["-u", PGBOUNCER_USER] : []), join(dir, "pgbouncer.ini")];
      const child = spawn(PGBOUNCER_PATH, args, { stdio: ["ignore", "pipe", "pipe"] });
      const lines: string[] = [];
      const keep = (text: string) => {
        lines.push(...text.split("\n").filter((line) => line !== ""));
        if (lines.length > KEPT_OUTPUT_LINES) lines.splice(0, lines.length - KEPT_OUTPUT_LINES);
      };
      child.stdout.setEncoding("utf8").on("data", keep);
      child.stderr.setEncoding("utf8").on("data", keep);
      const output = () => lines.join("\n");
      const url = (database: string) =>
        `postgres://${encodeURIComponent(user)}@127.0.0.1:${port}/${encodeURIComponent(database)}`;

      const deadline = Date.now() + START_TIMEOUT_MS;
      let ready = false;
      while (!ready && child.exitCode === null && Date.now() < deadline) {
        ready = await acceptsQueries(url(options.databases[0] ?? "pgbouncer"));
        if (!ready) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      if (!ready) {
        child.kill("SIGKILL");
        await exited(child);
        if (attempt < 2 && /Address already in use/i.test(output())) continue;
        throw new Error(`PgBouncer did not start on 127.0.0.1:${port}:\n${output()}`);
      }
      const warm = Math.min(options.warmServerConnections ?? 4, options.poolSize ?? 10);
      for (const database of options.databases) await warmPool(url(database), warm);
      return {
        port,
        url,
        output,
        async stop() {
          child.kill("SIGTERM");
          const timer = setTimeout(() => child.kill("SIGKILL"), STOP_TIMEOUT_MS);
          await exited(child);
          clearTimeout(timer);
          rmSync(dir, { recursive: true, force: true });
        },
      };
    }
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

export function testPostgresUrl(): string {
  return process.env.TEST_POSTGRES_URL ?? DEFAULT_TEST_POSTGRES_URL;
}

export interface ScratchDatabase {
  name: string;
  /** The database itself, not through any pooler. */
  directUrl: string;
  /** Drops it, ending any session still connected. */
  drop(): Promise<void>;
}

/** A fresh PostgreSQL database (`<prefix>_<pid>_<time>_<random>`), on the test server. */
export async function aScratchDatabase(prefix = "gh_cluster"): Promise<ScratchDatabase> {
  const baseUrl = testPostgresUrl();
  const name = `${prefix}_${process.pid}_${Date.now().toString(36)}_${Math.floor(Math.random() * 1e6)}`;
  const admin = new pg.Client(baseUrl);
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const directUrl = new URL(baseUrl);
  directUrl.pathname = `/${name}`;
  return {
    name,
    directUrl: directUrl.toString(),
    async drop() {
      const client = new pg.Client(baseUrl);
      await client.connect();
      try {
        await client.query(`drop database if exists ${name} with (force)`);
      } finally {
        await client.end();
      }
    },
  };
}

export interface PooledDatabase {
  /** The database through PgBouncer in transaction mode. */
  url: string;
  directUrl: string;
  pgbouncer: PgBouncer;
  /** Stops PgBouncer and drops the database. */
  close(): Promise<void>;
}

/** A fresh database behind a private PgBouncer in transaction mode: what the cluster runs on. */
export async function aPooledDatabase(
  options: Omit<PgBouncerOptions, "databases" | "upstreamUrl"> & { prefix?: string } = {},
): Promise<PooledDatabase> {
  assertPgBouncerInstalled();
  const database = await aScratchDatabase(options.prefix);
  let pgbouncer: PgBouncer;
  try {
    pgbouncer = await startPgBouncer({ ...options, databases: [database.name] });
  } catch (error) {
    await database.drop();
    throw error;
  }
  return {
    url: pgbouncer.url(database.name),
    directUrl: database.directUrl,
    pgbouncer,
    async close() {
      await pgbouncer.stop();
      await database.drop();
    },
  };
}
