// `npm run bench:import` (options: --users=100000, --db=sqlite,postgres, --batch-size=1000):
// for each database, builds a Django-shaped source of N users (auth_user, a graphql_auth status
// row each, a refresh token every second user, a group membership every tenth) in that database,
// runs `gatehouse import-django` into a fresh Gatehouse database of the same kind as an operator
// runs it (a child process), then runs it again (nothing changed: the delta pass), then the
// baseline (lib/import-baseline.ts, a child process too) into a fresh database of the same kind,
// and prints rows per second, each child's peak RSS and the ratio to the baseline.
// See bench/README.md.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { createDjangoSource, djangoPbkdf2 } from "../tests/support/django-source.js";
import { watchRss } from "./lib/memory.js";

const PROJECT_ROOT = fileURLToPath(new URL("../", import.meta.url));
const PG_BASE = process.env.BENCH_PG_URL ?? "postgres://postgres@127.0.0.1:5432/test";
process.env.TEST_POSTGRES_URL = PG_BASE;

type Kind = "sqlite" | "postgres";

interface Options {
  users: number;
  kinds: Kind[];
  batchSize: number;
}

function parseOptions(args: string[]): Options {
  const value = (name: string) =>
    args.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3);
  const kinds = (value("db") ?? "sqlite,postgres").split(",");
  return {
    users: Number(value("users") ?? 100_000),
    kinds: kinds.filter((kind): kind is Kind => kind === "sqlite" || kind === "postgres"),
    batchSize: Number(value("batch-size") ?? 1000),
  };
}

async function freshTarget(
  kind: Kind,
  label: "gatehouse" | "baseline",
): Promise<{ url: string; drop: () => Promise<void> }> {
  if (kind === "sqlite") {
    const dir = mkdtempSync(join(tmpdir(), `gatehouse-bench-import-${label}-`));
    return {
      url: `sqlite:${join(dir, "gatehouse.sqlite")}`,
      drop: () => {
        rmSync(dir, { recursive: true, force: true });
        return Promise.resolve();
      },
    };
  }
  const schema = `gh_bench_import_${label}_${Date.now().toString(36)}`;
  const admin = new pg.Client(PG_BASE);
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  await admin.end();
  const separator = PG_BASE.includes("?") ? "&" : "?";
  return {
    url: `${PG_BASE}${separator}options=${encodeURIComponent(`-c search_path=${schema}`)}`,
    drop: async () => {
      const client = new pg.Client(PG_BASE);
      await client.connect();
      await client.query(`drop schema if exists ${schema} cascade`);
      await client.end();
    },
  };
}

interface Run {
  /** The child's whole life: start, migrations (Gatehouse) or tables (baseline), the copy. */
  seconds: number;
  /** The copy itself, as the child times it. */
  copySeconds: number;
  rowsRead: number;
  peakRssMB: number;
  stdout: string;
}

/** Runs a TypeScript entry point as a child (as `npm run cli` does) and samples its RSS. */
function runChild(
  args: string[],
  databaseUrl: string,
  parse: (stdout: string) => { rowsRead: number; copySeconds: number },
): Promise<Run> {
  const started = Date.now();
  const child = spawn(process.execPath, ["--import", "tsx", ...args], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, DATABASE_URL: databaseUrl, LOG_LEVEL: "warn" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const rss = watchRss(child.pid ?? 0);
  let stdout = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => {
      const peak = rss.stop();
      if (code !== 0) {
        reject(new Error(`${args[0] ?? ""} exited with ${String(code)}:\n${stdout}`));
        return;
      }
      resolve({
        seconds: (Date.now() - started) / 1000,
        peakRssMB: Math.round(peak / 1024 / 1024),
        stdout,
        ...parse(stdout),
      });
    });
  });
}

function runImport(from: string, databaseUrl: string, batchSize: number): Promise<Run> {
  const args = ["src/cli/main.ts", "import-django", "--from", from];
  return runChild([...args, "--batch-size", String(batchSize)], databaseUrl, (stdout) => {
    const [, rows = "0", seconds = "0"] = /([\d,]+) rows read in ([\d.]+) s/.exec(stdout) ?? [];
    return { rowsRead: Number(rows.replaceAll(",", "")), copySeconds: Number(seconds) };
  });
}

function runBaseline(from: string, databaseUrl: string, batchSize: number): Promise<Run> {
  const args = ["bench/lib/import-baseline.ts", from, databaseUrl, String(batchSize)];
  return runChild(args, databaseUrl, (stdout) => {
    const result = JSON.parse(stdout) as { rowsRead: number; seconds: number };
    return { rowsRead: result.rowsRead, copySeconds: result.seconds };
  });
}

const number = (value: number) => Math.round(value).toLocaleString("en-US");

async function benchKind(kind: Kind, options: Options): Promise<string[]> {
  const seedStarted = Date.now();
  const django = await createDjangoSource(kind, "auth");
  await django.addUsersInBulk({
    count: options.users,
    passwordHash: djangoPbkdf2("bench-password"),
    tokenEvery: 2,
    groupEvery: 10,
  });
  await django.close();
  console.error(
    `${kind}: Django source of ${number(options.users)} users built in ${((Date.now() - seedStarted) / 1000).toFixed(1)} s`,
  );
  const target = await freshTarget(kind, "gatehouse");
  const baselineTarget = await freshTarget(kind, "baseline");
  try {
    const first = await runImport(django.url, target.url, options.batchSize);
    console.error(first.stdout);
    const again = await runImport(django.url, target.url, options.batchSize);
    const baseline = await runBaseline(django.url, baselineTarget.url, options.batchSize);
    const rate = (run: Run) => run.rowsRead / run.copySeconds;
    const line = (name: string, run: Run, ratio: string) =>
      `| ${kind} | ${name} | ${number(options.users)} | ${number(run.rowsRead)} | ${run.copySeconds.toFixed(1)} (${run.seconds.toFixed(1)}) | ${number(rate(run))} | ${number(options.users / run.copySeconds)} | ${String(run.peakRssMB)} | ${ratio} |`;
    return [
      line("import", first, (rate(first) / rate(baseline)).toFixed(2)),
      line("again (no change)", again, "—"),
      line("baseline", baseline, "1"),
    ];
  } finally {
    await target.drop();
    await baselineTarget.drop();
    await django.drop();
  }
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const lines = [
    "| database | run | users | rows read | seconds (process) | rows/s | users/s | peak RSS (MB) | × baseline rows/s |",
    "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  for (const kind of options.kinds) lines.push(...(await benchKind(kind, options)));
  console.log(lines.join("\n"));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exitCode = 1;
});
