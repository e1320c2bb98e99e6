// Gatehouse benchmark suite: `npm run bench` (or `npm run bench -- --quick`). See bench/README.md.
// Builds Gatehouse, then for each database variant starts Gatehouse and the no-framework baseline
// (bench/baseline.ts) as child processes on loopback, seeds users in bulk, drives every scenario
// with autocannon on both, samples each child's RSS (and PostgreSQL connections), prints a table
// and writes bench/results/latest.json.
import { hashPassword, measureArgon2 } from "./lib/argon2.js";
import { buildIfNeeded } from "./lib/build.js";
import { log } from "./lib/log.js";
import { CORES, parseOptions } from "./lib/options.js";
import { benchPaired, type PairedRow } from "./lib/paired.js";
import { printPaired, printReport, printSummary, writeResults } from "./lib/report.js";
import type { Row } from "./lib/scenarios.js";
import { benchVariant } from "./lib/servers.js";
import { ARGON2_PREFIX } from "./lib/shared.js";
import { startSmtpSink } from "./lib/smtp-sink.js";

async function main(): Promise<void> {
  const started = Date.now();
  const options = parseOptions(process.argv.slice(2));
  buildIfNeeded(options.build);
  const phc = await hashPassword();
  const argon2 = await measureArgon2(phc, options.quick ? 15 : 40, CORES);
  log(
    `argon2id verify (m=19456, t=2, p=1): ${argon2.verifyMs.toFixed(1)} ms; hashing limit ${CORES} cores ÷ that = ${argon2.limit.toFixed(0)}/s`,
  );

  const smtp = await startSmtpSink();
  const rows: Row[] = [];
  const paired: PairedRow[] = [];
  try {
    const settings = {
      options,
      encodedHash: ARGON2_PREFIX + phc,
      smtpPort: smtp.port,
      hashingLimit: argon2.limit,
    };
    if (options.paired) {
      paired.push(...(await benchPaired(options.variants, settings)));
    } else {
      for (const variant of options.variants) rows.push(...(await benchVariant(variant, settings)));
    }
  } finally {
    await smtp.close();
  }

  console.log("");
  if (options.paired) printPaired(paired);
  else printReport(rows);
  console.log("");
  const summary = { started, cores: CORES, argon2, mails: smtp.mails(), ...options };
  const loads = [...rows.map((r) => r.gatehouse), ...paired.flatMap((r) => r.loads)];
  const peakRssMB = printSummary(loads, summary);
  writeResults(rows, paired, summary, peakRssMB);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exitCode = 1;
});
