// The PostgreSQL pool, read at scrape time: connections busy, idle and at most, and queries
// waiting for one (a pool too small for the load shows there first). SQLite has one connection
// and no pool, so it has none of these.
import type { DatabaseHandle } from "../db/database.js";
import type { Metrics } from "./registry.js";

export function observeDatabasePool(metrics: Metrics, database: DatabaseHandle): void {
  const usage = database.poolUsage;
  if (usage === undefined) return;
  metrics.gauge({
    name: "gatehouse_database_pool_connections",
    help: "PostgreSQL connections of this process's pool, by state (in_use, idle)",
    labelNames: ["state"],
    collect() {
      const now = usage();
      this.set({ state: "in_use" }, now.total - now.idle);
      this.set({ state: "idle" }, now.idle);
    },
  });
  metrics.gauge({
    name: "gatehouse_database_pool_max_connections",
    help: "DATABASE_POOL_SIZE: the connections this process's pool may open",
    collect() {
      this.set(usage().max);
    },
  });
  metrics.gauge({
    name: "gatehouse_database_pool_waiting_queries",
    help: "Queries waiting for a free PostgreSQL connection",
    collect() {
      this.set(usage().waiting);
    },
  });
}
