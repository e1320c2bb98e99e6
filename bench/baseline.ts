// The baseline: the least each benchmarked request needs, with no framework. node:http, the same
// drivers (better-sqlite3 / pg), fast-jwt with the same key and @node-rs/argon2 at the same cost,
// and JSON.stringify. Run as a child process by bench/run.ts (so its RSS is measured on its own):
//   BASELINE_DB=<sqlite path | postgres url> BASELINE_PORT=<port> [BASELINE_WORKERS=<n>] \
//     node --import tsx bench/baseline.ts
import { hash as argon2Hash, verify as argon2Verify } from "@node-rs/argon2";
import type { Algorithm } from "@node-rs/argon2";
import Database from "better-sqlite3";
import { createSigner, createVerifier } from "fast-jwt";
import cluster from "node:cluster";
import { createHash, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import pg from "pg";
import { ARGON2_OPTIONS, ARGON2_PREFIX, SECRET_KEY, SQL, toPgSql } from "./lib/shared.js";

type Row = Record<string, unknown>;
type SqlName = keyof typeof SQL;

interface Driver {
  one(name: SqlName, params: unknown[]): Promise<Row | undefined>;
  all(name: SqlName, params: unknown[]): Promise<Row[]>;
  run(name: SqlName, params: unknown[]): Promise<void>;
  /** Runs `work` in one transaction. */
  tx<T>(work: (d: Driver) => Promise<T>): Promise<T>;
  isPostgres: boolean;
}

function sqliteDriver(path: string): Driver {
  const db = new Database(path);
  db.pragma("journal_mode = WAL");
  db.pragma("busy_timeout = 5000");
  const statements = new Map<SqlName, Database.Statement>();
  const prepared = (name: SqlName) => {
    let statement = statements.get(name);
    if (statement === undefined) {
      statement = db.prepare(SQL[name]);
      statements.set(name, statement);
    }
    return statement;
  };
  let queue: Promise<void> = Promise.resolve();
  const driver: Driver = {
    isPostgres: false,
    one: (name, params) => Promise.resolve(prepared(name).get(...params) as Row | undefined),
    all: (name, params) => Promise.resolve(prepared(name).all(...params) as Row[]),
    run: (name, params) => {
      prepared(name).run(...params);
      return Promise.resolve();
    },
    // Requests interleave at awaits, so transactions take turns on the one connection.
    tx: <T>(work: (d: Driver) => Promise<T>): Promise<T> => {
      const run = async (): Promise<T> => {
        db.exec("begin immediate");
        try {
          const result = await work(driver);
          db.exec("commit");
          return result;
        } catch (error) {
          db.exec("rollback");
          throw error;
        }
      };
      const result = queue.then(run);
      queue = result.then(
        () => undefined,
        () => undefined,
      );
      return result;
    },
  };
  return driver;
}

function postgresDriver(url: string): Driver {
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  const make = (client: pg.Pool | pg.PoolClient): Driver => ({
    isPostgres: true,
    one: async (name, params) =>
      (await client.query<Row>({ name, text: toPgSql(SQL[name]), values: params })).rows[0],
    all: async (name, params) =>
      (await client.query<Row>({ name, text: toPgSql(SQL[name]), values: params })).rows,
    run: async (name, params) => {
      await client.query({ name, text: toPgSql(SQL[name]), values: params });
    },
    tx: async (work) => {
      const connection = await pool.connect();
      try {
        await connection.query("begin");
        const result = await work(make(connection));
        await connection.query("commit");
        return result;
      } catch (error) {
        await connection.query("rollback");
        throw error;
      } finally {
        connection.release();
      }
    },
  });
  return make(pool);
}

const target = process.env["BASELINE_DB"] ?? "";
const port = Number(process.env["BASELINE_PORT"] ?? "0");
const driver = target.startsWith("postgres") ? postgresDriver(target) : sqliteDriver(target);
const sign = createSigner({ key: SECRET_KEY, algorithm: "HS256", noTimestamp: true });
const verify = createVerifier({
  key: SECRET_KEY,
  algorithms: ["HS256"],
  ignoreExpiration: true,
  ignoreNotBefore: true,
});
// The library declares Algorithm as an ambient const enum; 2 is Argon2id.
// eslint-disable-next-line @typescript-eslint/no-unsafe-enum-assignment -- the enum is type-only here
const argon2id: Algorithm = ARGON2_OPTIONS.algorithm;
const hashOptions = { ...ARGON2_OPTIONS, algorithm: argon2id };

const now = () => Math.floor(Date.now() / 1000);
const timestamp = (date: Date) => (driver.isPostgres ? date : date.toISOString());
const bool = (value: unknown) => value === true || value === 1;

function issue(username: string) {
  const iat = now();
  return sign({ username, exp: iat + 300, origIat: iat });
}

async function newRefreshToken(d: Driver, userId: unknown): Promise<string> {
  const token = randomBytes(20).toString("hex");
  const digest = createHash("sha256").update(token).digest("hex");
  await d.run("insertRefresh", [userId, digest, token.slice(0, 8), timestamp(new Date())]);
  return token;
}

function readBody(request: IncomingMessage): Promise<{ variables?: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      try {
        resolve(
          JSON.parse(Buffer.concat(chunks).toString("utf8")) as {
            variables?: Record<string, unknown>;
          },
        );
      } catch (error) {
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
    request.on("error", reject);
  });
}

function send(response: ServerResponse, payload: unknown): void {
  const text = JSON.stringify(payload);
  response.writeHead(200, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
  });
  response.end(text);
}

const text = (value: unknown) => (typeof value === "string" ? value : "");

const handlers: Record<
  string,
  (variables: Record<string, unknown>, request: IncomingMessage) => Promise<unknown>
> = {
  "/me": async (_variables, request) => {
    const header = request.headers.authorization ?? "";
    let username: unknown;
    try {
      username = (verify(header.slice(4)) as { username?: unknown }).username;
    } catch {
      return { data: { me: null } };
    }
    const row = await driver.one("userByUsername", [username]);
    if (row === undefined) return { data: { me: null } };
    return {
      data: {
        me: { username: row["username"], email: row["email"], verified: bool(row["verified"]) },
      },
    };
  },
  // A token verifies only while its user exists and is active, as Gatehouse checks.
  "/verifyToken": async (variables) => {
    const failed = {
      data: { verifyToken: { success: false, payload: null, errors: { nonFieldErrors: [] } } },
    };
    let payload: { username?: unknown };
    try {
      payload = verify(text(variables["token"])) as { username?: unknown };
    } catch {
      return failed;
    }
    const row = await driver.one("userByUsername", [payload.username]);
    if (row === undefined || !bool(row["is_active"])) return failed;
    return { data: { verifyToken: { success: true, payload, errors: null } } };
  },
  "/refreshToken": (variables) =>
    driver.tx(async (d) => {
      const digest = createHash("sha256").update(text(variables["refreshToken"])).digest("hex");
      const record = await d.one("refreshByDigest", [digest]);
      if (record === undefined || record["revoked"] !== null) {
        return {
          data: { refreshToken: { success: false, token: null, refreshToken: null, errors: {} } },
        };
      }
      const user = await d.one("usernameById", [record["user_id"]]);
      await d.run("revokeRefresh", [timestamp(new Date()), record["id"]]);
      const refreshToken = await newRefreshToken(d, record["user_id"]);
      const token = issue(text(user?.["username"]));
      return { data: { refreshToken: { success: true, token, refreshToken, errors: null } } };
    }),
  "/tokenAuth": async (variables) => {
    const row = await driver.one("userByUsername", [text(variables["username"])]);
    const encoded = text(row?.["password"]);
    const ok =
      row !== undefined &&
      (await argon2Verify(encoded.slice(ARGON2_PREFIX.length), text(variables["password"])));
    if (!ok)
      return {
        data: { tokenAuth: { success: false, token: null, refreshToken: null, errors: {} } },
      };
    const refreshToken = await newRefreshToken(driver, row["id"]);
    return {
      data: {
        tokenAuth: {
          success: true,
          token: issue(text(row["username"])),
          refreshToken,
          errors: null,
        },
      },
    };
  },
  "/usersFilter": async (variables) => {
    const pattern = `%${text(variables["q"])
      .toLowerCase()
      .replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    // One row past the page answers hasNextPage; a forward page needs no count.
    return usersPage(await driver.all("pageFiltered", [pattern, 51, 0]));
  },
  "/usersDeep": async (variables) => {
    const offset = Number(variables["offset"] ?? 0);
    return usersPage(await driver.all("pageAll", [51, offset]));
  },
  "/register": async (variables) => {
    const username = text(variables["username"]);
    const email = text(variables["email"]);
    if (
      (await driver.one("usernameTaken", [username.toLowerCase(), email.toLowerCase()])) !==
      undefined
    ) {
      return { data: { register: { success: false, errors: {} } } };
    }
    const encoded = ARGON2_PREFIX + (await argon2Hash(text(variables["password1"]), hashOptions));
    const { token, refreshToken } = await driver.tx(async (d) => {
      const joined = timestamp(new Date());
      const f = d.isPostgres ? false : 0;
      const t = d.isPostgres ? true : 1;
      const user = await d.one("insertUser", [
        encoded,
        username,
        username.toLowerCase(),
        email,
        email.toLowerCase(),
        f,
        t,
        f,
        joined,
      ]);
      const id = user?.["id"];
      await d.run("insertStatus", [id, f, f]);
      const link = `http://localhost/activate/${randomBytes(24).toString("base64url")}`;
      await d.run("insertOutbox", [
        joined,
        JSON.stringify([email]),
        "Activate your account",
        link,
        `<a href="${link}">activate</a>`,
        joined,
      ]);
      return { token: issue(username), refreshToken: await newRefreshToken(d, id) };
    });
    return { data: { register: { success: true, token, refreshToken, errors: null } } };
  },
};

function usersPage(rows: Row[]) {
  const page = rows.slice(0, 50);
  return {
    data: {
      users: {
        edges: page.map((row) => ({ node: { username: row["username"], email: row["email"] } })),
        pageInfo: { hasNextPage: rows.length > page.length },
      },
    },
  };
}

const server = createServer((request, response) => {
  const handler = handlers[request.url ?? ""];
  if (handler === undefined) {
    response.writeHead(404).end();
    return;
  }
  readBody(request)
    .then((parsed) => handler(parsed.variables ?? {}, request))
    .then((payload) => {
      send(response, payload);
    })
    .catch((error: unknown) => {
      response.writeHead(500).end(String(error));
    });
});
server.keepAliveTimeout = 60_000;

// BASELINE_WORKERS=N: N processes on one port through node:cluster, as `serve --workers N` runs
// Gatehouse, so the two are compared process for process.
const workers = Number(process.env["BASELINE_WORKERS"] ?? "1");
if (workers > 1 && cluster.isPrimary) {
  let listening = 0;
  cluster.on("listening", () => {
    listening += 1;
    if (listening === workers) process.stdout.write("baseline ready\n");
  });
  for (let index = 0; index < workers; index += 1) cluster.fork();
  process.on("SIGTERM", () => {
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill("SIGTERM");
    process.exit(0);
  });
} else {
  server.listen(port, "127.0.0.1", () => {
    process.stdout.write("baseline ready\n");
  });
  // An orderly exit, so that --cpu-prof writes its profile.
  process.on("SIGTERM", () => process.exit(0));
}
