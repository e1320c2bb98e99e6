// Crash safety: a real `gatehouse serve` process takes a burst of concurrent registrations and
// password changes, is SIGKILLed in the middle of it, and is started again on the same database,
// several times. Then: every acknowledged change is there, no account is half made, and every
// activation mail of a committed registration is delivered (SPEC §2.3, §5.0, §5.1, §5.7).
//
// The mail guarantee asserted is the one src/accounts/mail/outbox.ts gives, with either delivery:
// the outbox row commits with the user, leased (60 s) to the request (immediate delivery, the
// default) or to a worker (queued, EMAIL_ASYNC_TASK), which sends it after the commit and then
// marks it sent. At least once: a kill between the SMTP server's acceptance and the mark leaves
// the row pending, and it is sent again once the dead process's lease ends; a kill before the
// send leaves it to the worker. So: one mail per committed registration, except that a row whose
// lease was held at a kill may be delivered once more per such kill (with the same Message-ID);
// none for a rolled-back registration, since nothing is sent before the commit.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Kysely } from "kysely";
import type { Database } from "../../../src/db/tables.js";
import { STRONG_PASSWORD } from "../../support/builders.js";
import { accountInvariantViolations, usernamesInMail } from "../../support/db-invariants.js";
import {
  PASSWORD_CHANGE,
  REGISTER,
  TOKEN_AUTH_USERNAME,
  VERIFY_ACCOUNT,
} from "../../support/operations.js";
import {
  aPersistentDatabase,
  startServerProcess,
  type PersistentDatabase,
  type ServerProcess,
} from "../../support/server-process.js";
import { startSmtpSink, tokenFromMail, type SmtpSink } from "../../support/smtp-sink.js";
import { testDatabases, unique } from "../../support/test-app.js";

const CRASHES = 3;
const ACCOUNTS = 6;
const REGISTRATIONS_PER_BURST = 16;
/** The kill comes once this many answers of the burst have arrived, one entry per crash. */
const KILL_AFTER_ANSWERS = [5, 11, 17];
const DRAIN_DEADLINE_MS = 30_000;

type Outcome = "acknowledged" | "refused" | "lost";

interface Account {
  username: string;
  email: string;
  password: string;
}

interface Registration {
  username: string;
  email: string;
  password: string;
  outcome: Outcome;
}

interface PasswordChange {
  account: Account;
  oldPassword: string;
  newPassword: string;
  outcome: Outcome;
}

interface GraphQLAnswer {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- answers are read freely
  data: Record<string, any> | null | undefined;
}

async function gql(
  server: ServerProcess,
  query: string,
  variables: Record<string, unknown>,
  token?: string,
): Promise<GraphQLAnswer> {
  const response = await fetch(server.graphqlUrl, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(token === undefined ? {} : { authorization: `JWT ${token}` }),
    },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: GraphQLAnswer["data"] };
  return { status: response.status, data: body.data };
}

/** The outcome of one request of the burst: a 200 with success, a 200 without, or no answer. */
async function outcomeOf(answer: Promise<GraphQLAnswer>, field: string): Promise<Outcome> {
  try {
    const { status, data } = await answer;
    return status === 200 && (data?.[field] as { success?: boolean } | null)?.success === true
      ? "acknowledged"
      : "refused";
  } catch {
    return "lost";
  }
}

async function signIn(
  server: ServerProcess,
  username: string,
  password: string,
): Promise<string | undefined> {
  const answer = await gql(server, TOKEN_AUTH_USERNAME, { username, password });
  const payload = answer.data?.tokenAuth as { success: boolean; token: string } | undefined;
  return payload?.success === true ? payload.token : undefined;
}

const recipientsOf = (row: { recipients: string }) => JSON.parse(row.recipients) as string[];

const scenarios = testDatabases().flatMap((database) =>
  (["queued", "now"] as const).map((delivery) => [database, delivery] as const),
);

describe.each(scenarios)("crash safety on %s with %s mail delivery", (database, delivery) => {
  let smtp: SmtpSink;
  let storage: PersistentDatabase;
  let db: Kysely<Database>;
  let closeDb: () => Promise<void>;
  let server: ServerProcess | undefined;
  let env: Record<string, string>;

  beforeAll(async () => {
    smtp = await startSmtpSink();
    storage = await aPersistentDatabase(database);
    env = {
      DATABASE_URL: storage.url,
      SECRET_KEY: "crash-safety-secret-key-that-is-long-enough",
      EMAIL_HOST: "127.0.0.1",
      EMAIL_PORT: String(smtp.port),
      EMAIL_ASYNC_TASK: delivery === "queued" ? "true" : "false",
      SITE_DOMAIN: "app.example.test",
      RATE_LIMITS: "false",
      PASSWORD_HASH_MEMORY_KIB: "1024",
      PASSWORD_HASH_TIME_COST: "1",
    };
    const handle = storage.open();
    db = handle.db;
    closeDb = () => handle.close();
  });
  afterAll(async () => {
    await server?.kill();
    await closeDb();
    await smtp.close();
    await storage.drop();
  });

  /** Rows whose delivery lease the killed process held: each may already be at the sink. */
  async function endDeadWorkersLeases(): Promise<string[]> {
    const leased = await db
      .selectFrom("mail_outbox")
      .select("recipients")
      .where("status", "=", "pending")
      .where("locked_until", "is not", null)
      .execute();
    // The lease (60 s) would run out by itself; ending it here stands for that wait.
    await db
      .updateTable("mail_outbox")
      .set({ locked_until: null })
      .where("status", "=", "pending")
      .execute();
    return leased.flatMap(recipientsOf);
  }

  async function aVerifiedAccount(running: ServerProcess): Promise<Account> {
    const username = unique("crash");
    const account = { username, email: `${username}@example.com`, password: STRONG_PASSWORD };
    const registered = await gql(running, REGISTER, {
      ...account,
      password1: account.password,
      password2: account.password,
    });
    expect(registered.data?.register).toMatchObject({ success: true });
    const mail = await smtp.waitFor((m) => m.envelopeTo.includes(account.email), 15_000);
    const verified = await gql(running, VERIFY_ACCOUNT, { token: tokenFromMail(mail) });
    expect(verified.data?.verifyAccount).toEqual({ success: true, errors: null });
    return account;
  }

  it(`keeps every acknowledged change and delivers the mail after ${CRASHES} SIGKILLs`, async () => {
    server = await startServerProcess(env);
    const accounts: Account[] = [];
    for (let index = 0; index < ACCOUNTS; index++) accounts.push(await aVerifiedAccount(server));

    const registrations: Registration[] = [];
    const changes: PasswordChange[] = [];
    const leasedAtKills = new Map<string, number>();
    let crashes = 0;

    for (let round = 0; round < CRASHES; round++) {
      const running: ServerProcess = server;
      const tokens = await Promise.all(
        accounts.map((account) => signIn(running, account.username, account.password)),
      );
      expect(tokens.every((token) => token !== undefined)).toBe(true);

      let answers = 0;
      let reachKillPoint: () => void = () => undefined;
      const killPoint = new Promise<void>((resolve) => (reachKillPoint = resolve));
      const answered = async <T>(work: Promise<T>): Promise<T> => {
        const result = await work;
        answers += 1;
        if (answers >= KILL_AFTER_ANSWERS[round]!) reachKillPoint();
        return result;
      };

      const roundRegistrations = Array.from({ length: REGISTRATIONS_PER_BURST }, () => {
        const username = unique(`r${round}x`);
        return { username, email: `${username}@example.com`, password: STRONG_PASSWORD };
      });
      const roundChanges = accounts.map((account, index) => ({
        account,
        oldPassword: account.password,
        newPassword: `Velvet-Quasar-${round}-${index}`,
      }));
      type Result =
        | { registration: (typeof roundRegistrations)[number]; outcome: Outcome }
        | { change: (typeof roundChanges)[number]; outcome: Outcome };
      // Registrations and changes interleaved (by their share of the burst), then sent at once.
      const jobs: { at: number; send: () => Promise<Result> }[] = [
        ...roundRegistrations.map((registration, index) => ({
          at: index / roundRegistrations.length,
          send: async () => ({
            registration,
            outcome: await answered(
              outcomeOf(
                gql(running, REGISTER, {
                  email: registration.email,
                  username: registration.username,
                  password1: registration.password,
                  password2: registration.password,
                }),
                "register",
              ),
            ),
          }),
        })),
        ...roundChanges.map((change, index) => ({
          at: (index + 0.5) / roundChanges.length,
          send: async () => ({
            change,
            outcome: await answered(
              outcomeOf(
                gql(
                  running,
                  PASSWORD_CHANGE,
                  { old: change.oldPassword, p1: change.newPassword, p2: change.newPassword },
                  tokens[index],
                ),
                "passwordChange",
              ),
            ),
          }),
        })),
      ];
      const burst = jobs.sort((x, y) => x.at - y.at).map((job) => job.send());
      const everyAnswer = Promise.all(burst);
      await Promise.race([killPoint, everyAnswer]);
      await running.kill();
      crashes += 1;
      for (const result of await everyAnswer) {
        if ("registration" in result)
          registrations.push({ ...result.registration, outcome: result.outcome });
        else changes.push({ ...result.change, outcome: result.outcome });
      }
      for (const recipient of await endDeadWorkersLeases()) {
        leasedAtKills.set(recipient, (leasedAtKills.get(recipient) ?? 0) + 1);
      }

      server = await startServerProcess(env);
      // Each change either happened whole or not at all; an acknowledged one happened.
      for (const change of changes.slice(-roundChanges.length)) {
        const withNew = await signIn(server, change.account.username, change.newPassword);
        const withOld = await signIn(server, change.account.username, change.oldPassword);
        expect(
          {
            outcome: change.outcome,
            newWorks: withNew !== undefined,
            oldWorks: withOld !== undefined,
          },
          change.account.username,
        ).toEqual(
          change.outcome === "acknowledged"
            ? { outcome: "acknowledged", newWorks: true, oldWorks: false }
            : {
                outcome: change.outcome,
                newWorks: withOld === undefined,
                oldWorks: withOld !== undefined,
              },
        );
        change.account.password = withNew === undefined ? change.oldPassword : change.newPassword;
      }
      expect(await accountInvariantViolations(db)).toEqual([]);
    }

    // Every acknowledged registration is a whole account that can sign in.
    const existing = new Set(
      (
        await db
          .selectFrom("users")
          .innerJoin("user_status", "user_status.user_id", "users.id")
          .select("username")
          .execute()
      ).map((row) => row.username),
    );
    for (const registration of registrations) {
      if (registration.outcome === "acknowledged") {
        expect(existing.has(registration.username), registration.username).toBe(true);
      }
      if (existing.has(registration.username)) {
        expect(await signIn(server, registration.username, registration.password)).toBeDefined();
      }
    }

    // The outbox drains: nothing pending, nothing given up.
    const deadline = Date.now() + DRAIN_DEADLINE_MS;
    for (;;) {
      const open = await db
        .selectFrom("mail_outbox")
        .select((eb) => eb.fn.countAll<number | string>().as("count"))
        .where("status", "!=", "sent")
        .executeTakeFirstOrThrow();
      if (Number(open.count) === 0) break;
      if (Date.now() > deadline) throw new Error(`${open.count} outbox messages never sent`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const outboxRows = await db
      .selectFrom("mail_outbox")
      .select(["recipients", "status"])
      .execute();
    const rowsTo = (email: string) =>
      outboxRows.filter((row) => recipientsOf(row).includes(email)).length;

    let duplicates = 0;
    for (const registration of registrations) {
      const mails = smtp.messages.filter((mail) => mail.envelopeTo.includes(registration.email));
      const delivered = mails.length;
      const leases = leasedAtKills.get(registration.email) ?? 0;
      if (existing.has(registration.username)) {
        // One outbox row per committed registration, delivered.
        expect(rowsTo(registration.email), registration.email).toBe(1);
        expect(delivered, registration.email).toBeGreaterThanOrEqual(1);
        expect(delivered, registration.email).toBeLessThanOrEqual(1 + leases);
        // Exactly one message: a repeat after a kill is the same message, by its Message-ID.
        expect(new Set(mails.map((mail) => mail.messageId)).size, registration.email).toBe(1);
        duplicates += delivered - 1;
      } else {
        // A rolled-back registration left no row and no mail: nothing is sent before the commit.
        expect(rowsTo(registration.email), registration.email).toBe(0);
        expect(delivered, registration.email).toBe(0);
      }
    }
    // Every mail at the sink names a user that exists: no mail leaves before its commit.
    const known = new Set(
      (await db.selectFrom("users").select("username").execute()).map((row) => row.username),
    );
    const mailsForMissingUsers = smtp.messages.filter((mail) =>
      usernamesInMail(mail.text).some((username) => !known.has(username)),
    ).length;
    expect(mailsForMissingUsers).toBe(0);
    expect(await accountInvariantViolations(db)).toEqual([]);

    const count = (outcome: Outcome, list: { outcome: Outcome }[]) =>
      list.filter((item) => item.outcome === outcome).length;
    const lostRegistrations = registrations.filter((r) => r.outcome === "lost");
    console.log(
      [
        `crash-safety ${database}/${delivery}: survived ${crashes} SIGKILLs;`,
        `registrations ${count("acknowledged", registrations)} acknowledged, ${lostRegistrations.length} lost`,
        `(${lostRegistrations.filter((r) => existing.has(r.username)).length} committed anyway),`,
        `${count("refused", registrations)} refused;`,
        `password changes ${count("acknowledged", changes)} acknowledged, ${count("lost", changes)} lost;`,
        `${[...leasedAtKills.values()].reduce((a, b) => a + b, 0)} mails leased at a kill,`,
        `${duplicates} delivered twice`,
      ].join(" "),
    );
    expect(crashes).toBe(CRASHES);
    expect(count("refused", registrations) + count("refused", changes)).toBe(0);
    await server.stop();
    server = undefined;
  }, 240_000);
});
