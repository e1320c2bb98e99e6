// The mail outbox (SPEC §5.0, §9 EMAIL_ASYNC_TASK): queued mail survives SMTP failures, retries
// with backoff, gives up after the configured attempts, and is delivered once even when several
// workers share the database. The app's own worker is stopped so each pass is driven by the test.
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOutboxWorker } from "../../../../src/accounts/mail/outbox-worker.js";
import {
  claimOutboxMessage,
  countOutboxMessages,
  insertOutboxMessage,
} from "../../../../src/accounts/mail/outbox-store.js";
import { createDeps, type Deps } from "../../../../src/deps.js";
import { STRONG_PASSWORD } from "../../../support/builders.js";
import { REGISTER, VERIFY_ACCOUNT } from "../../../support/operations.js";
import { startTestApp, testDatabases, unique, type TestApp } from "../../../support/test-app.js";

async function outboxRowsTo(app: TestApp, address: string) {
  const rows = await app.deps.db.selectFrom("mail_outbox").selectAll().orderBy("id").execute();
  return rows
    .filter((row) => (JSON.parse(row.recipients) as string[]).includes(address))
    .map((row) => ({ status: row.status, attempts: row.attempts }));
}

function queueMessage(app: TestApp, to: string) {
  return insertOutboxMessage(app.deps.db, {
    recipients: [to],
    subject: `Queued for ${to}`,
    text: "Queued by the outbox test.",
    html: "<p>Queued by the outbox test.</p>",
    createdAt: app.clock.now(),
    lockedUntil: null,
  });
}

describe.each(testDatabases())("mail outbox with EMAIL_ASYNC_TASK on %s", (database) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(database, {
      EMAIL_ASYNC_TASK: "true",
      EMAIL_MAX_DELIVERY_ATTEMPTS: "3",
    });
    await app.deps.outbox.stop();
  });
  afterAll(async () => {
    await app.close();
  });

  it("registers while the SMTP server refuses mail and delivers the activation mail once after two retries", async () => {
    const username = unique("async");
    const email = `${username}@example.com`;
    app.smtp.failNext(2);
    const response = await app.gql(REGISTER, {
      email,
      username,
      password1: STRONG_PASSWORD,
      password2: STRONG_PASSWORD,
    });
    expect(response.body.data?.register).toMatchObject({ success: true, errors: null });
    expect(await outboxRowsTo(app, email)).toEqual([{ status: "pending", attempts: 0 }]);

    expect(await app.deps.outbox.deliverDue()).toBe(0);
    expect(await outboxRowsTo(app, email)).toEqual([{ status: "pending", attempts: 1 }]);
    // Backoff: not due again until 5 s later.
    expect(await app.deps.outbox.deliverDue()).toBe(0);
    expect(await outboxRowsTo(app, email)).toEqual([{ status: "pending", attempts: 1 }]);

    app.clock.advance(5);
    expect(await app.deps.outbox.deliverDue()).toBe(0);
    expect(await outboxRowsTo(app, email)).toEqual([{ status: "pending", attempts: 2 }]);
    // The second backoff doubles to 10 s.
    app.clock.advance(5);
    expect(await app.deps.outbox.deliverDue()).toBe(0);
    expect(await outboxRowsTo(app, email)).toEqual([{ status: "pending", attempts: 2 }]);
    expect(app.mailsTo(email)).toHaveLength(0);

    app.clock.advance(5);
    expect(await app.deps.outbox.deliverDue()).toBe(1);
    const token = await app.mailToken(email);
    expect(await app.deps.outbox.deliverDue()).toBe(0);
    expect(app.mailsTo(email)).toHaveLength(1);
    expect(await outboxRowsTo(app, email)).toEqual([{ status: "sent", attempts: 3 }]);

    const verified = await app.gql(VERIFY_ACCOUNT, { token });
    expect(verified.body.data?.verifyAccount).toEqual({ success: true, errors: null });
  });

  it("marks a message failed after EMAIL_MAX_DELIVERY_ATTEMPTS and never tries it again", async () => {
    const to = `${unique("doomed")}@example.com`;
    await queueMessage(app, to);
    app.smtp.failNext(3);
    for (let attempt = 1; attempt <= 3; attempt++) {
      expect(await app.deps.outbox.deliverDue()).toBe(0);
      app.clock.advance(3600);
    }
    expect(await outboxRowsTo(app, to)).toEqual([{ status: "failed", attempts: 3 }]);

    app.clock.advance(24 * 3600);
    expect(await app.deps.outbox.deliverDue()).toBe(0);
    expect(await outboxRowsTo(app, to)).toEqual([{ status: "failed", attempts: 3 }]);
    expect(app.mailsTo(to)).toHaveLength(0);
  });

  it("leaves a message leased by another worker alone until the lease runs out", async () => {
    const to = `${unique("leased")}@example.com`;
    const id = await queueMessage(app, to);
    const now = app.clock.now();
    const claimed = await claimOutboxMessage(
      app.deps.db,
      id,
      now,
      new Date(now.getTime() + 60_000),
    );
    expect(claimed?.recipients).toEqual([to]);

    expect(await app.deps.outbox.deliverDue()).toBe(0);
    expect(app.mailsTo(to)).toHaveLength(0);

    app.clock.advance(61);
    expect(await app.deps.outbox.deliverDue()).toBe(1);
    expect(app.mailsTo(to)).toHaveLength(1);
  });

  it("sends a message again under the same Message-ID when a worker died before marking it sent", async () => {
    const to = `${unique("resent")}@example.com`;
    const otherTo = `${unique("other")}@example.com`;
    const id = await queueMessage(app, to);
    await queueMessage(app, otherTo);
    expect(await app.deps.outbox.deliverDue()).toBe(2);
    // What a kill between the SMTP server's acceptance and the update leaves behind.
    await app.deps.db
      .updateTable("mail_outbox")
      .set({ status: "pending", sent_at: null, locked_until: null })
      .where("id", "=", id)
      .execute();
    expect(await app.deps.outbox.deliverDue()).toBe(1);

    const [first, repeat] = app.mailsTo(to);
    expect(repeat?.messageId).toBe(first?.messageId);
    expect(first?.messageId).toMatch(/^<outbox-\d+\.[0-9a-z]+@[^>]+>$/);
    expect(app.mailsTo(otherTo)[0]?.messageId).not.toBe(first?.messageId);
  });

  it("delivers each message exactly once when two workers on separate connections run at the same time", async () => {
    // A second set of deps is a second process as far as the database is concerned.
    const other: Deps = createDeps(app.config, {
      log: pino({ level: "silent" }),
      clock: app.clock,
    });
    try {
      const recipients = Array.from(
        { length: 45 },
        (_, index) => `${unique(`pair${index}`)}@example.com`,
      );
      for (const to of recipients) await queueMessage(app, to);
      const sentBefore = await countOutboxMessages(app.deps.db, "sent");

      const first = createOutboxWorker(app.deps);
      const second = createOutboxWorker(other);
      const [sentByFirst, sentBySecond] = await Promise.all([
        first.deliverDue(),
        second.deliverDue(),
      ]);

      expect(sentByFirst + sentBySecond).toBe(45);
      for (const to of recipients) expect(app.mailsTo(to)).toHaveLength(1);
      expect(await countOutboxMessages(app.deps.db, "sent")).toBe(sentBefore + 45);
      expect(await countOutboxMessages(app.deps.db, "pending")).toBe(0);
    } finally {
      await other.close();
    }
  });
});
