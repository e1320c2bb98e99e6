// Bad input found by a machine: fast-check throws hostile values at every argument of every
// query and mutation the running server's introspection lists, and at the body and headers of
// the request, then checks the answer (never 5xx, never a masked internal error, always the
// documented `data`/`errors` JSON), that the server still answers /healthz, and that the
// database invariants still hold (SPEC §2.3, §2.4, §3.1, §5.0, §6). Fixed seeds: a failure
// prints its seed and path, and replays the same way.
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { aVerifiedUser } from "../../support/builders.js";
import { accountInvariantViolations, countRows } from "../../support/db-invariants.js";
import {
  operationCases,
  operationRequest,
  type PoolUser,
} from "../../support/hostile-operations.js";
import { bodyCases, malformedHttpCases } from "../../support/hostile-requests.js";
import { describeValue } from "../../support/hostile-values.js";
import { ME } from "../../support/operations.js";
import { rawExchange, rawRequest, type RawResponse } from "../../support/raw-http.js";
import { schemaOperations, type SchemaOperation } from "../../support/schema-operations.js";
import { startTestApp, testDatabases, unique, type TestApp } from "../../support/test-app.js";

/** One fixed seed per database: runs replay exactly, and the two databases see different cases. */
const seedFor = (database: string) => (database === "sqlite" ? 20_261_126 : 20_261_127);
const OPERATION_RUNS = 250;
const BODY_RUNS = 160;
const MALFORMED_HTTP_RUNS = 50;
const MALFORMED_HTTP_WAIT_MS = 2000;
const INVARIANTS_EVERY = 25;
const POOL_SIZE = 3;
// Raised so ~1 MB values reach the resolvers; HUGE_LENGTHS also goes past it (413 then).
const BODY_LIMIT_BYTES = 1_500_000;
const INTERNAL_ERROR = "Internal server error";

/** The documented answer shapes (SPEC §3.1): 200 with `data`, or 4xx with `errors` only. */
function answerProblems(response: RawResponse): string[] {
  if (response.kind === "closed") return [`no answer: ${response.error}`];
  const problems: string[] = [];
  if (response.status >= 500) problems.push(`status ${response.status}`);
  if (!(response.headers["content-type"] ?? "").startsWith("application/json")) {
    problems.push(`content-type ${response.headers["content-type"] ?? "(none)"}`);
  }
  let body: unknown;
  try {
    body = JSON.parse(response.body.toString("utf8"));
  } catch {
    return [...problems, `body is not JSON: ${describeValue(response.body.toString("utf8"))}`];
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return [...problems, "body is not a JSON object"];
  }
  const { data, errors, ...rest } = body as Record<string, unknown>;
  if (Object.keys(rest).some((key) => key !== "extensions")) {
    problems.push(`unexpected keys ${Object.keys(rest).join(", ")}`);
  }
  if (errors !== undefined) {
    if (!Array.isArray(errors) || errors.length === 0) problems.push("errors is not a list");
    else
      for (const error of errors as unknown[]) {
        const message = (error as { message?: unknown } | null)?.message;
        if (typeof message !== "string") problems.push("an error has no message");
        if (message === INTERNAL_ERROR) problems.push("an internal error was masked");
      }
  }
  if (response.status === 200) {
    if (data === undefined) problems.push("200 without data");
    else if (data !== null && (typeof data !== "object" || Array.isArray(data))) {
      problems.push("data is not an object");
    }
  } else {
    if (data !== undefined) problems.push(`${response.status} with data`);
    if (errors === undefined) problems.push(`${response.status} without errors`);
  }
  return problems;
}

/** How a request ended, for the run's summary: status, and for 200 whether the field ran. */
function outcomeOf(response: RawResponse, field?: string): string {
  if (response.kind === "closed") return "closed";
  if (response.status !== 200 || field === undefined) return String(response.status);
  const body = JSON.parse(response.body.toString()) as { data?: Record<string, unknown> | null };
  const payload = body.data?.[field] as { success?: unknown } | null | undefined;
  if (payload === null || payload === undefined) return "200 null";
  return typeof payload.success === "boolean" ? `200 success ${payload.success}` : "200 data";
}

function summary(outcomes: Map<string, number>): string {
  return [...outcomes.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([outcome, count]) => `${outcome}: ${count}`)
    .join(", ");
}

function tally(outcomes: Map<string, number>, outcome: string): void {
  outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
}

/**
 * fc.assert without shrinking (each case is a real request, some of a megabyte) and with a short
 * report: the seed and path replay the failure, the counterexample is cut to a readable size.
 */
async function checkProperty<T>(
  property: fc.IAsyncProperty<T>,
  parameters: { seed: number; numRuns: number },
): Promise<void> {
  const details = await fc.check(property, { ...parameters, endOnFailure: true });
  if (!details.failed) return;
  throw new Error(
    [
      `Property failed after ${details.numRuns} cases (seed ${details.seed}, path "${details.counterexamplePath ?? ""}")`,
      `Counterexample: ${describeValue(fc.stringify(details.counterexample), 1500)}`,
      String(details.errorInstance),
    ].join("\n"),
  );
}

describe.each(testDatabases())("hostile input on %s", (database) => {
  let app: TestApp;
  let port: number;
  let operations: SchemaOperation[];
  const pool: PoolUser[] = [];
  /** Users the database should hold: pool users made here plus acknowledged registrations. */
  let expectedUsers = 0;

  async function aPoolUser(): Promise<PoolUser> {
    const user = await aVerifiedUser(app, { username: unique("pool") });
    const me = await app.gql(ME, {}, { token: user.token });
    expectedUsers += 1;
    return { ...user, pk: (me.body.data?.me as { pk: number }).pk };
  }

  async function isUsable(user: PoolUser): Promise<boolean> {
    const me = await app.gql(ME, {}, { token: user.token });
    const node = me.body.data?.me as { verified: boolean; isActive: boolean } | null | undefined;
    return node?.verified === true && node.isActive;
  }

  async function healthProblems(): Promise<string[]> {
    const health = await rawRequest(port, {
      method: "GET",
      path: "/healthz",
      headers: [["Host", `127.0.0.1:${port}`]],
    });
    return health.kind === "answer" && health.status === 200
      ? []
      : ["/healthz does not answer 200"];
  }

  async function expectDatabaseInvariants(): Promise<void> {
    expect(await accountInvariantViolations(app.deps.db)).toEqual([]);
    // No user from a failed registration: every row is a pool user or an acknowledged one.
    expect(await countRows(app.deps.db, "users")).toBe(expectedUsers);
  }

  beforeAll(async () => {
    app = await startTestApp(database, {
      USER_QUERY_ACCESS: "public",
      BODY_LIMIT_BYTES: String(BODY_LIMIT_BYTES),
      RATE_LIMITS: "false",
    });
    port = Number(new URL(app.url).port);
    operations = await schemaOperations(app.url);
    for (let index = 0; index < POOL_SIZE; index++) pool.push(await aPoolUser());
  });
  afterAll(async () => {
    await app.close();
  });

  it("answers every argument of every operation with the documented shape, never a server error", async () => {
    expect(operations.map((operation) => operation.field)).toEqual(
      expect.arrayContaining(["me", "user", "users", "register", "tokenAuth", "passwordChange"]),
    );
    const covered = new Set<string>();
    const outcomes = new Map<string, number>();
    let cases = 0;
    await checkProperty(
      fc.asyncProperty(operationCases(operations, POOL_SIZE), async (testCase) => {
        cases += 1;
        covered.add(testCase.operation.field);
        const { body, headers } = operationRequest(testCase, pool);
        const response = await rawRequest(port, {
          method: "POST",
          path: "/graphql",
          headers: [["Host", `127.0.0.1:${port}`], ...headers],
          body: Buffer.from(body),
        });
        const problems = [...answerProblems(response), ...(await healthProblems())];
        expect(problems, describeValue(body, 600)).toEqual([]);
        tally(outcomes, outcomeOf(response, testCase.operation.field));

        const payload =
          response.kind === "answer" && response.status === 200
            ? ((JSON.parse(response.body.toString()) as { data?: Record<string, unknown> | null })
                .data?.[testCase.operation.field] as { success?: unknown } | null | undefined)
            : undefined;
        if (testCase.operation.field === "register" && payload?.success === true)
          expectedUsers += 1;
        // A change that succeeded may have ended the pool user's sessions or account: replace it.
        if (testCase.operation.kind === "mutation" && payload?.success === true) {
          const user = pool[testCase.user]!;
          if (!(await isUsable(user))) pool[testCase.user] = await aPoolUser();
        }
        if (cases % INVARIANTS_EVERY === 0) await expectDatabaseInvariants();
      }),
      { seed: seedFor(database), numRuns: OPERATION_RUNS },
    );
    await expectDatabaseInvariants();
    const users = await countRows(app.deps.db, "users");
    const mails = await countRows(app.deps.db, "mail_outbox");
    console.log(
      `hostile-input ${database}: database invariants hold for ${users} users and ${mails} outbox messages`,
    );
    console.log(
      `hostile-input ${database}: ${cases} operation cases over ${covered.size}/${operations.length} operations (${summary(outcomes)})`,
    );
    expect([...covered].sort()).toEqual(operations.map((operation) => operation.field).sort());
  });

  it("answers hostile bodies, query strings and headers with the documented shape", async () => {
    const outcomes = new Map<string, number>();
    let cases = 0;
    await checkProperty(
      fc.asyncProperty(bodyCases(port, operations, pool), async (testCase) => {
        cases += 1;
        const response = await rawRequest(port, testCase);
        const problems = [...answerProblems(response), ...(await healthProblems())];
        expect(
          problems,
          describeValue(
            JSON.stringify({ ...testCase, body: testCase.body.toString("latin1") }),
            600,
          ),
        ).toEqual([]);
        tally(outcomes, outcomeOf(response));
        if (cases % INVARIANTS_EVERY === 0) await expectDatabaseInvariants();
      }),
      { seed: seedFor(database), numRuns: BODY_RUNS },
    );
    await expectDatabaseInvariants();
    console.log(`hostile-input ${database}: ${cases} body and header cases (${summary(outcomes)})`);
  });

  // Regression: the cases the properties first failed on, each a 500 "Internal server error".
  it("answers a syntax error to JSON sent as the query and to deeply nested literals", async () => {
    const post = (query: string) =>
      rawRequest(port, {
        method: "POST",
        path: "/graphql",
        headers: [
          ["Host", `127.0.0.1:${port}`],
          ["Content-Type", "application/json"],
        ],
        body: Buffer.from(JSON.stringify({ query })),
      });
    for (const query of ["1", "null", "{}", '{"kind":"Document"}', "[[]]"]) {
      const response = await post(query);
      expect(answerProblems(response), query).toEqual([]);
      expect(response.kind === "answer" && response.status, query).toBe(400);
    }
    const deep = await post(
      `mutation { archiveAccount(password: ${"[".repeat(3000)}${"]".repeat(3000)}) { success } }`,
    );
    expect(answerProblems(deep)).toEqual([]);
    expect(deep.kind === "answer" && JSON.parse(deep.body.toString())).toEqual({
      errors: [{ message: "Syntax Error: Document is nested too deeply." }],
    });
  });

  it("answers a GET naming no operation of its document as a POST is answered", async () => {
    const get = (params: Record<string, string>) =>
      rawRequest(port, {
        method: "GET",
        path: `/graphql?${new URLSearchParams(params).toString()}`,
        headers: [["Host", `127.0.0.1:${port}`]],
      });
    const unknown = await get({ query: "{ me { pk } }", operationName: "Other" });
    expect(unknown.kind === "answer" && JSON.parse(unknown.body.toString())).toEqual({
      data: null,
      errors: [{ message: 'Unknown operation named "Other".' }],
    });
    const unnamed = await get({ query: "query A { me { pk } } query B { me { pk } }" });
    expect(answerProblems(unnamed)).toEqual([]);
    const mutation = await get({
      query: 'query A { me { pk } } mutation B { verifyToken(token: "x") { success } }',
      operationName: "B",
    });
    expect(mutation.kind === "answer" && mutation.status).toBe(405);
  });

  it("refuses malformed HTTP with a 4xx or a closed connection and keeps answering", async () => {
    const outcomes = new Map<string, number>();
    let cases = 0;
    await checkProperty(
      fc.asyncProperty(malformedHttpCases(port), async (head) => {
        cases += 1;
        // A request cut short keeps the server waiting for the rest: no answer is fine there.
        const response = await rawExchange(port, head, MALFORMED_HTTP_WAIT_MS);
        tally(outcomes, outcomeOf(response));
        if (response.kind === "answer")
          expect(response.status, head.toString("latin1").slice(0, 200)).toBeLessThan(500);
        expect(await healthProblems()).toEqual([]);
      }),
      { seed: seedFor(database), numRuns: MALFORMED_HTTP_RUNS },
    );
    console.log(`hostile-input ${database}: ${cases} malformed HTTP cases (${summary(outcomes)})`);
  });
});
