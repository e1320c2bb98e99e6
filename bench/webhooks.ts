// What webhooks cost an account change (issue 19): `updateAccount` over HTTP against three built
// Gatehouses, started as `npm start` starts them, each on a database of its own (the WEBHOOKS
// setting owns the subscriptions of the database it runs on):
//   none      no subscription (the default);
//   elsewhere one subscription to another type: each change looks for subscribers, writes nothing;
//   delivered one subscription to user.updated: each change writes its event and delivery in its
//             transaction, and the dispatcher POSTs it, signed, to a receiver in this process.
// Alternating autocannon runs, so the machine's load falls on all three alike. Prints req/s,
// p50/p99 latency and CPU per request (the dispatcher's work included) for each, the difference
// from `none`, and how long the receiver waited after the last run for the backlog.
// `npm run bench:webhooks [-- --quick] [-- --rounds=5 --duration=2 --db=sqlite,postgres]`;
// `--cpu-prof` writes the servers' profiles to bench/results/profiles/<db>/ (named by pid).
import { randomBytes } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { setupDatabase, type DbSetup } from "./lib/databases.js";
import { login, type Target } from "./lib/graphql-client.js";
import { runLoad, type Load, type LoadSpec } from "./lib/load.js";
import { log } from "./lib/log.js";
import { mediansOf, runSideBySide, sideBySideArguments } from "./lib/side-by-side.js";
import { stopChild, type Child } from "./lib/processes.js";
import { seed, startGatehouse, targetOf, type RunSettings } from "./lib/servers.js";
import { usernameOf } from "./lib/shared.js";
import type { VariantName } from "./lib/variants.js";

const { rounds: ROUNDS, durationS: DURATION_S } = sideBySideArguments();
/** The receiver has every delivery once nothing more arrives for this long. */
const QUIET_MS = 3_000;
/** How long the receiver waits for the backlog after the last run. */
const MAX_WAIT_MS = 120_000;

type SideName = "none" | "elsewhere" | "delivered";

interface Side {
  name: SideName;
  db: DbSetup;
  child: Child;
  target: Target;
  loads: Load[];
}

/** Answers every delivery 204, as a healthy receiver does, and notes when each arrived. */
async function startReceiver() {
  let count = 0;
  let lastAt = 0;
  const server = createServer((request, response) => {
    request.resume();
    request.on("end", () => {
      count += 1;
      lastAt = performance.now();
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${String(port)}/hooks`,
    stats: () => ({ count, lastAt }),
    close: () =>
      new Promise<void>((resolve) =>
        server.close(() => {
          resolve();
        }),
      ),
  };
}

function webhooksSetting(url: string, events: string[]): string {
  const secret = `whsec_${randomBytes(32).toString("base64")}`;
  return JSON.stringify([{ name: "bench", url, secret, events }]);
}

const summary = (side: Side) => mediansOf(side.loads);

function printRows(variant: VariantName, sides: Side[]): void {
  const base = summary(sides[0]!);
  for (const side of sides) {
    const s = summary(side);
    const percent = (x: number, y: number) =>
      `${y >= x ? "+" : ""}${(((y - x) / x) * 100).toFixed(1)} %`;
    console.log(
      `${variant.padEnd(9)} ${side.name.padEnd(10)} ${s.rps.toFixed(0).padStart(6)} req/s  ` +
        `p50 ${s.p50.toFixed(0)} ms  p99 ${s.p99.toFixed(0)} ms  ` +
        `${s.cpuUs.toFixed(0).padStart(4)} CPU µs/req` +
        (side === sides[0]
          ? ""
          : `  (req/s ${percent(base.rps, s.rps)}, CPU ${percent(base.cpuUs, s.cpuUs)})`) +
        `  ${String(s.failures)} failed`,
    );
  }
  console.log(
    `${variant.padEnd(9)} medians of ${String(ROUNDS)} runs of ${String(DURATION_S)} s each`,
  );
}

/** The changes of one user, a new first name each, as a profile form would send them. */
function updates(token: string, onCommitted: () => void): LoadSpec {
  let counter = 0;
  return {
    operation: "updateAccount",
    headers: { authorization: `JWT ${token}` },
    perRequest: () => ({ firstName: `Bench ${String(counter++)}` }),
    onResponse: (data) => {
      const done = (data?.["updateAccount"] as { success?: boolean } | undefined)?.success;
      if (done === true) onCommitted();
      return done === true;
    },
  };
}

async function startSide(
  variant: VariantName,
  settings: RunSettings,
  name: SideName,
  env: Record<string, string>,
): Promise<Side> {
  const db = await setupDatabase(variant, settings.options);
  try {
    const first = await startGatehouse(variant, db, settings, env);
    // The first start applied the migrations; seeding needs them, the server then rereads nothing.
    await seed(variant, db, settings);
    const target = targetOf("gatehouse", first, undefined, "");
    log(`${variant}: ${name}: pid ${String(first.process.pid)}`);
    return { name, db, child: first, target, loads: [] };
  } catch (error) {
    await db.cleanup();
    throw error;
  }
}

async function measure(variant: VariantName, settings: RunSettings): Promise<void> {
  const receiver = await startReceiver();
  const sides: Side[] = [];
  try {
    sides.push(await startSide(variant, settings, "none", {}));
    const elsewhere = { WEBHOOKS: webhooksSetting(receiver.url, ["user.deleted"]) };
    sides.push(await startSide(variant, settings, "elsewhere", elsewhere));
    const delivered = { WEBHOOKS: webhooksSetting(receiver.url, ["user.updated"]) };
    sides.push(await startSide(variant, settings, "delivered", delivered));
    const specs = new Map<Side, LoadSpec>();
    const committedChanges = new Map<Side, number>();
    for (const side of sides) {
      const { token } = await login(side.target, usernameOf(1));
      const count = () => committedChanges.set(side, (committedChanges.get(side) ?? 0) + 1);
      specs.set(side, updates(token, count));
    }
    for (let round = 0; round < ROUNDS; round++) {
      for (let i = 0; i < sides.length; i++) {
        const side = sides[(round + i) % sides.length]!;
        side.loads.push(await runLoad(side.target, specs.get(side)!, settings.options));
      }
    }
    const loadEnded = performance.now();
    printRows(variant, sides);
    // Every delivery is for one user, so the dispatcher sends them one after another, in order.
    let seen = receiver.stats();
    while (performance.now() - loadEnded < MAX_WAIT_MS) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      const now = receiver.stats();
      if (now.count === seen.count && performance.now() - now.lastAt >= QUIET_MS) break;
      seen = now;
    }
    const committed = committedChanges.get(sides[2]!) ?? 0;
    const backlogS = Math.max(0, seen.lastAt - loadEnded) / 1000;
    console.log(
      `${variant.padEnd(9)} delivered  ${String(seen.count)} deliveries received of at least ` +
        `${String(committed)} changes; the last ${backlogS.toFixed(1)} s after the last run ended` +
        (seen.count < committed ? ` (stopped waiting after ${String(MAX_WAIT_MS / 1000)} s)` : ""),
    );
  } finally {
    for (const side of sides) {
      await stopChild(side.child);
      await side.db.cleanup();
    }
    await receiver.close();
  }
}

await runSideBySide(() => "updateAccount with no, another and a delivered subscription", measure);
