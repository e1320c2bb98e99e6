// Webhooks through a crash (issue 19): a real `gatehouse serve` takes 400 account changes (100
// users, each registering, signing in, failing a sign-in, signing in again) while 100 more
// changes roll back after writing their event, the receiver is down throughout, and the server
// is SIGKILLed midway and started again. Once the receiver comes up: exactly one delivery id
// per committed change and none for a rolled-back one, every acknowledged change delivered, each
// user's events in the order they happened, every request signed.
import { randomBytes } from "node:crypto";
import type { Kysely } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { recordWebhookEvent } from "../../../src/accounts/webhooks/events.js";
import type { Database } from "../../../src/db/tables.js";
import { STRONG_PASSWORD } from "../../support/builders.js";
import { REGISTER, TOKEN_AUTH_USERNAME } from "../../support/operations.js";
import {
  aPersistentDatabase,
  startServerProcess,
  type PersistentDatabase,
  type ServerProcess,
} from "../../support/server-process.js";
import { testDatabases, unique } from "../../support/test-app.js";
import { startWebhookReceiver, type ReceivedWebhook } from "../../support/webhook-receiver.js";

const USERS = 100;
const PARALLEL_USERS = 10;
const ROLLBACKS = 100;
const KILL_AFTER_ANSWERS = 150;
const DRAIN_DEADLINE_MS = 60_000;

type Step = "register" | "signIn" | "wrongPassword";
const STEPS: readonly Step[] = ["register", "signIn", "wrongPassword", "signIn"];
const EVENT_OF: Record<Step, string> = {
  register: "user.registered",
  signIn: "user.signed_in",
  wrongPassword: "user.sign_in_failed",
};

interface Acknowledged {
  username: string;
  type: string;
}

async function freePort(): Promise<number> {
  const probe = await startWebhookReceiver();
  const port = Number(new URL(probe.url).port);
  await probe.close();
  return port;
}

describe.each(testDatabases())("webhooks through a crash on %s", (database) => {
  let storage: PersistentDatabase;
  let db: Kysely<Database>;
  let closeDb: () => Promise<void>;
  let server: ServerProcess | undefined;
  const secret = `whsec_${randomBytes(32).toString("base64")}`;

  beforeAll(async () => {
    storage = await aPersistentDatabase(database);
    const handle = storage.open();
    db = handle.db;
    closeDb = () => handle.close();
  });
  afterAll(async () => {
    await server?.kill();
    await closeDb();
    await storage.drop();
  });

  it("delivers each committed change once by id, in order per user, and nothing rolled back", async () => {
    const port = await freePort();
    const env = {
      DATABASE_URL: storage.url,
      SECRET_KEY: "webhook-crash-secret-key-that-is-long-enough",
      SEND_ACTIVATION_EMAIL: "false",
      RATE_LIMITS: "false",
      PASSWORD_HASH_MEMORY_KIB: "1024",
      PASSWORD_HASH_TIME_COST: "1",
      WEBHOOKS: JSON.stringify([
        { name: "backend", url: `http://127.0.0.1:${String(port)}/hooks`, secret },
      ]),
      WEBHOOK_RETRY_BASE_SECONDS: "0.2",
      WEBHOOK_RETRY_MAX_SECONDS: "1",
      WEBHOOK_MAX_ATTEMPTS: "100",
    };
    server = await startServerProcess(env);
    let current: Promise<ServerProcess> = Promise.resolve(server);
    let answers = 0;
    let killed = false;
    const acknowledged: Acknowledged[] = [];

    async function send(step: Step, username: string): Promise<"acknowledged" | "lost"> {
      const target = await current;
      const query = step === "register" ? REGISTER : TOKEN_AUTH_USERNAME;
      const password = step === "wrongPassword" ? "not-the-password" : STRONG_PASSWORD;
      const variables =
        step === "register"
          ? { username, email: `${username}@example.com`, password1: password, password2: password }
          : { username, password };
      try {
        const response = await fetch(target.graphqlUrl, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ query, variables }),
        });
        const body = (await response.json()) as {
          data?: Record<string, { success: boolean } | null>;
        };
        const result = Object.values(body.data ?? {})[0];
        answers++;
        const expected = step !== "wrongPassword";
        return result?.success === expected ? "acknowledged" : "lost";
      } catch {
        return "lost";
      } finally {
        if (answers >= KILL_AFTER_ANSWERS && !killed) {
          killed = true;
          const dying = target;
          current = dying.kill().then(() => startServerProcess(env));
          server = await current;
        }
      }
    }

    async function runUser(username: string): Promise<void> {
      for (const step of STEPS) {
        if ((await send(step, username)) === "acknowledged") {
          acknowledged.push({ username, type: EVENT_OF[step] });
        }
      }
    }

    const rolledBackMarkers: string[] = [];
    async function rollBackChanges(): Promise<void> {
      for (let index = 0; index < ROLLBACKS; index++) {
        const marker = `rolled-back-${String(index)}`;
        rolledBackMarkers.push(marker);
        await db
          .transaction()
          .execute(async (tx) => {
            await recordWebhookEvent({ clock: { now: () => new Date() } }, tx, {
              type: "user.updated",
              userId: null,
              data: { marker },
            });
            throw new Error("rolled back");
          })
          .catch(() => undefined);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    }

    const usernames = Array.from({ length: USERS }, () => unique("hook"));
    const queue = [...usernames];
    await Promise.all([
      rollBackChanges(),
      ...Array.from({ length: PARALLEL_USERS }, async () => {
        for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
          await runUser(next);
        }
      }),
    ]);
    expect(killed).toBe(true);

    // The receiver comes up only now: everything so far waited in the outbox.
    const receiver = await startWebhookReceiver(port);
    try {
      const committed = await db
        .selectFrom("webhook_events")
        .select(["message_id", "body"])
        .orderBy("id")
        .execute();
      await receiver.waitFor(
        (hooks) => new Set(hooks.map((hook) => hook.id)).size >= committed.length,
        DRAIN_DEADLINE_MS,
      );

      const byId = new Map<string, ReceivedWebhook[]>();
      for (const hook of receiver.accepted())
        byId.set(hook.id, [...(byId.get(hook.id) ?? []), hook]);
      // Exactly the committed events, each under one id (repeats after the kill carry the same bytes).
      expect([...byId.keys()].sort()).toEqual(committed.map((row) => row.message_id).sort());
      for (const row of committed) {
        for (const hook of byId.get(row.message_id) ?? []) expect(hook.body).toBe(row.body);
      }
      const bodies = receiver.received.map((hook) => hook.body).join("\n");
      for (const marker of rolledBackMarkers) expect(bodies).not.toContain(marker);

      // Every registration the database kept was delivered, and none it lost.
      const users = await db.selectFrom("users").select("username").execute();
      const registered = [...byId.values()]
        .map((hooks) => hooks[0]!.json)
        .filter((json) => json.type === "user.registered")
        .map((json) => (json.data.user as { username: string }).username);
      expect(registered.sort()).toEqual(users.map((user) => user.username).sort());

      // Each user's events arrive (first arrivals) in the order they happened.
      const firstArrivals = new Map<string, string[]>();
      const seen = new Set<string>();
      for (const hook of receiver.accepted()) {
        if (seen.has(hook.id)) continue;
        seen.add(hook.id);
        const username = (hook.json.data.user as { username?: string } | null)?.username;
        if (username === undefined) continue;
        firstArrivals.set(username, [...(firstArrivals.get(username) ?? []), hook.json.type]);
      }
      const kept = new Set(users.map((user) => user.username));
      for (const username of usernames) {
        const mine = acknowledged.filter((change) => change.username === username);
        if (!kept.has(username)) {
          // Its registration died with the server: a wrong password then names nobody.
          expect(mine.map((change) => change.type)).not.toContain("user.signed_in");
          expect(firstArrivals.get(username)).toBeUndefined();
          continue;
        }
        const delivered = firstArrivals.get(username) ?? [];
        // Lost requests may have committed too; acknowledged ones must be there, in order.
        let position = 0;
        for (const change of mine) {
          position = delivered.indexOf(change.type, position);
          expect(position, `${username}: ${delivered.join(", ")}`).toBeGreaterThanOrEqual(0);
          position++;
        }
        if (delivered.length > 0) expect(delivered[0]).toBe("user.registered");
      }
      expect(acknowledged.length).toBeGreaterThan(USERS * STEPS.length * 0.8);

      for (const hook of [...byId.values()].map((hooks) => hooks[0]!))
        receiver.verify(hook, secret);
    } finally {
      await receiver.close();
    }
  }, 300_000);
});
