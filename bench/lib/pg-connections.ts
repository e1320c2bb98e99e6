// The PostgreSQL server connections a process holds during a load run, sampled from
// pg_stat_activity by application_name (each side connects under a name of its own, which
// PgBouncer passes on to the server connections it opens). The sampler connects directly.
import pg from "pg";

export interface ConnectionCounts {
  /** Most server connections open at once (idle ones included: a pool keeps them). */
  held: number;
  /** Server connections running a statement or inside a transaction: mean over the samples. */
  busyMean: number;
  busyMax: number;
  samples: number;
}

export interface ConnectionWatch {
  stop(): Promise<ConnectionCounts>;
}

export interface ConnectionCounter {
  /** Samples, until stop(), the connections whose application_name is `applicationName`. */
  watch(applicationName: string): ConnectionWatch;
  close(): Promise<void>;
}

const SAMPLE_EVERY_MS = 50;
const COUNT_SQL = `select count(*)::int as held, count(*) filter (where state <> 'idle')::int as busy
  from pg_stat_activity where application_name = $1`;

/** `url`: a direct connection to the PostgreSQL server. */
export async function openConnectionCounter(url: string): Promise<ConnectionCounter> {
  const client = new pg.Client({
    connectionString: url,
    application_name: "gatehouse-bench-sampler",
  });
  await client.connect();
  const sample = async (name: string) =>
    (await client.query<{ held: number; busy: number }>(COUNT_SQL, [name])).rows[0] ?? {
      held: 0,
      busy: 0,
    };
  return {
    watch(applicationName) {
      const state: { running: boolean; failure?: Error } = { running: true };
      const counts: ConnectionCounts = { held: 0, busyMean: 0, busyMax: 0, samples: 0 };
      let busyTotal = 0;
      const loop = (async () => {
        while (state.running) {
          const { held, busy } = await sample(applicationName);
          counts.held = Math.max(counts.held, held);
          counts.busyMax = Math.max(counts.busyMax, busy);
          busyTotal += busy;
          counts.samples++;
          await new Promise((resolve) => setTimeout(resolve, SAMPLE_EVERY_MS));
        }
      })().catch((error: unknown) => {
        state.failure = error instanceof Error ? error : new Error(String(error));
      });
      return {
        async stop() {
          state.running = false;
          await loop;
          if (state.failure !== undefined) throw state.failure;
          return { ...counts, busyMean: counts.samples > 0 ? busyTotal / counts.samples : 0 };
        },
      };
    },
    close: () => client.end(),
  };
}
