// A cluster of three stateless `gatehouse serve` nodes on one PostgreSQL database through
// PgBouncer in transaction mode (DATABASE_POOLER=transaction), one Redis for the rate limits, one
// SMTP server, behind a round-robin proxy (tests/support/cluster.ts). Nothing a request needs may
// live in one node or on one server connection: every flow works whichever node answers, every
// limit and revocation holds on every node, each mail leaves once, and a node SIGKILLed in the
// middle of a burst loses no acknowledged change.
import pg from "pg";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Cluster } from "../../support/cluster.js";
import { startCluster } from "../../support/cluster.js";
import {
  ME,
  PASSWORD_CHANGE,
  REFRESH_TOKEN,
  REGISTER,
  TOKEN_AUTH_USERNAME,
  VERIFY_ACCOUNT,
} from "../../support/operations.js";
import { aClientIp, RATE_LIMITED } from "../../support/rate-limits.js";
import { tokenFromMail } from "../../support/smtp-sink.js";
import { testDatabases, unique } from "../../support/test-app.js";

const PASSWORD = "Correct-Horse-42";
const INVALID_TOKEN = { nonFieldErrors: [{ message: "Invalid token.", code: "invalid_token" }] };
const MINUTE_MS = 60_000;
const MAIL_DEADLINE_MS = 20_000;

/** A mutation's payload or a query's object, read freely. */
interface Payload {
  success?: boolean;
  errors?: unknown;
  token?: string | null;
  refreshToken?: string | null;
  username?: string;
}

interface Answer {
  status: number;
  body: { data?: Record<string, Payload | null> | null; errors?: { message: string }[] };
}

/** One GraphQL request to `url` (the proxy or one node), as the client `ip`. */
async function gql(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  options: { token?: string; ip?: string } = {},
): Promise<Answer> {
  const response = await fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-forwarded-for": options.ip ?? aClientIp(),
      ...(options.token === undefined ? {} : { authorization: `JWT ${options.token}` }),
    },
    body: JSON.stringify({ query, variables }),
  });
  const text = await response.text();
  let body: Answer["body"];
  try {
    body = JSON.parse(text) as Answer["body"];
  } catch {
    body = { errors: [{ message: text }] };
  }
  return { status: response.status, body };
}

/** The answer's one field, whatever the answer. */
function fieldOf(answer: Answer, name: string): Payload | null | undefined {
  return answer.body.data?.[name];
}

/** The payload of the answer's one field, after checking it is a 200 without GraphQL errors. */
function payloadOf(answer: Answer, context: string): Payload | null {
  expect({ status: answer.status, errors: answer.body.errors }, context).toEqual({
    status: 200,
    errors: undefined,
  });
  return Object.values(answer.body.data ?? {})[0] ?? null;
}

function aNewAccount(prefix = "node") {
  const username = unique(prefix);
  return { username, email: `${username}@example.com`, password: PASSWORD, ip: aClientIp() };
}

type Account = ReturnType<typeof aNewAccount>;

function register(url: string, account: Account): Promise<Answer> {
  return gql(
    url,
    REGISTER,
    {
      email: account.email,
      username: account.username,
      password1: account.password,
      password2: account.password,
    },
    { ip: account.ip },
  );
}

function signIn(url: string, account: Account, password = account.password): Promise<Answer> {
  return gql(
    url,
    TOKEN_AUTH_USERNAME,
    { username: account.username, password },
    { ip: account.ip },
  );
}

/** Fixed one-minute windows on the real clock: start a counted series well inside one. */
async function awayFromMinuteEdge(): Promise<void> {
  const remainingMs = MINUTE_MS - (Date.now() % MINUTE_MS);
  if (remainingMs < 15_000) await new Promise((resolve) => setTimeout(resolve, remainingMs + 500));
}

/** Runs `work` for each item, at most `width` at a time. */
async function inParallel<T, R>(items: T[], width: number, work: (item: T) => Promise<R>) {
  const results: R[] = [];
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: width }, lane));
  return results;
}

/**
 * Advisory locks held by a server connection outside any transaction. Behind a transaction-mode
 * pooler a session lock outlives the transaction that took it, on a server connection that is
 * then handed to other clients, so the transaction that should release it may run elsewhere.
 */
async function sessionLocksLeft(
  directUrl: string,
): Promise<{ lock: string; heldBy: number; lastQuery: string }[]> {
  const client = new pg.Client(directUrl);
  await client.connect();
  try {
    const { rows } = await client.query<{ lock: string; heldBy: number; lastQuery: string }>(
      `select ((l.classid::bigint << 32) | l.objid::bigint)::text as lock, l.pid as "heldBy",
              a.query as "lastQuery"
         from pg_locks l join pg_stat_activity a on a.pid = l.pid
        where l.locktype = 'advisory' and a.datname = current_database() and a.state = 'idle'`,
    );
    return rows;
  } finally {
    await client.end();
  }
}

const onPostgres = testDatabases().includes("postgres");
if (!onPostgres) {
  console.warn(
    "cluster tests skipped: TEST_DATABASES excludes postgres (PgBouncer fronts PostgreSQL)",
  );
}

describe.skipIf(!onPostgres)(
  "a cluster of three nodes on one PostgreSQL through PgBouncer in transaction mode",
  () => {
    let cluster: Cluster;
    const node = (index: number) => cluster.nodeUrl(index);

    /** Registers through the proxy and verifies the account with its activation mail. */
    async function aVerifiedAccount(prefix: string): Promise<Account> {
      const account = aNewAccount(prefix);
      expect(payloadOf(await register(cluster.graphqlUrl, account), "register")).toMatchObject({
        success: true,
      });
      const mail = await cluster.smtp.waitFor(
        (received) => received.envelopeTo.includes(account.email),
        MAIL_DEADLINE_MS,
      );
      const verified = await gql(
        cluster.graphqlUrl,
        VERIFY_ACCOUNT,
        { token: tokenFromMail(mail) },
        { ip: account.ip },
      );
      expect(payloadOf(verified, "verifyAccount")).toEqual({ success: true, errors: null });
      return account;
    }

    // A cluster that cannot start (PgBouncer not installed, …) fails every test with the reason:
    // a failing beforeAll alone would report them as skipped.
    let startError: Error | undefined;
    beforeAll(async () => {
      try {
        cluster = await startCluster({
          nodes: 3,
          env: { RATE_LIMITS: "true", EMAIL_ASYNC_TASK: "true" },
        });
      } catch (error) {
        startError = error instanceof Error ? error : new Error(String(error));
      }
    }, 120_000);
    beforeEach(() => {
      if (startError !== undefined) throw startError;
    });

    afterAll(async () => {
      if (startError === undefined) await cluster.close();
    }, 30_000);

    it("leaves no session lock on the pooler's server connections after the first node migrates", async () => {
      // Kysely's migration lock is a session lock (pg_advisory_lock … pg_advisory_unlock): taken
      // and released in different transactions, it can stay on a server connection PgBouncer
      // has since handed to other clients, and the next migrating start waits for it (1 h).
      expect(await sessionLocksLeft(cluster.database.directUrl)).toEqual([]);
    });

    it("serves register, tokenAuth and me to 200 requests spread over the nodes without a 5xx", async () => {
      const accounts = Array.from({ length: 40 }, () => aNewAccount("flow"));
      const before = cluster.servedBy();
      const problems: string[] = [];
      let requests = 0;
      const check = (answer: Answer, what: string, ok: boolean) => {
        requests += 1;
        if (answer.status >= 500 || answer.body.errors !== undefined || !ok) {
          problems.push(`${what}: ${answer.status} ${JSON.stringify(answer.body).slice(0, 300)}`);
        }
      };
      await inParallel(accounts, 10, async (account) => {
        const registered = await register(cluster.graphqlUrl, account);
        check(registered, "register", fieldOf(registered, "register")?.success === true);
        const signedIn = await signIn(cluster.graphqlUrl, account);
        check(signedIn, "tokenAuth", fieldOf(signedIn, "tokenAuth")?.success === true);
        const token = fieldOf(signedIn, "tokenAuth")?.token ?? "";
        for (let read = 0; read < 3; read++) {
          const me = await gql(cluster.graphqlUrl, ME, {}, { ip: account.ip, token });
          check(me, "me", fieldOf(me, "me")?.username === account.username);
        }
      });
      const served = cluster.servedBy().map((count, index) => count - (before[index] ?? 0));
      expect(requests).toBe(200);
      expect(
        problems.length,
        [
          `${problems.length} of ${requests} requests failed, the first five:`,
          ...problems.slice(0, 5),
          cluster.output(),
        ].join("\n"),
      ).toBe(0);
      expect(served.reduce((a, b) => a + b, 0)).toBe(200);
      for (const count of served) expect(count).toBeGreaterThanOrEqual(50);
    }, 60_000);

    it("refuses the sixth tokenAuth for one username within a minute on whichever node answers", async () => {
      const account = aNewAccount("limit");
      expect(payloadOf(await register(cluster.graphqlUrl, account), "register")).toMatchObject({
        success: true,
      });
      await awayFromMinuteEdge();
      // Each attempt from another client address: only the per-username limit (5/1m) is in play.
      const attempt = (index: number) => signIn(node(index), { ...account, ip: aClientIp() });
      for (const index of [0, 1, 2, 0, 1]) {
        expect(payloadOf(await attempt(index), `attempt on node ${index}`)).toMatchObject({
          success: true,
        });
      }
      for (const index of [2, 0, 1]) {
        expect(payloadOf(await attempt(index), `refused on node ${index}`)).toMatchObject({
          success: false,
          errors: RATE_LIMITED,
          token: null,
        });
      }
    });

    it("refuses on one node a refresh token rotated on another, and the replay revokes its successor", async () => {
      const account = aNewAccount("refresh");
      expect(payloadOf(await register(node(0), account), "register")).toMatchObject({
        success: true,
      });
      const session = payloadOf(await signIn(node(0), account), "tokenAuth");
      expect(session).toMatchObject({ success: true });
      const refresh = (index: number, refreshToken: unknown) =>
        gql(node(index), REFRESH_TOKEN, { refreshToken });

      const rotated = payloadOf(await refresh(1, session?.refreshToken), "rotation on node 1");
      expect(rotated).toMatchObject({ success: true });
      expect(rotated?.refreshToken).not.toBe(session?.refreshToken);

      expect(payloadOf(await refresh(2, session?.refreshToken), "replay on node 2")).toMatchObject({
        success: false,
        errors: INVALID_TOKEN,
        token: null,
        refreshToken: null,
      });
      expect(
        payloadOf(await refresh(0, rotated?.refreshToken), "successor on node 0"),
      ).toMatchObject({ success: false, errors: INVALID_TOKEN, token: null, refreshToken: null });
    });

    it("ends the old access token on every node when the password changes on one", async () => {
      const account = await aVerifiedAccount("change");
      const session = payloadOf(await signIn(cluster.graphqlUrl, account), "tokenAuth");
      const oldToken = session?.token as string;
      const meOn = async (index: number, token: string) =>
        payloadOf(await gql(node(index), ME, {}, { token, ip: account.ip }), `me on node ${index}`);
      // Every node has now checked (and may have cached) the old token.
      for (const index of [0, 1, 2]) {
        expect(await meOn(index, oldToken)).toMatchObject({ username: account.username });
      }

      const newPassword = "Velvet-Quasar-77";
      const changed = payloadOf(
        await gql(
          node(1),
          PASSWORD_CHANGE,
          { old: account.password, p1: newPassword, p2: newPassword },
          { token: oldToken, ip: account.ip },
        ),
        "passwordChange on node 1",
      );
      expect(changed).toMatchObject({ success: true, errors: null });

      for (const index of [0, 1, 2]) {
        expect(await meOn(index, oldToken), `old token on node ${index}`).toBeNull();
        expect(await meOn(index, changed?.token as string)).toMatchObject({
          username: account.username,
        });
      }
    });

    it("delivers each queued activation mail exactly once, whichever node's worker takes it", async () => {
      const accounts = Array.from({ length: 15 }, () => aNewAccount("mail"));
      await inParallel(accounts, 5, async (account) => {
        expect(payloadOf(await register(cluster.graphqlUrl, account), "register")).toMatchObject({
          success: true,
        });
      });
      const deadline = Date.now() + MAIL_DEADLINE_MS;
      await Promise.all(
        accounts.map((account) =>
          cluster.smtp.waitFor(
            (mail) => mail.envelopeTo.includes(account.email),
            Math.max(1, deadline - Date.now()),
          ),
        ),
      );
      // Every row of these addresses is marked sent: no worker will send one again.
      const client = new pg.Client(cluster.database.directUrl);
      await client.connect();
      try {
        for (;;) {
          const { rows } = await client.query<{ recipients: string; status: string }>(
            "select recipients, status from mail_outbox",
          );
          const ours = rows.filter((row) =>
            accounts.some((account) => row.recipients.includes(account.email)),
          );
          expect(ours).toHaveLength(accounts.length);
          if (ours.every((row) => row.status === "sent")) break;
          if (Date.now() > deadline) throw new Error(`outbox not drained: ${JSON.stringify(ours)}`);
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
      } finally {
        await client.end();
      }
      // Two more polls of every worker (1 s each) for a duplicate to show.
      await new Promise((resolve) => setTimeout(resolve, 2_500));
      for (const account of accounts) {
        const mails = cluster.smtp.messages.filter((mail) =>
          mail.envelopeTo.includes(account.email),
        );
        expect(mails.length, account.email).toBe(1);
      }
    }, 40_000);

    it("keeps every acknowledged registration and password change when a node is SIGKILLed mid-burst", async () => {
      type Outcome = "acknowledged" | "refused" | "lost";
      const outcomeOf = (answer: Answer | undefined, field: string): Outcome => {
        // No answer, or the proxy's 502 for a request in flight on the killed node: may or may
        // not have happened. Any other status is the node's own and must be a success.
        if (answer === undefined || answer.status === 502) return "lost";
        if (answer.status === 200 && fieldOf(answer, field)?.success === true)
          return "acknowledged";
        refusals.push(`${field}: ${answer.status} ${JSON.stringify(answer.body).slice(0, 300)}`);
        return "refused";
      };
      const refusals: string[] = [];
      const attempt = async (work: () => Promise<Answer>) => {
        try {
          return await work();
        } catch {
          return undefined;
        }
      };

      const accounts = await Promise.all(
        Array.from({ length: 6 }, () => aVerifiedAccount("crash")),
      );
      const tokens: string[] = [];
      for (const account of accounts) {
        const session = payloadOf(await signIn(cluster.graphqlUrl, account), "tokenAuth");
        tokens.push(session?.token as string);
      }
      const victim = 1;
      const forwardedBefore = cluster.forwardedTo()[victim] ?? 0;
      const heldBefore = (locks: { lock: string; heldBy: number }[]) => {
        const keys = new Set(locks.map(({ lock, heldBy }) => `${lock}/${heldBy}`));
        return ({ lock, heldBy }: { lock: string; heldBy: number }) =>
          keys.has(`${lock}/${heldBy}`);
      };
      const wasHeld = heldBefore(await sessionLocksLeft(cluster.database.directUrl));

      const registrations = Array.from({ length: 30 }, () => aNewAccount("burst"));
      const changes = accounts.map((account, index) => ({
        account,
        token: tokens[index]!,
        newPassword: `Velvet-Quasar-${index}`,
      }));
      let answers = 0;
      let reachKillPoint: () => void = () => undefined;
      const killPoint = new Promise<void>((resolve) => (reachKillPoint = resolve));
      const counted = async (work: Promise<Answer | undefined>) => {
        const answer = await work;
        answers += 1;
        if (answers >= 6) reachKillPoint();
        return answer;
      };
      const registrationOutcomes = registrations.map(async (account) =>
        outcomeOf(await counted(attempt(() => register(cluster.graphqlUrl, account))), "register"),
      );
      const changeOutcomes = changes.map(async ({ account, token, newPassword }) =>
        outcomeOf(
          await counted(
            attempt(() =>
              gql(
                cluster.graphqlUrl,
                PASSWORD_CHANGE,
                { old: account.password, p1: newPassword, p2: newPassword },
                { token, ip: account.ip },
              ),
            ),
          ),
          "passwordChange",
        ),
      );
      const everyOutcome = Promise.all([...registrationOutcomes, ...changeOutcomes]);
      await Promise.race([killPoint, everyOutcome]);
      const answersAtKill = answers;
      await cluster.kill(victim);
      const registered = await Promise.all(registrationOutcomes);
      const changed = await Promise.all(changeOutcomes);
      await cluster.restart(victim);

      const all = [...registered, ...changed];
      const count = (outcome: Outcome) => all.filter((o) => o === outcome).length;
      console.log(
        `cluster crash: node ${victim} SIGKILLed after ${answersAtKill} of ${all.length} answers; ` +
          `${count("acknowledged")} acknowledged, ${count("lost")} lost, ${count("refused")} refused`,
      );
      expect(answersAtKill).toBeLessThan(all.length);
      // The victim had its share of the burst, answered or cut off by the kill.
      expect(cluster.forwardedTo()[victim] ?? 0).toBeGreaterThan(forwardedBefore);
      expect(refusals).toEqual([]);

      // Every acknowledged registration signs in through the proxy, on any node.
      for (const [index, account] of registrations.entries()) {
        const session = payloadOf(await signIn(cluster.graphqlUrl, account), account.username);
        if (registered[index] === "acknowledged") {
          expect(session, account.username).toMatchObject({ success: true });
        }
      }
      // Each change happened whole or not at all, and an acknowledged one happened.
      for (const [index, { account, newPassword }] of changes.entries()) {
        const withNew = payloadOf(await signIn(cluster.graphqlUrl, account, newPassword), "new");
        const withOld = payloadOf(await signIn(cluster.graphqlUrl, account), "old");
        const works = { new: withNew?.success === true, old: withOld?.success === true };
        if (changed[index] === "acknowledged") {
          expect(works, account.username).toEqual({ new: true, old: false });
        } else {
          expect(works.new !== works.old, account.username).toBe(true);
        }
      }
      // A node killed in a transaction leaves no lock behind on the pooler's connections (the
      // first test names any that was there before).
      const locksAfter = await sessionLocksLeft(cluster.database.directUrl);
      expect(locksAfter.filter((lock) => !wasHeld(lock))).toEqual([]);
    }, 60_000);
  },
);
