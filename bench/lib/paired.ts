// --paired: Gatehouse against itself. One Gatehouse per PostgreSQL variant, all on one database
// (behind a private PgBouncer that the direct variants bypass), seeded once. Each scenario's load
// runs on every Gatehouse in turn, round after round in a rotating order, so whatever else the
// machine is doing falls on every variant alike; each variant's figures are medians over the rounds.
import { gatehouseApplicationName, setupDatabase, type DbSetup } from "./databases.js";
import { call, field, login, type Target } from "./graphql-client.js";
import { runLoad, type Load } from "./load.js";
import { log } from "./log.js";
import { median } from "./medians.js";
import { isSelected } from "./options.js";
import { openConnectionCounter, type ConnectionCounter } from "./pg-connections.js";
import { stopChild, type Child } from "./processes.js";
import { seed, startGatehouse, targetOf, type RunSettings } from "./servers.js";
import { usernameOf } from "./shared.js";
import { SPECS, type SpecContext, type SpecScenario } from "./specs.js";
import { VARIANTS, type VariantName } from "./variants.js";

/** The scenarios --paired runs when --only does not say. */
const PAIRED_DEFAULT: SpecScenario[] = ["me", "verifyToken", "tokenAuth", "register"];

export interface PairedRow {
  db: VariantName;
  scenario: SpecScenario;
  /** Medians over the rounds. */
  rps: number;
  p50: number;
  p99: number;
  /** rps ÷ the first variant's rps in the same scenario. */
  relative: number;
  loads: Load[];
}

interface Server {
  variant: VariantName;
  child: Child;
  target: Target;
}

/** Each scenario's load on every server, `rounds` times, the starting server rotating. */
async function measure(
  scenario: SpecScenario,
  servers: Server[],
  context: SpecContext,
  settings: RunSettings,
): Promise<PairedRow[]> {
  const rounds = settings.options.quick ? 5 : 3;
  const loads = servers.map((): Load[] => []);
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < servers.length; i++) {
      const index = (round + i) % servers.length;
      const target = servers[index]!.target;
      const spec = await SPECS[scenario](context)(target);
      loads[index]!.push(await runLoad(target, spec, settings.options));
    }
  }
  const rows = servers.map((server, i) => {
    const own = loads[i]!;
    return {
      db: server.variant,
      scenario,
      rps: median(own.map((l) => l.rps)),
      p50: median(own.map((l) => l.p50)),
      p99: median(own.map((l) => l.p99)),
      relative: 1,
      loads: own,
    };
  });
  const first = rows[0]?.rps ?? 0;
  for (const row of rows) row.relative = first > 0 ? row.rps / first : 0;
  for (const row of rows)
    log(`paired ${scenario} ${row.db}: ${row.rps.toFixed(0)} req/s (×${row.relative.toFixed(2)})`);
  return rows;
}

/** One Gatehouse after another (the first applies the migrations), the users seeded once. */
async function startServers(
  variants: VariantName[],
  db: DbSetup,
  settings: RunSettings,
  counter: ConnectionCounter,
  servers: Server[],
): Promise<void> {
  for (const variant of variants) {
    const child = await startGatehouse(variant, db, settings);
    const name = gatehouseApplicationName(variant);
    servers.push({ variant, child, target: targetOf("gatehouse", child, counter, name) });
    if (servers.length === 1) await seed(variant, db, settings);
  }
}

/** Signs in on the first Gatehouse; `me` with that token answers on every one. */
async function smokeCheck(
  servers: Server[],
): Promise<Pick<SpecContext, "token" | "authorization">> {
  const first = servers[0]!.target;
  const { token } = await login(first, usernameOf(1));
  const authorization = { authorization: `JWT ${token}` };
  for (const { target, variant } of servers) {
    const me = field(await call(target, "me", {}, authorization), "me");
    if (me["username"] !== usernameOf(1)) throw new Error(`${variant} me: ${JSON.stringify(me)}`);
  }
  return { token, authorization };
}

export async function benchPaired(
  variants: VariantName[],
  settings: RunSettings,
): Promise<PairedRow[]> {
  const sqlite = variants.find((v) => VARIANTS[v].kind !== "postgres");
  if (sqlite !== undefined) throw new Error(`--paired compares PostgreSQL variants, not ${sqlite}`);
  const { options } = settings;
  const shared = variants.some((v) => VARIANTS[v].throughPgBouncer)
    ? "postgres-pgbouncer"
    : "postgres";
  const db = await setupDatabase(shared, options);
  const counter = await openConnectionCounter(options.pgBase);
  const servers: Server[] = [];
  try {
    await startServers(variants, db, settings, counter, servers);
    const session = await smokeCheck(servers);
    const context = { ...session, users: options.users.postgres, connections: options.connections };
    const scenarios = (Object.keys(SPECS) as SpecScenario[]).filter((s) =>
      options.only === undefined ? PAIRED_DEFAULT.includes(s) : isSelected(options, s),
    );
    const skipped = options.only?.filter((s) => !(s in SPECS)) ?? [];
    if (skipped.length > 0) log(`--paired does not run ${skipped.join(", ")}`);
    const rows: PairedRow[] = [];
    for (const scenario of scenarios)
      rows.push(...(await measure(scenario, servers, context, settings)));
    return rows;
  } finally {
    for (const server of servers) await stopChild(server.child);
    await counter.close();
    await db.cleanup();
  }
}
