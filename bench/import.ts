// `npm run bench:import` (options: --users=1000000, --db=sqlite,postgres, --batch-size=1000):
// for each database, builds a Django-shaped source of N users (auth_user, a graphql_auth status
// row each, a refresh token every second user, a group membership every tenth) in that database,
// runs `gatehouse import-django` into a fresh Gatehouse database of the same kind as an operator
// runs it (a child process), then runs it again (nothing changed: the delta pass), and prints
// rows per second and the child's peak RSS. See bench/README.md.
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

async function freshTarget(kind: Kind): Promise<{ url: string; drop: () => Promise<void> }> {
  if (kind === "sqlite") {
    const dir = mkdtempSync(join(tmpdir(), "gatehouse-bench-import-"));
    return {
      url: `sqlite:${join(dir, "gatehouse.sqlite")}`,
      drop: () => {
        rmSync(dir, { recursive: true, force: true });
        return Promise.resolve();
      },
    };
  }
  const schema = `gh_bench_import_${Date.now().toString(36)}`;
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
  /** The child's whole life: start, migrations, import. */
  seconds: number;
  /** The import itself, as its summary gives it. */
  importSeconds: number;
  rowsRead: number;
  peakRssMB: number;
  summary: string;
}

function runImport(from: string, databaseUrl: string, batchSize: number): Promise<Run> {
  const started = Date.now();
  const child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      "src/cli/main.ts",
      "import-django",
      "--from",
      from,
      "--batch-size",
      String(batchSize),
    ],
    {
      cwd: PROJECT_ROOT,
      env: { ...process.env, DATABASE_URL: databaseUrl, LOG_LEVEL: "warn" },
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  const rss = watchRss(child.pid ?? 0);
  let stdout = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => {
      const peak = rss.stop();
      if (code !== 0) {
        reject(new Error(`import-django exited with ${String(code)}:\n${stdout}`));
        return;
      }
      const [, rows = "0", importSeconds = "0"] =
        /([\d,]+) rows read in ([\d.]+) s/.exec(stdout) ?? [];
      resolve({
        seconds: (Date.now() - started) / 1000,
        importSeconds: Number(importSeconds),
        rowsRead: Number(rows.replaceAll(",", "")),
        peakRssMB: Math.round(peak / 1024 / 1024),
        summary: stdout,
      });
    });
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
  const target = await freshTarget(kind);
  try {
    const first = await runImport(django.url, target.url, options.batchSize);
    console.error(first.summary);
    const again = await runImport(django.url, target.url, options.batchSize);
    return [first, again].map(
      (run, index) =>
        `| ${kind} | ${index === 0 ? "import" : "again (no change)"} | ${number(options.users)} | ${number(run.rowsRead)} | ${run.importSeconds.toFixed(1)} (${run.seconds.toFixed(1)}) | ${number(run.rowsRead / run.importSeconds)} | ${number(options.users / run.importSeconds)} | ${String(run.peakRssMB)} |`,
    );
  } finally {
    await target.drop();
    await django.drop();
  }
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const lines = [
    "| database | run | users | rows read | seconds (process) | rows/s | users/s | peak RSS (MB) |",
    "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  for (const kind of options.kinds) lines.push(...(await benchKind(kind, options)));
  console.log(lines.join("\n"));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exitCode = 1;
});
