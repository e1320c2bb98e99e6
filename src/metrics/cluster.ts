// Metrics under `serve --workers N`: a scrape reaches whichever worker node:cluster hands the
// connection to, so that worker asks the supervisor, which gathers every worker's registry
// through prom-client's AggregatorRegistry (counters and histograms summed; gauges that read the
// shared database say how to combine) and answers with the cluster's exposition.
import cluster from "node:cluster";
import { randomUUID } from "node:crypto";
import { AggregatorRegistry, type Registry } from "prom-client";

const REQUEST = "gatehouse:metrics-request";
const ANSWER = "gatehouse:metrics-answer";
/** Beyond prom-client's own 5 s wait for the workers. */
const ANSWER_TIMEOUT_MS = 7_000;

interface MetricsRequest {
  type: typeof REQUEST;
  id: string;
}

interface MetricsAnswer {
  type: typeof ANSWER;
  id: string;
  text?: string;
  error?: string;
}

function isMessage<T extends { type: string }>(message: unknown, type: T["type"]): message is T {
  return (
    typeof message === "object" && message !== null && (message as { type?: unknown }).type === type
  );
}

/** In the supervisor: answers each worker's scrape with the whole cluster's metrics. */
export function serveClusterMetrics(): void {
  const aggregator = new AggregatorRegistry();
  cluster.on("message", (worker, message: unknown) => {
    if (!isMessage<MetricsRequest>(message, REQUEST)) return;
    aggregator.clusterMetrics().then(
      (text) => {
        if (worker.isConnected()) worker.send({ type: ANSWER, id: message.id, text });
      },
      (error: unknown) => {
        if (worker.isConnected())
          worker.send({ type: ANSWER, id: message.id, error: String(error) });
      },
    );
  });
}

/**
 * In a worker: lets the supervisor read `registry`, and returns what a scrape answers, the
 * cluster's metrics in the Prometheus text format.
 */
export function clusterExposition(registry: Registry): () => Promise<string> {
  // The constructor installs prom-client's answering listener in this worker.
  new AggregatorRegistry();
  AggregatorRegistry.setRegistries([registry]);
  return () =>
    new Promise((resolve, reject) => {
      const id = randomUUID();
      const onMessage = (message: unknown) => {
        if (!isMessage<MetricsAnswer>(message, ANSWER) || message.id !== id) return;
        finish();
        if (message.text !== undefined) resolve(message.text);
        else reject(new Error(`cluster metrics: ${message.error ?? "no answer"}`));
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error("cluster metrics: the supervisor did not answer"));
      }, ANSWER_TIMEOUT_MS);
      const finish = () => {
        clearTimeout(timer);
        process.off("message", onMessage);
      };
      process.on("message", onMessage);
      process.send?.({ type: REQUEST, id } satisfies MetricsRequest);
    });
}
