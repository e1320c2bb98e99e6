// Mail is delivered after the change commits (issue 12, item 5): a slow mail server holds no
// transaction open, so on SQLite no other request waits behind the write lock of a registration
// whose activation mail is still being sent; a failed send still undoes the change (EMAIL_FAIL).
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { aVerifiedUser, STRONG_PASSWORD } from "../../../support/builders.js";
import { ME, REGISTER, UPDATE_ACCOUNT } from "../../../support/operations.js";
import { startTestApp, testDatabases, unique, type TestApp } from "../../../support/test-app.js";

const EMAIL_FAIL = { nonFieldErrors: [{ message: "Failed to send email.", code: "email_fail" }] };

describe.each(testDatabases())("mail delivered after commit, on %s", (database) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(database);
  });
  afterAll(async () => {
    await app.close();
  });

  it("answers other requests, writes included, while a registration's mail is still being sent", async () => {
    const other = await aVerifiedUser(app);
    const held = app.smtp.holdNext();
    const name = unique("slowmail");
    const registering = app.gql(REGISTER, {
      email: `${name}@example.com`,
      username: name,
      password1: STRONG_PASSWORD,
      password2: STRONG_PASSWORD,
    });
    await held.arrived;
    let isReleased = false;
    // Should the other requests wait for the mail after all, the release ends the wait.
    const fallback = setTimeout(() => {
      isReleased = true;
      held.release();
    }, 5_000);
    const me = await app.gql(ME, {}, { token: other.token });
    const write = await app.gql(UPDATE_ACCOUNT, { firstName: "Ada" }, { token: other.token });
    expect(isReleased).toBe(false);
    clearTimeout(fallback);
    expect(me.body.data?.me).toMatchObject({ username: other.username });
    expect(write.body.data?.updateAccount).toEqual({ success: true, errors: null });
    held.release();
    expect((await registering).body.data?.register).toMatchObject({ success: true, errors: null });
  });

  it("leaves no account behind when the activation mail cannot be sent", async () => {
    app.smtp.failNext(1);
    const name = unique("nomail");
    const response = await app.gql(REGISTER, {
      email: `${name}@example.com`,
      username: name,
      password1: STRONG_PASSWORD,
      password2: STRONG_PASSWORD,
    });
    expect(response.body.data?.register).toMatchObject({
      success: false,
      errors: EMAIL_FAIL,
      token: null,
      refreshToken: null,
    });
    const again = await app.gql(REGISTER, {
      email: `${name}@example.com`,
      username: name,
      password1: STRONG_PASSWORD,
      password2: STRONG_PASSWORD,
    });
    expect(again.body.data?.register).toMatchObject({ success: true, errors: null });
  });
});

describe("waiting like a delivery", () => {
  it("makes an answer that sends nothing wait about as long as recent deliveries took", async () => {
    const app = await startTestApp(testDatabases()[0] ?? "sqlite");
    vi.useFakeTimers({ toFake: ["setTimeout"] });
    try {
      app.deps.outbox.recordDeliveryTime(400);
      let isDone = false;
      const waiting = app.deps.outbox.delayLikeDelivery().then(() => {
        isDone = true;
      });
      await vi.advanceTimersByTimeAsync(250);
      expect(isDone).toBe(false);
      await vi.advanceTimersByTimeAsync(300);
      await waiting;
      expect(isDone).toBe(true);
    } finally {
      vi.useRealTimers();
      await app.close();
    }
  });
});
