// The scenarios, each measured on Gatehouse and then on the baseline under the same load; each
// returns its rows of the report. See bench/README.md for what each one sends and its target.
import { call, field, login, type Target } from "./graphql-client.js";
import { log } from "./log.js";
import { loginLoadProcess, runLoad, type Load, type LoadSpec } from "./load.js";
import { SCENARIOS, isSelected, type Options, type Scenario } from "./options.js";
import { sleep } from "./processes.js";
import { usernameOf, type DbKind } from "./shared.js";
import {
  SPECS,
  USERS_FILTER_TERMS,
  USERS_FILTER_WORST,
  usersFilter as usersFilterLoad,
  type SpecContext,
  type SpecMaker,
} from "./specs.js";
import type { VariantName } from "./variants.js";

export interface Row {
  db: VariantName;
  scenario: string;
  gatehouse: Load;
  baseline: Load;
  ratio: number;
  target?: { description: string; value: number; limit: number; met: boolean };
  note?: string;
}

export interface ScenarioContext {
  variant: VariantName;
  kind: DbKind;
  /** Users seeded. */
  users: number;
  g: Target;
  b: Target;
  options: Options;
  /** argon2id verifies per second the cores can do: tokenAuth's target. */
  hashingLimit: number;
}

/** The context of one scenario run: a signed-in session and a runner for both sides. */
interface Run extends ScenarioContext, SpecContext {
  both(make: SpecMaker): Promise<[Load, Load]>;
  row(scenario: string, gatehouse: Load, baseline: Load, extra?: Partial<Row>): Row;
}

function row(
  db: VariantName,
  scenario: string,
  gatehouse: Load,
  baseline: Load,
  extra: Partial<Row> = {},
): Row {
  const result: Row = {
    db,
    scenario,
    gatehouse,
    baseline,
    ratio: baseline.rps > 0 ? gatehouse.rps / baseline.rps : 0,
    ...extra,
  };
  log(
    `${db} ${scenario}: ${gatehouse.rps.toFixed(0)} req/s (p99 ${gatehouse.p99} ms) vs baseline ${baseline.rps.toFixed(0)}`,
  );
  return result;
}

function target(
  description: string,
  value: number,
  limit: number,
  met: boolean,
): NonNullable<Row["target"]> {
  return { description, value, limit, met };
}

/** Every operation answers without errors on both sides. */
async function smokeCheck(run: Run): Promise<void> {
  for (const t of [run.g, run.b]) {
    const me = field(await call(t, "me", {}, run.authorization), "me");
    if (me["username"] !== usernameOf(1)) throw new Error(`${t.name} me: ${JSON.stringify(me)}`);
    if (
      field(await call(t, "verifyToken", { token: run.token }), "verifyToken")["success"] !== true
    )
      throw new Error(`${t.name} verifyToken failed`);
    for (const q of USERS_FILTER_TERMS) await call(t, "usersFilter", { q });
    await call(t, "usersDeep", { offset: run.users - 100 });
  }
}

async function me(run: Run): Promise<Row[]> {
  const [meG, meB] = await run.both(SPECS.me(run));
  const met = meG.rps >= 0.8 * meB.rps;
  return [
    run.row("me", meG, meB, {
      target: target("me ≥ 0.8 × baseline", meG.rps / meB.rps, 0.8, met),
    }),
  ];
}

async function verifyToken(run: Run): Promise<Row[]> {
  const [vG, vB] = await run.both(SPECS.verifyToken(run));
  return [run.row("verifyToken", vG, vB)];
}

async function refreshToken(run: Run): Promise<Row[]> {
  const [rG, rB] = await run.both(SPECS.refreshToken(run));
  return [run.row("refreshToken (rotating)", rG, rB)];
}

/** tokenAuth against the hashing limit. */
async function tokenAuth(run: Run): Promise<Row[]> {
  const [tG, tB] = await run.both(SPECS.tokenAuth());
  const limit = run.hashingLimit;
  return [
    run.row("tokenAuth", tG, tB, {
      target: target(
        `tokenAuth ≥ 0.9 × hashing limit (${limit.toFixed(0)}/s)`,
        tG.rps / limit,
        0.9,
        tG.rps >= 0.9 * limit,
      ),
    }),
  ];
}

/** me latency at a paced rate, alone and while tokenAuth saturates the cores. */
async function meUnderLogin(run: Run): Promise<Row[]> {
  const meAtRate: LoadSpec = {
    operation: "me",
    headers: run.authorization,
    connections: 2,
    overallRate: 200,
  };
  // The same rate with nothing else running: the latency floor of this machine and client,
  // which a paced load on idle cores measures too (waking an idle core takes milliseconds).
  const [floorG, floorB] = await run.both(() => meAtRate);
  const floor = run.row("me p99 at 200 req/s, no other load", floorG, floorB, {
    note: "the floor the next row is measured against",
  });
  const { durationS, warmupS, connections } = run.options;
  const underLogin = async (t: Target): Promise<Load> => {
    const logins = loginLoadProcess(t, warmupS + durationS + 1, connections);
    await sleep(500);
    const result = await runLoad(t, meAtRate, run.options);
    await logins;
    return result;
  };
  const mixG = await underLogin(run.g);
  const mixB = await underLogin(run.b);
  const mix = run.row("me p99 under login load", mixG, mixB, {
    target: target("me p99 < 5 ms under login saturation", mixG.p99, 5, mixG.p99 < 5),
    note: "me at 200 req/s on 2 connections beside tokenAuth on 10",
  });
  return [floor, mix];
}

/**
 * users: a name search and its first page, the terms in turn, on 10 connections and on 1; then
 * each of the dearest searches alone on 1.
 */
async function usersFilter(run: Run): Promise<Row[]> {
  const n = run.users;
  const terms = `${USERS_FILTER_TERMS.length} terms in turn`;
  const [uG, uB] = await run.both(usersFilterLoad());
  const throughput = run.row(
    `users icontains, ${terms}, first 50 (${n.toLocaleString("en")} users)`,
    uG,
    uB,
    { note: "10 connections: throughput; the latency target is the next row" },
  );
  // Ten connections on two cores queue each request behind others, so p99 there measures
  // the queue. The latency target is for one request at a time: the query and its index.
  const [lG, lB] = await run.both(usersFilterLoad(USERS_FILTER_TERMS, 1));
  const onMillion = run.kind === "postgres" && n >= 1_000_000;
  const latency = run.row(`users icontains, ${terms}, 1 connection`, lG, lB, {
    ...(onMillion
      ? { target: target("users filter p99 < 10 ms on 1 M users", lG.p99, 10, lG.p99 < 10) }
      : { note: "the p99 < 10 ms target applies to 1 M users (full run, PostgreSQL)" }),
  });
  const worst: Row[] = [];
  // Surveyed on a million users; on the quick run's 20 k they say little and cost 9 s a database.
  for (const { term, note } of run.options.quick ? [] : USERS_FILTER_WORST) {
    const [wG, wB] = await run.both(usersFilterLoad([term], 1));
    worst.push(run.row(`users icontains "${term}", 1 connection`, wG, wB, { note }));
  }
  return [throughput, latency, ...worst];
}

async function usersDeep(run: Run): Promise<Row[]> {
  const [dG, dB] = await run.both(SPECS.usersDeep(run));
  return [run.row(`users offset ${(run.users - 100).toLocaleString("en")}, first 50`, dG, dB)];
}

async function register(run: Run): Promise<Row[]> {
  const [regG, regB] = await run.both(SPECS.register());
  return [run.row("register", regG, regB)];
}

const RUNNERS: Record<Scenario, (run: Run) => Promise<Row[]>> = {
  me,
  verifyToken,
  refreshToken,
  tokenAuth,
  meUnderLogin,
  usersFilter,
  usersDeep,
  register,
};

/** Smoke checks, then every selected scenario in the order of SCENARIOS. */
export async function runScenarios(context: ScenarioContext): Promise<Row[]> {
  const session = await login(context.g, usernameOf(1));
  const run: Run = {
    ...context,
    token: session.token,
    authorization: { authorization: `JWT ${session.token}` },
    connections: context.options.connections,
    both: async (make) => {
      const gl = await runLoad(context.g, await make(context.g), context.options);
      const bl = await runLoad(context.b, await make(context.b), context.options);
      return [gl, bl];
    },
    row: (scenario, gatehouse, baseline, extra) =>
      row(context.variant, scenario, gatehouse, baseline, extra),
  };
  await smokeCheck(run);
  const rows: Row[] = [];
  for (const scenario of SCENARIOS) {
    if (isSelected(context.options, scenario)) rows.push(...(await RUNNERS[scenario](run)));
  }
  return rows;
}
