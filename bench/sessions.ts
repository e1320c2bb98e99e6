// What the session check costs the `me` hot path (issue 16), measured two ways in one invocation
// so the machine's load falls on both sides alike:
//  1. the user lookup every authenticated request makes, without a session (findUserById) and with
//     one (findUserForSession: the same query with the session joined), called in process;
//  2. `me` over HTTP against a built Gatehouse (as `npm start` runs it), with a token of a session
//     and with a token of the same user minted without one (what tokens were before sessions), in
//     alternating autocannon runs.
// `npm run bench:sessions [-- --rounds=10 --duration=2]`.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { findUserById, findUserForSession } from "../src/accounts/users-store.js";
import { insertUser } from "../src/accounts/user-writes-store.js";
import { createAccessTokens } from "../src/accounts/tokens/jwt.js";
import { startSession } from "../src/accounts/tokens/user-sessions.js";
import { loadConfig } from "../src/config/config.js";
import { openDatabase, type DatabaseHandle } from "../src/db/database.js";
import { migrateToLatest } from "../src/db/migrate.js";
import { hashPassword } from "./lib/argon2.js";
import { buildIfNeeded } from "./lib/build.js";
import { setupDatabase } from "./lib/databases.js";
import { call, login, type Target } from "./lib/graphql-client.js";
import { runLoad, type Load } from "./lib/load.js";
import { log } from "./lib/log.js";
import { parseOptions } from "./lib/options.js";
import { stopChild } from "./lib/processes.js";
import { seed, startGatehouse, targetOf } from "./lib/servers.js";
import { ARGON2_PREFIX, SECRET_KEY, usernameOf } from "./lib/shared.js";
import { startSmtpSink } from "./lib/smtp-sink.js";
import type { VariantName } from "./lib/variants.js";

const argument = (name: string) =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const ROUNDS = Number(argument("rounds") ?? 10);
const DURATION_S = Number(argument("duration") ?? 2);
const CALLS_PER_ROUND = 2_000;
const PG_BASE = process.env["BENCH_PG_URL"] ?? "postgres://postgres@127.0.0.1:5432/test";

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

async function timeCalls(call: () => Promise<unknown>): Promise<number> {
  const started = process.hrtime.bigint();
  for (let index = 0; index < CALLS_PER_ROUND; index++) await call();
  return Number(process.hrtime.bigint() - started) / 1000 / CALLS_PER_ROUND;
}

async function measureLookup(kind: string, handle: DatabaseHandle): Promise<void> {
  await migrateToLatest(handle.db);
  const config = loadConfig({ LOG_LEVEL: "silent" });
  const clock = { now: () => new Date() };
  const id = await insertUser(handle.db, {
    username: "bench-session",
    email: "bench-session@example.com",
    passwordHash: "!",
    dateJoined: new Date(),
    fieldColumns: {},
  });
  const sessionId = await startSession({ clock, config }, handle.db, { id }, { ip: "127.0.0.1" });
  const without: number[] = [];
  const withSession: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    without.push(await timeCalls(() => findUserById(handle.db, id)));
    withSession.push(
      await timeCalls(() => findUserForSession(handle.db, id, sessionId, new Date(), [])),
    );
  }
  const [a, b] = [median(without), median(withSession)];
  console.log(
    `${kind.padEnd(9)} user lookup ${a.toFixed(1)} µs, with the session ${b.toFixed(1)} µs ` +
      `(×${(b / a).toFixed(2)}, medians of ${String(ROUNDS)} rounds of ${String(CALLS_PER_ROUND)})`,
  );
}

async function lookups(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "gatehouse-bench-sessions-"));
  const sqlite = openDatabase({ url: `sqlite:${join(dir, "bench.sqlite")}`, kind: "sqlite" });
  try {
    await measureLookup("sqlite", sqlite);
  } finally {
    await sqlite.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const schema = `bench_sessions_${String(process.pid)}`;
  const admin = new pg.Client(PG_BASE);
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  const url = `${PG_BASE}${PG_BASE.includes("?") ? "&" : "?"}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
  const postgres = openDatabase({ url, kind: "postgres", poolSize: 2 });
  try {
    await measureLookup("postgres", postgres);
  } finally {
    await postgres.close();
    await admin.query(`drop schema ${schema} cascade`);
    await admin.end();
  }
}

/** The same user's token without the session: the binding a token had before sessions. */
function tokenWithoutSession(sessionToken: string): string {
  const header = JSON.parse(
    Buffer.from(sessionToken.split(".")[0] ?? "", "base64url").toString("utf8"),
  ) as { uid: number; ver: number };
  const claims = JSON.parse(
    Buffer.from(sessionToken.split(".")[1] ?? "", "base64url").toString("utf8"),
  ) as { username: string; origIat: number };
  // Gatehouse signs with SECRET_KEY when JWT_SECRET_KEY is unset outside production.
  const tokens = createAccessTokens(loadConfig({ SECRET_KEY, LOG_LEVEL: "silent" }).jwt);
  return tokens.issue(claims.username, claims.origIat, {
    issuedAtSeconds: Math.floor(Date.now() / 1000),
    binding: { userId: header.uid, version: header.ver },
  }).token;
}

async function expectSignedIn(target: Target, token: string): Promise<void> {
  const data = await call(target, "me", {}, { authorization: `JWT ${token}` });
  if (data["me"] === null) throw new Error(`me answered null for ${token}`);
}

async function measureMe(variant: VariantName, encodedHash: string, smtpPort: number) {
  const options = parseOptions(["--quick", `--duration=${String(DURATION_S)}`]);
  const settings = { options, encodedHash, smtpPort, hashingLimit: 1 };
  const db = await setupDatabase(variant, options);
  const gatehouse = await startGatehouse(variant, db, settings);
  try {
    await seed(variant, db, {
      ...settings,
      options: { ...options, users: { sqlite: 1_000, postgres: 1_000 } },
    });
    const target = targetOf("gatehouse", gatehouse, undefined, "");
    const withSession = (await login(target, usernameOf(1))).token;
    const without = tokenWithoutSession(withSession);
    await expectSignedIn(target, without);
    await expectSignedIn(target, withSession);
    const runs = { without: [] as Load[], with: [] as Load[] };
    const me = (token: string) =>
      runLoad(target, { operation: "me", headers: { authorization: `JWT ${token}` } }, options);
    for (let round = 0; round < ROUNDS; round++) {
      runs.without.push(await me(without));
      runs.with.push(await me(withSession));
    }
    const failures = [...runs.without, ...runs.with].reduce(
      (sum, run) => sum + run.non2xx + run.errors,
      0,
    );
    const rps = (loads: Load[]) => median(loads.map((load) => load.rps));
    const p99 = (loads: Load[]) => median(loads.map((load) => load.p99));
    console.log(
      `${variant.padEnd(9)} me ${rps(runs.without).toFixed(0)} req/s (p99 ${String(p99(runs.without))} ms) ` +
        `without the session, ${rps(runs.with).toFixed(0)} req/s (p99 ${String(p99(runs.with))} ms) with it ` +
        `(×${(rps(runs.with) / rps(runs.without)).toFixed(2)}; medians of ${String(ROUNDS)} runs of ` +
        `${String(DURATION_S)} s each; ${String(failures)} failed answers)`,
    );
  } finally {
    await stopChild(gatehouse);
    await db.cleanup();
  }
}

await lookups();
if (process.argv.includes("--lookups-only")) process.exit(0);
buildIfNeeded(process.argv.includes("--build"));
const smtp = await startSmtpSink();
try {
  const encodedHash = ARGON2_PREFIX + (await hashPassword());
  for (const variant of ["sqlite", "postgres"] as const) {
    log(`${variant}: me over HTTP …`);
    await measureMe(variant, encodedHash, smtp.port);
  }
} finally {
  await smtp.close();
}
