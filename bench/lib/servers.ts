// One database variant from start to end: a fresh database, Gatehouse on it, the users seeded,
// the baseline beside it, every selected scenario on both, then everything stopped and dropped.
import {
  BASELINE_APPLICATION_NAME,
  gatehouseApplicationName,
  setupDatabase,
  type DbSetup,
} from "./databases.js";
import type { Target } from "./graphql-client.js";
import { log } from "./log.js";
import { currentRss } from "./memory.js";
import { MB, type Options } from "./options.js";
import { openConnectionCounter, type ConnectionCounter } from "./pg-connections.js";
import {
  freePort,
  spawnChild,
  startCommand,
  stopChild,
  waitFor,
  withProfiling,
  type Child,
} from "./processes.js";
import { runScenarios, type Row } from "./scenarios.js";
import { seedPostgres, seedSqlite } from "./seed.js";
import { SECRET_KEY } from "./shared.js";
import { VARIANTS, type Variant, type VariantName } from "./variants.js";

export interface RunSettings {
  options: Options;
  /** The seeded users' stored password (Django's argon2 prefix + PHC). */
  encodedHash: string;
  smtpPort: number;
  hashingLimit: number;
}

/** Gatehouse, started as `npm start` starts it, on loopback; migrations create the schema. */
export async function startGatehouse(
  variant: VariantName,
  db: DbSetup,
  settings: RunSettings,
  /** Settings of this server only (bench/metrics.ts: METRICS_ENABLED on one of two). */
  extraEnv: Record<string, string> = {},
): Promise<Child> {
  const port = await freePort();
  const command = settings.options.cpuProf
    ? withProfiling(startCommand(), variant)
    : startCommand();
  const env = {
    DATABASE_URL: db.gatehouseUrl(variant),
    PORT: String(port),
    HOST: "127.0.0.1",
    NODE_ENV: "test",
    // The measured settings are these, whatever .env the project root holds.
    GATEHOUSE_ENV_FILE: "",
    SECRET_KEY,
    LOG_LEVEL: "warn",
    RATE_LIMITS: "false",
    COMPAT_MODE: "true",
    EMAIL_ASYNC_TASK: "true",
    EMAIL_HOST: "127.0.0.1",
    EMAIL_PORT: String(settings.smtpPort),
    JWT_EXPIRATION_DELTA: "1h",
    ...VARIANTS[variant].gatehouseEnv,
    ...extraEnv,
  };
  const gatehouse = spawnChild(command, env, port);
  try {
    await waitFor(gatehouse, "/healthz");
  } catch (error) {
    await stopChild(gatehouse);
    throw error;
  }
  return gatehouse;
}

async function startBaseline(
  variant: VariantName,
  db: DbSetup,
  settings: RunSettings,
  workers: number,
): Promise<Child> {
  const port = await freePort();
  const command = ["node", "--import", "tsx", "bench/baseline.ts"];
  const baseline = spawnChild(
    // Profiled too, so a request's CPU can be compared side by side with Gatehouse's.
    settings.options.cpuProf ? withProfiling(command, `${variant}-baseline`) : command,
    { BASELINE_DB: db.baselineDb, BASELINE_PORT: String(port), BASELINE_WORKERS: String(workers) },
    port,
  );
  await waitFor(baseline, "/me");
  return baseline;
}

export async function seed(
  variant: VariantName,
  db: DbSetup,
  settings: RunSettings,
): Promise<void> {
  const count = settings.options.users[db.kind];
  log(`${variant}: seeding ${count.toLocaleString("en")} users …`);
  const seedStart = Date.now();
  if (db.kind === "sqlite") await seedSqlite(db.seedTarget, count, settings.encodedHash);
  else await seedPostgres(db.seedTarget, count, settings.encodedHash);
  log(`${variant}: seeded in ${((Date.now() - seedStart) / 1000).toFixed(1)} s`);
}

/** `counter` (PostgreSQL): samples the connections named `applicationName` during load runs. */
export function targetOf(
  name: Target["name"],
  child: Child,
  counter: ConnectionCounter | undefined,
  applicationName: string,
): Target {
  return {
    name,
    port: child.port,
    pid: child.process.pid ?? 0,
    path: name === "gatehouse" ? () => "/graphql" : (operation) => `/${operation}`,
    ...(counter === undefined ? {} : { watchConnections: () => counter.watch(applicationName) }),
  };
}

/** RSS with no request running, of the largest process on each side. */
function logIdleRss(variant: VariantName, when: string, gatehouse: Child, baseline: Child): void {
  const mb = (child: Child) => (currentRss(child.process.pid ?? 0) / MB).toFixed(0);
  log(`${variant}: RSS ${when}: Gatehouse ${mb(gatehouse)} MB, baseline ${mb(baseline)} MB`);
}

/** --only, narrowed to the scenarios the variant is for. */
function variantOptions(variant: VariantName, options: Options): Options {
  const { scenarios } = VARIANTS[variant] as Variant;
  if (scenarios === undefined) return options;
  return {
    ...options,
    only: scenarios.filter((scenario) => options.only?.includes(scenario) ?? true),
  };
}

export async function benchVariant(variant: VariantName, settings: RunSettings): Promise<Row[]> {
  const { kind } = VARIANTS[variant];
  const options = variantOptions(variant, settings.options);
  if (options.only?.length === 0) return [];
  const db = await setupDatabase(variant, settings.options);
  let gatehouse: Child | undefined;
  let baseline: Child | undefined;
  let counter: ConnectionCounter | undefined;
  try {
    gatehouse = await startGatehouse(variant, db, settings);
    await seed(variant, db, settings);
    baseline = await startBaseline(
      variant,
      db,
      settings,
      (VARIANTS[variant] as Variant).workers ?? 1,
    );
    if (kind === "postgres") counter = await openConnectionCounter(settings.options.pgBase);
    logIdleRss(variant, "idle after start", gatehouse, baseline);
    const rows = await runScenarios({
      variant,
      kind,
      users: settings.options.users[kind],
      g: targetOf("gatehouse", gatehouse, counter, gatehouseApplicationName(variant)),
      b: targetOf("baseline", baseline, counter, BASELINE_APPLICATION_NAME),
      options,
      hashingLimit: settings.hashingLimit,
    });
    logIdleRss(variant, "idle after the load", gatehouse, baseline);
    return rows;
  } finally {
    await counter?.close();
    if (baseline !== undefined) await stopChild(baseline);
    if (gatehouse !== undefined) await stopChild(gatehouse);
    await db.cleanup();
  }
}
