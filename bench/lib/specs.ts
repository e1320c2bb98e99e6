// The load of each throughput scenario, as autocannon specs. A maker is created once per scenario
// run and called once per server under test, so state that both sides share (the tokenAuth
// username counter, register's run id) lives in the maker and per-server state in its spec.
import type { Target } from "./graphql-client.js";
import { login } from "./graphql-client.js";
import type { LoadSpec } from "./load.js";
import type { Scenario } from "./options.js";
import { PASSWORD, usernameOf } from "./shared.js";

export type SpecMaker = (t: Target) => Promise<LoadSpec> | LoadSpec;

export interface SpecContext {
  /** An access token of user 1 (a seeded user). */
  token: string;
  authorization: Record<string, string>;
  /** Users seeded. */
  users: number;
  /** autocannon connections of the throughput runs. */
  connections: number;
}

/** Rotation: each response's new refresh token is the one used next. */
function rotatingRefresh(c: SpecContext): SpecMaker {
  // autocannon resets its per-connection context after every request of a one-request list, so the
  // live refresh tokens sit in a shared queue instead: each request takes one and its response puts
  // the rotated one back. Twice as many tokens as connections keep the queue from running dry.
  return async (t) => {
    const queue: string[] = [];
    for (let i = 0; i < 2 * c.connections; i++)
      queue.push((await login(t, usernameOf(2 + i))).refreshToken);
    let last = queue[0] ?? "";
    return {
      operation: "refreshToken",
      perRequest: () => ({ refreshToken: queue.shift() ?? last }),
      onResponse: (data) => {
        const result = data?.["refreshToken"] as
          { success?: boolean; refreshToken?: string } | undefined;
        if (result?.success === true && typeof result.refreshToken === "string") {
          queue.push(result.refreshToken);
          last = result.refreshToken;
          return true;
        }
        return false;
      },
    };
  };
}

/** Sign-ins with the right password, cycling through 500 seeded users. */
function signIns(): SpecMaker {
  let counter = 0;
  return () => ({
    operation: "tokenAuth",
    perRequest: () => ({ username: usernameOf(100 + (counter++ % 500)), password: PASSWORD }),
  });
}

/** New accounts, a username of their own per request; the mail goes to the SMTP sink. */
function registrations(): SpecMaker {
  const runId = Date.now().toString(36);
  return (t) => {
    let i = 0;
    return {
      operation: "register",
      perRequest: () => {
        const username = `r${runId}${t.name[0] ?? "x"}${i++}`;
        return {
          username,
          email: `${username}@example.org`,
          password1: PASSWORD,
          password2: PASSWORD,
        };
      },
      onResponse: (data) =>
        (data?.["register"] as { success?: boolean } | undefined)?.success === true,
    };
  };
}

/**
 * What an admin types to find someone among the seeded people (names.ts): the start of a surname,
 * a first name, a whole surname. On 1 M users each matches from 1,900 users (`weber`) to 35,600
 * (`maria`).
 */
export const USERS_FILTER_TERMS = [
  "gonz",
  "kowal",
  "maria",
  "schmi",
  "silva",
  "nguyen",
  "rossi",
  "ander",
  "patel",
  "jans",
  "dubois",
  "weber",
] as const;

/**
 * The dearest searches a person would type, each measured alone (bench/README.md, "Users
 * filter"). Counts on 1 M users.
 */
export const USERS_FILTER_WORST = [
  {
    term: "khoury",
    note: "811 matches: among the slowest of 2,233 name fragments surveyed (the plan choice)",
  },
  { term: "son", note: "3 letters inside 49,654 usernames" },
  { term: "gonzales", note: "a misspelling: matches no one, its trigrams many" },
] as const;

/** One term after another, in the same order on both sides. */
export function usersFilter(
  terms: readonly string[] = USERS_FILTER_TERMS,
  connections?: number,
): SpecMaker {
  return () => {
    let next = 0;
    return {
      operation: "usersFilter",
      perRequest: () => ({ q: terms[next++ % terms.length] }),
      ...(connections === undefined ? {} : { connections }),
    };
  };
}

/** The scenarios whose load is one spec (meUnderLogin paces two loads at once: not here). */
export const SPECS = {
  me:
    (c: SpecContext): SpecMaker =>
    () => ({ operation: "me", headers: c.authorization }),
  verifyToken:
    (c: SpecContext): SpecMaker =>
    () => ({
      operation: "verifyToken",
      variables: { token: c.token },
    }),
  refreshToken: rotatingRefresh,
  tokenAuth: signIns,
  usersFilter: (): SpecMaker => usersFilter(),
  usersDeep:
    (c: SpecContext): SpecMaker =>
    () => ({
      operation: "usersDeep",
      variables: { offset: c.users - 100 },
    }),
  register: registrations,
} satisfies Partial<Record<Scenario, (c: SpecContext) => SpecMaker>>;

export type SpecScenario = keyof typeof SPECS;
