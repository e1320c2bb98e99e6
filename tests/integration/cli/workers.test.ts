// `gatehouse serve --workers 2` (issue 17): one port, two server processes under a supervisor.
// Each request below goes on a connection of its own, so the supervisor hands them out in turn
// and both workers answer; the request log (JSON, debug) names the process that served each.
import { request } from "node:http";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { STRONG_PASSWORD } from "../../support/builders.js";
import { ME, PASSWORD_CHANGE, REGISTER, REVOKE_TOKEN } from "../../support/operations.js";
import {
  aPersistentDatabase,
  startServerProcess,
  type PersistentDatabase,
  type ServerProcess,
} from "../../support/server-process.js";
import { testDatabases, unique } from "../../support/test-app.js";

const SESSIONS = `{ sessions { id current } }`;
const REVOKE_SESSION = `mutation ($id: ID!) { revokeSession(id: $id) { success errors } }`;

interface Answer {
  status: number;
  body: { data?: Record<string, unknown>; errors?: unknown };
}

/** One POST on a fresh connection (no keep-alive), so consecutive requests reach other workers. */
function post(url: string, query: string, variables: object = {}, token?: string): Promise<Answer> {
  const body = JSON.stringify({ query, variables });
  return new Promise((resolve, reject) => {
    const outgoing = request(
      url,
      {
        method: "POST",
        agent: false,
        headers: {
          "content-type": "application/json",
          "content-length": Buffer.byteLength(body),
          ...(token === undefined ? {} : { authorization: `JWT ${token}` }),
        },
      },
      (response) => {
        let text = "";
        response.setEncoding("utf8").on("data", (chunk: string) => (text += chunk));
        response.on("end", () => {
          resolve({ status: response.statusCode ?? 0, body: JSON.parse(text) as Answer["body"] });
        });
      },
    );
    outgoing.on("error", reject);
    // A connection lost between the supervisor and a stopping worker would never be answered.
    outgoing.setTimeout(15_000, () => outgoing.destroy(new Error("no answer within 15 s")));
    outgoing.end(body);
  });
}

/** The supervisor's child processes: its workers (argon2 runs on threads, not processes). */
function workerPids(supervisorPid: number): number[] {
  const children = readFileSync(
    `/proc/${String(supervisorPid)}/task/${String(supervisorPid)}/children`,
    "utf8",
  );
  return children.trim().split(/\s+/).filter(Boolean).map(Number).sort();
}

/** The processes that logged a completed request among `lines`. */
function servingPids(lines: string[]): Set<number> {
  const pids = new Set<number>();
  for (const line of lines) {
    if (!line.startsWith("{")) continue;
    const entry = JSON.parse(line) as { msg?: string; pid?: number };
    if (entry.msg === "request completed" && entry.pid !== undefined) pids.add(entry.pid);
  }
  return pids;
}

async function eventually(check: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function settings(storage: PersistentDatabase): Record<string, string> {
  return {
    NODE_ENV: "test",
    SECRET_KEY: "workers-secret-key-that-is-long-enough-for-tests",
    DATABASE_URL: storage.url,
    RATE_LIMITS: "false",
    PASSWORD_HASH_MEMORY_KIB: "1024",
    PASSWORD_HASH_TIME_COST: "1",
    LOG_FORMAT: "json",
    LOG_LEVEL: "debug",
  };
}

describe.each(testDatabases())("gatehouse serve --workers 2 on %s", (database) => {
  let storage: PersistentDatabase;
  let server: ServerProcess;
  beforeAll(async () => {
    storage = await aPersistentDatabase(database);
    server = await startServerProcess(settings(storage), { serveArgs: ["--workers", "2"] });
  }, 120_000);
  afterAll(async () => {
    await server.stop();
    await storage.drop();
  });

  const lines = () => server.output().split("\n");

  /** Sends `count` requests and returns the answers and the processes that served them. */
  async function burst(count: number, query: string, variables: object = {}, token?: string) {
    const before = lines().length;
    const answers: Answer[] = [];
    for (let sent = 0; sent < count; sent += 1)
      answers.push(await post(server.graphqlUrl, query, variables, token));
    // The log line is written as the response ends; give the last one a moment.
    await new Promise((resolve) => setTimeout(resolve, 200));
    return { answers, pids: servingPids(lines().slice(before)) };
  }

  async function registered() {
    const username = unique("worker");
    const answer = await post(server.graphqlUrl, REGISTER, {
      email: `${username}@example.com`,
      username,
      password1: STRONG_PASSWORD,
      password2: STRONG_PASSWORD,
    });
    const { token, refreshToken } = answer.body.data?.register as {
      token: string;
      refreshToken: string;
    };
    return { username, token, refreshToken };
  }

  it("answers from both workers on one port and writes the start-up summary once", async () => {
    const { answers, pids } = await burst(8, `{ me { username } }`);
    expect(answers.map((answer) => answer.status)).toEqual(Array(8).fill(200));
    expect([...pids].sort()).toEqual(workerPids(server.pid));
    expect(pids.size).toBe(2);
    expect(lines().filter((line) => line.includes("Gatehouse listening on"))).toHaveLength(1);
  });

  it("refuses a session ended through one worker on the other at once", async () => {
    const user = await registered();
    // Both workers have seen (and may remember) the token before it is revoked.
    const before = await burst(4, ME, {}, user.token);
    expect(before.pids.size).toBe(2);
    expect(before.answers.every((answer) => answer.body.data?.me !== null)).toBe(true);
    const sessions = (await post(server.graphqlUrl, SESSIONS, {}, user.token)).body.data
      ?.sessions as { id: string }[];
    const revoked = await post(
      server.graphqlUrl,
      REVOKE_SESSION,
      { id: sessions[0]?.id },
      user.token,
    );
    expect(revoked.body.data?.revokeSession).toEqual({ success: true, errors: null });
    const after = await burst(4, ME, {}, user.token);
    expect(after.pids.size).toBe(2);
    expect(after.answers.map((answer) => answer.body.data?.me)).toEqual([null, null, null, null]);
  });

  it("refuses tokens from before a password change, and a revoked refresh token, on both", async () => {
    const user = await registered();
    // passwordChange is for verified accounts; the activation mail is not what this test is about.
    const handle = storage.open();
    try {
      await handle.db
        .updateTable("user_status")
        .set({ verified: true })
        .where("user_id", "=", (qb) =>
          qb.selectFrom("users").select("id").where("username", "=", user.username),
        )
        .execute();
    } finally {
      await handle.close();
    }
    await burst(4, ME, {}, user.token);
    const changed = await post(
      server.graphqlUrl,
      PASSWORD_CHANGE,
      { old: STRONG_PASSWORD, p1: "Brand-New-Secret-77", p2: "Brand-New-Secret-77" },
      user.token,
    );
    expect(changed.body.data?.passwordChange).toMatchObject({ success: true });
    const { token: newToken } = changed.body.data?.passwordChange as { token: string };
    const old = await burst(4, ME, {}, user.token);
    expect(old.pids.size).toBe(2);
    expect(old.answers.map((answer) => answer.body.data?.me)).toEqual([null, null, null, null]);
    const current = await burst(4, ME, {}, newToken);
    expect(current.answers.map((answer) => answer.body.data?.me)).toEqual(
      Array(4).fill(expect.objectContaining({ username: user.username })),
    );
    const other = await registered();
    await post(server.graphqlUrl, REVOKE_TOKEN, { refreshToken: other.refreshToken });
    const afterRevoke = await burst(4, ME, {}, other.token);
    expect(afterRevoke.answers.map((answer) => answer.body.data?.me)).toEqual([
      null,
      null,
      null,
      null,
    ]);
  });

  it("replaces a worker that dies, and both serve again", async () => {
    const [victim] = workerPids(server.pid);
    process.kill(victim ?? -1, "SIGKILL");
    await eventually(() => {
      const pids = workerPids(server.pid);
      return pids.length === 2 && !pids.includes(victim ?? -1);
    }, "a replacement worker");
    expect(server.output()).toContain("worker exited unexpectedly; replacing it");
    await eventually(
      () => lines().filter((line) => line.includes('"worker listening"')).length >= 3,
      "the replacement to listen",
    );
    const { answers, pids } = await burst(6, `{ me { username } }`);
    expect(answers.map((answer) => answer.status)).toEqual(Array(6).fill(200));
    expect([...pids].sort()).toEqual(workerPids(server.pid));
  });

  it("restarts every worker in turn on SIGHUP without failing a request", async () => {
    const old = workerPids(server.pid);
    const doneBefore = lines().filter((line) => line.includes("rolling restart done")).length;
    server.signal("SIGHUP");
    const statuses: number[] = [];
    const deadline = Date.now() + 90_000;
    while (lines().filter((line) => line.includes("rolling restart done")).length === doneBefore) {
      if (Date.now() > deadline) throw new Error(`no rolling restart:\n${server.output()}`);
      statuses.push((await post(server.graphqlUrl, `{ me { username } }`)).status);
    }
    expect(statuses.length).toBeGreaterThan(0);
    expect(statuses.filter((status) => status !== 200)).toEqual([]);
    const fresh = workerPids(server.pid);
    expect(fresh).toHaveLength(2);
    expect(fresh.filter((pid) => old.includes(pid))).toEqual([]);
  }, 120_000);
});

describe.each(testDatabases())("stopping gatehouse serve --workers 2 on %s", (database) => {
  let storage: PersistentDatabase;
  beforeAll(async () => {
    storage = await aPersistentDatabase(database);
  });
  afterAll(async () => {
    await storage.drop();
  });

  it("finishes a request in flight on SIGTERM, then every process exits cleanly", async () => {
    const server = await startServerProcess(settings(storage), { serveArgs: ["--workers", "2"] });
    const workers = workerPids(server.pid);
    const body = JSON.stringify({ query: `{ me { username } }` });
    const answered = new Promise<{ status: number; text: string }>((resolve, reject) => {
      const outgoing = request(
        server.graphqlUrl,
        {
          method: "POST",
          agent: false,
          headers: {
            "content-type": "application/json",
            "content-length": Buffer.byteLength(body),
          },
        },
        (response) => {
          let text = "";
          response.setEncoding("utf8").on("data", (chunk: string) => (text += chunk));
          response.on("end", () => {
            resolve({ status: response.statusCode ?? 0, text });
          });
        },
      );
      outgoing.on("error", reject);
      // Half the body now: the request is in flight when the stop begins.
      outgoing.write(body.slice(0, 10));
      setTimeout(() => {
        server.signal("SIGTERM");
        setTimeout(() => outgoing.end(body.slice(10)), 500);
      }, 300);
    });
    const { status, text } = await answered;
    expect(status).toBe(200);
    expect(JSON.parse(text)).toEqual({ data: { me: null } });
    expect(await server.exitCode()).toBe(0);
    for (const pid of workers) expect(() => process.kill(pid, 0)).toThrow();
    expect(server.output()).toContain("stopping the workers");
  }, 120_000);

  it("stops with an error when a worker cannot start (the port is taken)", async () => {
    const first = await startServerProcess(settings(storage));
    const port = new URL(first.graphqlUrl).port;
    try {
      await expect(
        startServerProcess({ ...settings(storage), PORT: port }, { serveArgs: ["--workers", "2"] }),
      ).rejects.toThrow(/EADDRINUSE[\s\S]*a worker failed to start/);
    } finally {
      await first.stop();
    }
  }, 120_000);
});
