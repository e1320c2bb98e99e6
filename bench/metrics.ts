// What METRICS_ENABLED costs the hot path (issue 19): `me` over HTTP against two built Gatehouses
// on one database, started as `npm start` starts them, one with metrics off (the default) and one
// with them on, in alternating autocannon runs, so the machine's load falls on both alike. Prints
// req/s, p50/p99 latency, CPU per request and peak RSS for each side, and the difference; then
// scrapes the metrics side once, as Prometheus would, and checks it counted the load.
// `npm run bench:metrics [-- --quick] [-- --rounds=5 --duration=2 --db=sqlite,postgres]`;
// `--cpu-prof` writes both servers' profiles to bench/results/profiles/<db>/ (named by pid).
import { setupDatabase } from "./lib/databases.js";
import { login, type Target } from "./lib/graphql-client.js";
import { runLoad, type Load } from "./lib/load.js";
import { log } from "./lib/log.js";
import { mediansOf, runSideBySide, sideBySideArguments } from "./lib/side-by-side.js";
import { currentRss } from "./lib/memory.js";
import { MB, type Options } from "./lib/options.js";
import { stopChild, type Child } from "./lib/processes.js";
import { seed, startGatehouse, targetOf, type RunSettings } from "./lib/servers.js";
import { usernameOf } from "./lib/shared.js";
import type { VariantName } from "./lib/variants.js";

const { rounds: ROUNDS, durationS: DURATION_S } = sideBySideArguments();
const METRICS_TOKEN = "bench-metrics-token-0123456789abcdef0123456789";

interface Side {
  name: "off" | "on";
  child: Child;
  target: Target;
  loads: Load[];
  idleRssBytes: number;
}

function summary(side: Side) {
  return {
    ...mediansOf(side.loads),
    peakRssMb: Math.max(...side.loads.map((load) => load.peakRssBytes)) / MB,
    idleRssMb: side.idleRssBytes / MB,
  };
}

function printRows(variant: VariantName, off: Side, on: Side): void {
  const a = summary(off);
  const b = summary(on);
  const row = (name: string, s: ReturnType<typeof summary>) =>
    `${variant.padEnd(9)} ${name.padEnd(12)} ${s.rps.toFixed(0).padStart(7)} req/s  ` +
    `p50 ${s.p50.toFixed(0)} ms  p99 ${s.p99.toFixed(0)} ms  ${s.cpuUs.toFixed(0).padStart(4)} CPU µs/req  ` +
    `RSS idle ${s.idleRssMb.toFixed(0)} MB, peak ${s.peakRssMb.toFixed(0)} MB  (${String(s.failures)} failed)`;
  console.log(row("metrics off", a));
  console.log(row("metrics on", b));
  const percent = (x: number, y: number) => `${(((y - x) / x) * 100).toFixed(1)} %`;
  console.log(
    `${variant.padEnd(9)} difference   req/s ${percent(a.rps, b.rps)}, CPU µs/req ` +
      `${percent(a.cpuUs, b.cpuUs)}, peak RSS ${(b.peakRssMb - a.peakRssMb).toFixed(1)} MB, ` +
      `idle RSS ${(b.idleRssMb - a.idleRssMb).toFixed(1)} MB ` +
      `(medians of ${String(off.loads.length)} runs of ${String(DURATION_S)} s each)`,
  );
}

/** One scrape as Prometheus makes it: its size and time, and the `me` count it shows. */
async function scrapeOnce(variant: VariantName, on: Side): Promise<void> {
  const started = performance.now();
  const response = await fetch(`http://127.0.0.1:${String(on.target.port)}/metrics`, {
    headers: { authorization: `Bearer ${METRICS_TOKEN}` },
  });
  const text = await response.text();
  const milliseconds = performance.now() - started;
  const counted = /^gatehouse_graphql_requests_total\{operation="me",outcome="ok"\} (\d+)/m.exec(
    text,
  )?.[1];
  if (response.status !== 200 || counted === undefined) {
    throw new Error(
      `${variant}: /metrics answered ${String(response.status)}: ${text.slice(0, 300)}`,
    );
  }
  console.log(
    `${variant.padEnd(9)} one scrape   ${(text.length / 1024).toFixed(1)} KB in ` +
      `${milliseconds.toFixed(1)} ms; me counted ${counted} times`,
  );
}

async function startSides(variant: VariantName, settings: RunSettings, options: Options) {
  const db = await setupDatabase(variant, options);
  const sides: Side[] = [];
  const start = async (name: Side["name"], env: Record<string, string>) => {
    const child = await startGatehouse(variant, db, settings, env);
    const target = targetOf("gatehouse", child, undefined, "");
    sides.push({ name, child, target, loads: [], idleRssBytes: 0 });
    log(`${variant}: metrics ${name}: pid ${String(child.process.pid)}`);
  };
  try {
    // The first applies the migrations; the users are seeded once, for both.
    await start("off", {});
    await seed(variant, db, settings);
    await start("on", { METRICS_ENABLED: "true", METRICS_TOKEN });
  } catch (error) {
    for (const side of sides) await stopChild(side.child);
    await db.cleanup();
    throw error;
  }
  return { db, sides };
}

async function measure(variant: VariantName, settings: RunSettings): Promise<void> {
  const options = settings.options;
  const { db, sides } = await startSides(variant, settings, options);
  try {
    const [off, on] = sides as [Side, Side];
    // Both servers share the database and the signing key: one token serves both.
    const { token } = await login(off.target, usernameOf(1));
    const spec = { operation: "me" as const, headers: { authorization: `JWT ${token}` } };
    for (const side of sides) side.idleRssBytes = currentRss(side.child.process.pid ?? 0);
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? [off, on] : [on, off];
      for (const side of order) side.loads.push(await runLoad(side.target, spec, options));
    }
    printRows(variant, off, on);
    await scrapeOnce(variant, on);
  } finally {
    for (const side of sides) await stopChild(side.child);
    await db.cleanup();
  }
}

await runSideBySide(() => "me with metrics off and on", measure);
