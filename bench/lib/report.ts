// The report: the main table, the PostgreSQL connections table, the comparison of the
// PostgreSQL variants, the summary lines, and bench/results/latest.json.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Load } from "./load.js";
import { log } from "./log.js";
import { MB, ROOT, type Options } from "./options.js";
import type { PairedRow } from "./paired.js";
import type { Row } from "./scenarios.js";
import { DEFAULT_VARIANTS, VARIANTS, type Variant, type VariantName } from "./variants.js";

/** Prints aligned columns: the first `left` ones padded right, the others padded left. */
function printColumns(header: string[], lines: string[][], left = 2): void {
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? "").length)));
  const format = (cells: string[]) =>
    cells
      .map((c, i) => (i < left ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0)))
      .join("  ");
  console.log(format(header));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const line of lines) console.log(format(line));
}

const failed = (load: Load) => load.non2xx + load.errors + load.failures;

function printTable(rows: Row[]): void {
  const header = [
    "db",
    "scenario",
    "req/s",
    "p50 ms",
    "p99 ms",
    "base req/s",
    "base p99",
    "ratio",
    "CPU µs",
    "base CPU",
    "RSS MB",
    "base RSS",
    "fail",
    "target",
  ];
  const lines = rows.map((r) => [
    r.db,
    r.scenario,
    r.gatehouse.rps.toFixed(0),
    r.gatehouse.p50.toFixed(1),
    r.gatehouse.p99.toFixed(1),
    r.baseline.rps.toFixed(0),
    r.baseline.p99.toFixed(1),
    r.ratio.toFixed(2),
    r.gatehouse.cpuUsPerRequest.toFixed(0),
    r.baseline.cpuUsPerRequest.toFixed(0),
    (r.gatehouse.peakRssBytes / MB).toFixed(0),
    (r.baseline.peakRssBytes / MB).toFixed(0),
    String(failed(r.gatehouse)),
    r.target === undefined
      ? ""
      : `${r.target.met ? "MET" : "MISSED"} (${r.target.value.toFixed(2)} vs ${r.target.limit})`,
  ]);
  printColumns(header, lines);
}

/** PostgreSQL rows: the server connections each side held and kept busy during the run. */
function printConnections(rows: Row[]): void {
  const measured = rows.filter((r) => r.gatehouse.dbConnections !== undefined);
  const header = [
    "db",
    "scenario",
    "req/s",
    "held",
    "busy avg",
    "busy max",
    "base held",
    "base busy avg",
  ];
  const lines = measured.map((r) => {
    const g = r.gatehouse.dbConnections;
    const b = r.baseline.dbConnections;
    return [
      r.db,
      r.scenario,
      r.gatehouse.rps.toFixed(0),
      String(g?.held ?? ""),
      g?.busyMean.toFixed(1) ?? "",
      String(g?.busyMax ?? ""),
      String(b?.held ?? ""),
      b?.busyMean.toFixed(1) ?? "",
    ];
  });
  console.log("PostgreSQL server connections during each recorded run (sampled every 50 ms)");
  printColumns(header, lines);
}

/** The PostgreSQL variants among the rows. */
function variantsOf(rows: Row[]): VariantName[] {
  return [...new Set(rows.map((r) => r.db))].filter((v) => VARIANTS[v].kind === "postgres");
}

/** Each scenario's req/s and ratio side by side, one column per PostgreSQL variant. */
function printVariantComparison(rows: Row[]): void {
  const variants = variantsOf(rows);
  const scenarios = [
    ...new Set(rows.filter((r) => variants.includes(r.db)).map((r) => r.scenario)),
  ];
  const cell = (variant: VariantName, scenario: string) => {
    const r = rows.find((x) => x.db === variant && x.scenario === scenario);
    return r === undefined ? "" : `${r.gatehouse.rps.toFixed(0)} (×${r.ratio.toFixed(2)})`;
  };
  console.log("Gatehouse req/s (÷ baseline req/s of the same variant) per PostgreSQL variant");
  printColumns(
    ["scenario", ...variants],
    scenarios.map((s) => [s, ...variants.map((v) => cell(v, s))]),
    1,
  );
  for (const v of variants.filter((name) => !DEFAULT_VARIANTS.includes(name)))
    console.log(`${v}: ${VARIANTS[v].description}`);
  console.log("The baseline connects directly in every variant.");
}

/**
 * Each `*-workers` variant's req/s against the single-process variant of the same database:
 * what the extra processes buy, on each side.
 */
function printWorkerScaling(rows: Row[]): void {
  const lines: string[][] = [];
  for (const many of [...new Set(rows.map((r) => r.db))]) {
    const workers = (VARIANTS[many] as Variant).workers;
    if (workers === undefined) continue;
    const single = many.replace(/-workers$/, "") as VariantName;
    for (const r of rows.filter((x) => x.db === many)) {
      const one = rows.find((x) => x.db === single && x.scenario === r.scenario);
      if (one === undefined) continue;
      lines.push([
        VARIANTS[many].kind,
        r.scenario,
        one.gatehouse.rps.toFixed(0),
        r.gatehouse.rps.toFixed(0),
        `×${(r.gatehouse.rps / one.gatehouse.rps).toFixed(2)}`,
        `×${(r.baseline.rps / one.baseline.rps).toFixed(2)}`,
        r.ratio.toFixed(2),
        (r.gatehouse.peakRssBytes / MB).toFixed(0),
      ]);
    }
  }
  if (lines.length === 0) return;
  console.log("");
  console.log("Workers: Gatehouse req/s with 1 process and with N (serve --workers N)");
  printColumns(
    ["db", "scenario", "1 worker", "N workers", "gain", "base gain", "N ratio", "RSS MB/proc"],
    lines,
  );
}

/** The main table, then (PostgreSQL) the connections and the comparison of the variants. */
export function printReport(rows: Row[]): void {
  printTable(rows);
  printWorkerScaling(rows);
  if (rows.some((r) => r.gatehouse.dbConnections !== undefined)) {
    console.log("");
    printConnections(rows);
  }
  if (variantsOf(rows).length > 1) {
    console.log("");
    printVariantComparison(rows);
  }
}

/** --paired: each variant's medians, and req/s relative to the first variant. */
export function printPaired(rows: PairedRow[]): void {
  const header = ["scenario", "db", "req/s", "min–max", "p50 ms", "p99 ms", "vs first"];
  const lines = rows.map((r) => {
    const rps = r.loads.map((l) => l.rps);
    const counts = r.loads.map((l) => l.dbConnections);
    const busy = counts.reduce((sum, c) => sum + (c?.busyMean ?? 0), 0) / counts.length;
    return [
      r.scenario,
      r.db,
      r.rps.toFixed(0),
      `${Math.min(...rps).toFixed(0)}–${Math.max(...rps).toFixed(0)}`,
      r.p50.toFixed(1),
      r.p99.toFixed(1),
      `×${r.relative.toFixed(2)}`,
      String(Math.max(...counts.map((c) => c?.held ?? 0))),
      busy.toFixed(1),
      String(Math.max(...counts.map((c) => c?.busyMax ?? 0))),
    ];
  });
  const rounds = rows[0]?.loads.length ?? 0;
  console.log(`Gatehouse against itself: medians of ${rounds} rounds, variants in turn`);
  printColumns([...header, "held", "busy avg", "busy max"], lines);
  for (const v of [...new Set(rows.map((r) => r.db))])
    console.log(`${v}: ${VARIANTS[v].description}`);
}

export interface Summary extends Pick<
  Options,
  "quick" | "durationS" | "connections" | "users" | "variants" | "pgbouncerPoolSize"
> {
  started: number;
  cores: number;
  argon2: { verifyMs: number; limit: number };
  mails: number;
}

const usesPgBouncer = (s: Summary) => s.variants.some((v) => VARIANTS[v].throughPgBouncer);

/** Prints the closing lines; returns Gatehouse's peak RSS in MB over `loads`. */
export function printSummary(loads: Load[], s: Summary): number {
  const memoryTarget = Math.max(...loads.map((l) => l.peakRssBytes)) / MB;
  console.log(
    `cores ${s.cores}; argon2id verify ${s.argon2.verifyMs.toFixed(1)} ms → hashing limit ${s.argon2.limit.toFixed(0)}/s; mails received by the SMTP sink: ${s.mails}`,
  );
  console.log(
    `peak RSS of Gatehouse over all scenarios: ${memoryTarget.toFixed(0)} MB → ${memoryTarget < 150 ? "MET" : "MISSED"} (< 150 MB)`,
  );
  console.log(
    `mode ${s.quick ? "quick" : "full"}, ${s.durationS} s per run, ${s.connections} connections; took ${((Date.now() - s.started) / 1000).toFixed(0)} s`,
  );
  if (usesPgBouncer(s))
    console.log(
      `PgBouncer: transaction mode, ${s.pgbouncerPoolSize} server connections in its pool`,
    );
  return memoryTarget;
}

export function writeResults(
  rows: Row[],
  paired: PairedRow[],
  s: Summary,
  peakRssMB: number,
): void {
  const dir = join(ROOT, "bench/results");
  mkdirSync(dir, { recursive: true });
  const output = {
    date: new Date().toISOString(),
    mode: s.quick ? "quick" : "full",
    node: process.version,
    cores: s.cores,
    durationSeconds: s.durationS,
    connections: s.connections,
    users: s.users,
    argon2: { verifyMs: s.argon2.verifyMs, hashingLimitPerSecond: s.argon2.limit },
    mailsDelivered: s.mails,
    peakRssMB,
    ...(usesPgBouncer(s) ? { pgbouncerPoolSize: s.pgbouncerPoolSize } : {}),
    rows,
    ...(paired.length === 0 ? {} : { paired }),
  };
  writeFileSync(join(dir, "latest.json"), `${JSON.stringify(output, null, 2)}\n`);
  log(`wrote bench/results/latest.json`);
}
