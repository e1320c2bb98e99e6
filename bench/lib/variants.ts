// The databases Gatehouse is measured on. Each variant runs every selected scenario against
// Gatehouse and against the baseline; the baseline always uses a direct connection.
import { availableParallelism } from "node:os";
import type { Scenario } from "./options.js";
import type { DbKind } from "./shared.js";

export interface Variant {
  kind: DbKind;
  /** Gatehouse reaches PostgreSQL through a private PgBouncer in transaction mode. */
  throughPgBouncer: boolean;
  /** Settings added to Gatehouse's environment. */
  gatehouseEnv: Record<string, string>;
  /** One line for the report. */
  description: string;
  /** Server processes on each side: Gatehouse's `serve --workers`, the baseline's cluster. */
  workers?: number;
  /** The scenarios this variant is for (all when absent); --only narrows them further. */
  scenarios?: readonly Scenario[];
}

/** What a second process changes is throughput, not the lookups: the three hot operations. */
const WORKER_SCENARIOS = ["me", "verifyToken", "tokenAuth"] as const;
// Not options.ts's CORES: options.ts imports this module, and a cycle would read it unset.
const CORES = availableParallelism();

export const VARIANTS = {
  sqlite: {
    kind: "sqlite",
    throughPgBouncer: false,
    gatehouseEnv: {},
    description: "SQLite file",
  },
  postgres: {
    kind: "postgres",
    throughPgBouncer: false,
    gatehouseEnv: {},
    description: "PostgreSQL, direct connection (named statements for the user lookups)",
  },
  "postgres-pgbouncer": {
    kind: "postgres",
    throughPgBouncer: true,
    gatehouseEnv: { DATABASE_POOLER: "transaction" },
    description:
      "PostgreSQL through a private PgBouncer in transaction mode (DATABASE_POOLER=transaction)",
  },
  "postgres-unnamed": {
    kind: "postgres",
    throughPgBouncer: false,
    gatehouseEnv: { DATABASE_POOLER: "transaction" },
    description:
      "PostgreSQL, direct connection with DATABASE_POOLER=transaction forced (every query unnamed)",
  },
  "sqlite-workers": {
    kind: "sqlite",
    throughPgBouncer: false,
    gatehouseEnv: { WORKERS: String(CORES) },
    workers: CORES,
    scenarios: WORKER_SCENARIOS,
    description: `SQLite file, ${String(CORES)} workers on each side (serve --workers)`,
  },
  "postgres-workers": {
    kind: "postgres",
    throughPgBouncer: false,
    gatehouseEnv: { WORKERS: String(CORES) },
    workers: CORES,
    scenarios: WORKER_SCENARIOS,
    description: `PostgreSQL, direct connection, ${String(CORES)} workers on each side`,
  },
  // A line per request costs formatting and a write: `me` with request logs on, against the
  // baseline, next to the sqlite variant's `me` (logs at warn: none for a request that went well).
  "sqlite-request-logs": {
    kind: "sqlite",
    throughPgBouncer: false,
    gatehouseEnv: { LOG_LEVEL: "debug", LOG_FORMAT: "json" },
    scenarios: ["me"],
    description: "SQLite file, LOG_LEVEL=debug: one JSON line per request (read by the bench)",
  },
} as const satisfies Record<string, Variant>;

export type VariantName = keyof typeof VARIANTS;

export const VARIANT_NAMES = Object.keys(VARIANTS) as VariantName[];

/** What `--db --quick` runs when it is not given: what fits the quick run's two minutes. */
export const QUICK_VARIANTS: VariantName[] = ["sqlite", "postgres"];

/** What `--db` runs in the full run when it is not given. */
export const DEFAULT_VARIANTS: VariantName[] = [
  "sqlite",
  "postgres",
  "sqlite-workers",
  "postgres-workers",
  "sqlite-request-logs",
];

/** What --paired compares when --db is not given: the PostgreSQL variants, the default first. */
export const PAIRED_VARIANTS: VariantName[] = [
  "postgres",
  "postgres-unnamed",
  "postgres-pgbouncer",
];
