// One process's Prometheus metrics, served by GET /metrics when METRICS_ENABLED is on. Each Deps
// has a registry of its own, not prom-client's global one, so servers built side by side in one
// process (the tests, the bench) count apart. Any module adds its metrics here through
// deps.metrics: a counter, a gauge (its `collect` runs at scrape time) or a histogram.
import {
  collectDefaultMetrics,
  Counter,
  Gauge,
  Histogram,
  Registry,
  type CounterConfiguration,
  type GaugeConfiguration,
  type HistogramConfiguration,
} from "prom-client";
import cluster from "node:cluster";
import type { Config } from "../config/config.js";
import { clusterExposition } from "./cluster.js";

/** Seconds, from a millisecond to the request timeout's order; a `me` answers in about one. */
export const LATENCY_BUCKETS_SECONDS = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

type Unregistered<T> = Omit<T, "registers">;

export interface Metrics {
  /** METRICS_ENABLED: when off nothing is observed, and what is created here is never served. */
  readonly isEnabled: boolean;
  /** Names start with `gatehouse_` and carry their unit (`_seconds`, `_total`). */
  counter<L extends string>(config: Unregistered<CounterConfiguration<L>>): Counter<L>;
  gauge<L extends string>(config: Unregistered<GaugeConfiguration<L>>): Gauge<L>;
  histogram<L extends string>(config: Unregistered<HistogramConfiguration<L>>): Histogram<L>;
  /** The text a scrape gets; runs every gauge's `collect`. */
  exposition(): Promise<{ contentType: string; text: string }>;
}

/** Every metric of ours is named so: a dashboard finds them all by the prefix. */
function checkedName(name: string): string {
  if (!/^gatehouse_[a-z][a-z0-9_]*$/.test(name)) {
    throw new Error(`metric ${name}: names are gatehouse_ and snake_case`);
  }
  return name;
}

export function createMetrics(settings: Config["metrics"]): Metrics {
  const registry = new Registry();
  // The standard process and Node.js metrics keep their usual names (process_cpu_seconds_total,
  // nodejs_eventloop_lag_seconds, …), which existing dashboards expect. Off, they would sample the
  // event loop and the garbage collector for nobody.
  if (settings.enabled) collectDefaultMetrics({ register: registry });
  // A worker of `serve --workers N` answers for the whole cluster (metrics/cluster.ts).
  const clusterText =
    settings.enabled && cluster.isWorker ? clusterExposition(registry) : undefined;
  return {
    isEnabled: settings.enabled,
    counter: (config) =>
      new Counter({ ...config, name: checkedName(config.name), registers: [registry] }),
    gauge: (config) =>
      new Gauge({ ...config, name: checkedName(config.name), registers: [registry] }),
    histogram: (config) =>
      new Histogram({ ...config, name: checkedName(config.name), registers: [registry] }),
    async exposition() {
      const text = await (clusterText === undefined ? registry.metrics() : clusterText());
      return { contentType: registry.contentType, text };
    },
  };
}
