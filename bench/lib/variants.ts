// The databases Gatehouse is measured on. Each variant runs every selected scenario against
// Gatehouse and against the baseline; the baseline always uses a direct connection.
import type { DbKind } from "./shared.js";

export interface Variant {
  kind: DbKind;
  /** Gatehouse reaches PostgreSQL through a private PgBouncer in transaction mode. */
  throughPgBouncer: boolean;
  /** Settings added to Gatehouse's environment. */
  gatehouseEnv: Record<string, string>;
  /** One line for the report. */
  description: string;
}

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
} as const satisfies Record<string, Variant>;

export type VariantName = keyof typeof VARIANTS;

export const VARIANT_NAMES = Object.keys(VARIANTS) as VariantName[];

/** What `--db` runs when it is not given: what fits the quick run's two minutes. */
export const DEFAULT_VARIANTS: VariantName[] = ["sqlite", "postgres"];

/** What --paired compares when --db is not given: the PostgreSQL variants, the default first. */
export const PAIRED_VARIANTS: VariantName[] = [
  "postgres",
  "postgres-unnamed",
  "postgres-pgbouncer",
];
