// The command line of `npm run bench`: --quick, --db=, --duration=, --only=, --cpu-prof, --build.
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import type { DbKind } from "./shared.js";
import {
  DEFAULT_VARIANTS,
  PAIRED_VARIANTS,
  QUICK_VARIANTS,
  VARIANT_NAMES,
  type VariantName,
} from "./variants.js";

/** The repository's root folder. */
export const ROOT = fileURLToPath(new URL("../..", import.meta.url));
export const CORES = availableParallelism();
export const MB = 1024 * 1024;

export const SCENARIOS = [
  "me",
  "verifyToken",
  "refreshToken",
  "tokenAuth",
  "meUnderLogin",
  "usersFilter",
  "usersDeep",
  "register",
] as const;
export type Scenario = (typeof SCENARIOS)[number];

export interface Options {
  quick: boolean;
  variants: VariantName[];
  /** Seconds of each recorded load run. */
  durationS: number;
  /** Seconds of the unrecorded run before each recorded one. */
  warmupS: number;
  /** autocannon connections of the throughput runs. */
  connections: number;
  /** --only: the scenarios to run (all when undefined). */
  only: readonly Scenario[] | undefined;
  /** --cpu-prof: Gatehouse writes a V8 CPU profile per database to bench/results/profiles/. */
  cpuProf: boolean;
  /** --build: rebuild even when dist/ looks fresh. */
  build: boolean;
  /** --pgbouncer-pool: PgBouncer's server connections (default_pool_size) for the database. */
  pgbouncerPoolSize: number;
  /** --paired: Gatehouse against itself, one per PostgreSQL variant, in turns (paired.ts). */
  paired: boolean;
  users: Record<DbKind, number>;
  /** The PostgreSQL server (BENCH_PG_URL); each variant makes a schema or database of its own. */
  pgBase: string;
}

function listArgument<T extends string>(
  args: string[],
  flag: string,
  known: readonly T[],
  noun: string,
): T[] | undefined {
  const list = args
    .find((a) => a.startsWith(`${flag}=`))
    ?.slice(flag.length + 1)
    .split(",");
  const unknown = list?.find((name) => !(known as readonly string[]).includes(name));
  if (unknown !== undefined) {
    throw new Error(`${flag}: unknown ${noun} ${unknown} (one of ${known.join(", ")})`);
  }
  return list as T[] | undefined;
}

export function parseOptions(args: string[], env = process.env): Options {
  const quick = args.includes("--quick");
  const paired = args.includes("--paired");
  return {
    quick,
    variants:
      listArgument(args, "--db", VARIANT_NAMES, "database") ??
      (paired ? PAIRED_VARIANTS : quick ? QUICK_VARIANTS : DEFAULT_VARIANTS),
    durationS: Number(args.find((a) => a.startsWith("--duration="))?.slice(11) ?? (quick ? 1 : 15)),
    warmupS: quick ? 0.5 : 3,
    connections: 10,
    only: listArgument(args, "--only", SCENARIOS, "scenario"),
    cpuProf: args.includes("--cpu-prof"),
    build: args.includes("--build"),
    paired,
    pgbouncerPoolSize: Number(args.find((a) => a.startsWith("--pgbouncer-pool="))?.slice(17) ?? 10),
    users: quick ? { sqlite: 20_000, postgres: 20_000 } : { sqlite: 100_000, postgres: 1_000_000 },
    pgBase: env["BENCH_PG_URL"] ?? "postgres://postgres@127.0.0.1:5432/test",
  };
}

export function isSelected(options: Options, scenario: Scenario): boolean {
  return options.only === undefined || options.only.includes(scenario);
}
