// What the benches that put a few Gatehouses side by side share (metrics.ts, webhooks.ts): their
// command-line arguments, the medians of a side's rounds, and the run itself (the build, the
// SMTP sink, one seeded hash, then each database in turn).
import { hashPassword } from "./argon2.js";
import { buildIfNeeded } from "./build.js";
import type { Load } from "./load.js";
import { log } from "./log.js";
import { median } from "./medians.js";
import { parseOptions } from "./options.js";
import type { RunSettings } from "./servers.js";
import { ARGON2_PREFIX } from "./shared.js";
import { startSmtpSink } from "./smtp-sink.js";
import type { VariantName } from "./variants.js";

const argument = (name: string) =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);

/** `--quick`, `--rounds=`, `--duration=` (seconds), `--db=` (variants, comma-separated). */
export function sideBySideArguments() {
  const quick = process.argv.includes("--quick");
  return {
    quick,
    rounds: Number(argument("rounds") ?? (quick ? 3 : 7)),
    durationS: Number(argument("duration") ?? (quick ? 1 : 5)),
    variants: (argument("db") ?? "sqlite,postgres").split(",") as VariantName[],
  };
}

/** A side's figures: medians over its rounds, and every failed request. */
export function mediansOf(loads: readonly Load[]) {
  const of = (pick: (load: Load) => number) => median(loads.map(pick));
  return {
    rps: of((load) => load.rps),
    p50: of((load) => load.p50),
    p99: of((load) => load.p99),
    cpuUs: of((load) => load.cpuUsPerRequest),
    failures: loads.reduce((sum, load) => sum + load.non2xx + load.errors + load.failures, 0),
  };
}

/** `measure` on each database of `--db`, with 1,000 users seeded per database. */
export async function runSideBySide(
  describe: (variant: VariantName) => string,
  measure: (variant: VariantName, settings: RunSettings) => Promise<void>,
): Promise<void> {
  const args = sideBySideArguments();
  buildIfNeeded(process.argv.includes("--build"));
  const smtp = await startSmtpSink();
  try {
    const profiling = process.argv.includes("--cpu-prof") ? ["--cpu-prof"] : [];
    const parsed = parseOptions(["--quick", `--duration=${String(args.durationS)}`, ...profiling]);
    const options = {
      ...parsed,
      warmupS: args.quick ? 0.5 : 1,
      users: { sqlite: 1_000, postgres: 1_000 },
    };
    const encodedHash = ARGON2_PREFIX + (await hashPassword());
    const settings = { options, encodedHash, smtpPort: smtp.port, hashingLimit: 1 };
    for (const variant of args.variants) {
      log(`${variant}: ${describe(variant)}, ${String(args.rounds)} rounds …`);
      await measure(variant, settings);
    }
  } finally {
    await smtp.close();
  }
}
