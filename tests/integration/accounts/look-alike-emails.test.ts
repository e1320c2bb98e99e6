// Addresses that look like alice@example.com, or that the mail transport delivers to it (issue 12,
// item 3): every address is taken to one canonical form (IDNA domain, no invisible characters, no
// quoted local part) before it is checked, stored, looked up, counted or mailed.
import { createServer, type AddressInfo, type Socket } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { updateUser } from "../../../src/accounts/user-writes-store.js";
import { outboxMessagesTo, userIdOf } from "../../support/answers.js";
import { aVerifiedUser, STRONG_PASSWORD, type RegisteredUser } from "../../support/builders.js";
import {
  ME,
  REGISTER,
  SEND_PASSWORD_RESET_EMAIL,
  SEND_SECONDARY_EMAIL_ACTIVATION,
  TOKEN_AUTH_EMAIL,
} from "../../support/operations.js";
import {
  aClientIp,
  fromClient,
  RATE_LIMITED,
  startFreshWindows,
} from "../../support/rate-limits.js";
import { startTestApp, testDatabases, unique, type TestApp } from "../../support/test-app.js";

const INVALID_EMAIL = { message: "Enter a valid email address.", code: "invalid" };
const PRIMARY_EMAIL_TAKEN = { message: "User with this Email already exists.", code: "unique" };
const EMAIL_IN_USE = { message: "A user with that email already exists.", code: "unique" };

/** Spellings that nodemailer delivered to alice@example.com, or that read as it. */
const LOOK_ALIKES_OF_ALICE: [string, typeof INVALID_EMAIL][] = [
  ['"al\u000bice"@example.com', INVALID_EMAIL],
  ['"alice"@example.com', INVALID_EMAIL],
  ["alice@\uff45xample.com", PRIMARY_EMAIL_TAKEN],
  ["alice@\uff25\uff38\uff21\uff2d\uff30\uff2c\uff25.Com", PRIMARY_EMAIL_TAKEN],
  ["alice@\u24d4xample.com", PRIMARY_EMAIL_TAKEN],
  ["alice@example\u3002com", PRIMARY_EMAIL_TAKEN],
  ["alice@example.com\ufeff", PRIMARY_EMAIL_TAKEN],
  ["alice@example.com\u200b", INVALID_EMAIL],
  ["alice@exa\ufeffmple.com", INVALID_EMAIL],
  ["alice@exa\u00admple.com", INVALID_EMAIL],
];

/** Spellings of alice@example.com that the canonical form maps to it. */
const SPELLINGS_OF_ALICE = [
  "alice@example.com",
  "alice@\uff45xample.com",
  "alice@EXAMPLE.COM",
  "alice@\uff25\uff38\uff21\uff2d\uff30\uff2c\uff25.com",
  "alice@example\u3002com",
  "alice@\u{1d41e}xample.com",
  "alice@\u24d4xample.com",
];

function registration(email: string) {
  return {
    email,
    username: unique("la"),
    password1: STRONG_PASSWORD,
    password2: STRONG_PASSWORD,
  };
}

describe.each(testDatabases())("look-alike email addresses on %s", (database) => {
  let app: TestApp;
  let alice: RegisteredUser;
  beforeAll(async () => {
    app = await startTestApp(database);
    alice = await aVerifiedUser(app, { username: "alice", email: "alice@example.com" });
  });
  afterAll(async () => {
    await app.close();
  });

  async function register(email: string) {
    const response = await app.gql(REGISTER, registration(email));
    return response.body.data?.register as { success: boolean; errors: unknown };
  }

  it.each(LOOK_ALIKES_OF_ALICE)("refuses %j beside alice@example.com", async (email, error) => {
    expect(await register(email)).toMatchObject({ success: false, errors: { email: [error] } });
  });

  it("stores an IDN address as A-labels and refuses its other spellings as taken", async () => {
    const local = unique("bea");
    expect(await register(`${local}@B\u00fccher.example`)).toMatchObject({ success: true });
    for (const spelling of [
      `${local}@B\u00dcCHER.example`,
      `${local}@xn--BCHER-kva.example`,
      `${local}@bu\u0308cher.example`,
    ]) {
      expect(await register(spelling), spelling).toMatchObject({
        success: false,
        errors: { email: [PRIMARY_EMAIL_TAKEN] },
      });
    }
    const row = await app.deps.db
      .selectFrom("users")
      .select("email")
      .where("email_key", "=", `${local}@xn--bcher-kva.example`)
      .executeTakeFirst();
    expect(row?.email).toBe(`${local}@xn--bcher-kva.example`);
  });

  it("signs alice in by the fullwidth spelling of her address", async () => {
    const response = await app.gql(TOKEN_AUTH_EMAIL, {
      email: "alice@\uff45xample.com",
      password: alice.password,
    });
    expect(response.body.data?.tokenAuth).toMatchObject({
      success: true,
      user: { username: "alice", email: "alice@example.com" },
    });
  });

  it("mails a reset for a look-alike spelling to alice's stored address", async () => {
    const before = await outboxMessagesTo(app, "alice@example.com");
    const answer = await app.gql(SEND_PASSWORD_RESET_EMAIL, { email: "alice@\u24d4xample.com" });
    expect(answer.body.data?.sendPasswordResetEmail).toEqual({ success: true, errors: null });
    expect(await outboxMessagesTo(app, "alice@example.com")).toBe(before + 1);
    expect(await outboxMessagesTo(app, "alice@\u24d4xample.com")).toBe(0);
  });

  it("refuses a look-alike of alice's address as someone's secondary email", async () => {
    const user = await aVerifiedUser(app);
    const response = await app.gql(
      SEND_SECONDARY_EMAIL_ACTIVATION,
      { email: "alice@\u{1d41e}xample.com", password: user.password },
      { token: user.token },
    );
    expect(response.body.data?.sendSecondaryEmailActivation).toEqual({
      success: false,
      errors: { email: [EMAIL_IN_USE] },
    });
  });

  it("still finds an IDN address stored in Unicode before addresses were canonical", async () => {
    const user = await aVerifiedUser(app);
    const legacy = `${unique("dan")}@b\u00fccher.example`;
    await updateUser(app.deps.db, await userIdOf(app, user.username), { email: legacy });
    const local = legacy.split("@")[0] ?? "";
    const signIn = await app.gql(TOKEN_AUTH_EMAIL, {
      email: `${local}@xn--bcher-kva.example`,
      password: user.password,
    });
    expect(signIn.body.data?.tokenAuth).toMatchObject({ success: true, user: { email: legacy } });
    expect(await register(`${local}@B\u00fcCHER.example`)).toMatchObject({
      success: false,
      errors: { email: [PRIMARY_EMAIL_TAKEN] },
    });
  });
});

describe.each(testDatabases())("look-alike addresses and the rate limits on %s", (database) => {
  let app: TestApp;
  let alice: RegisteredUser;
  beforeAll(async () => {
    app = await startTestApp(database, { RATE_LIMITS: "true", TRUST_PROXY: "true" });
    alice = await aVerifiedUser(app, { username: "alice", email: "alice@example.com" });
  });
  afterAll(async () => {
    await app.close();
  });
  beforeEach(() => {
    startFreshWindows(app);
  });

  async function mutation(query: string, variables: Record<string, unknown>) {
    const response = await app.gql(query, variables, fromClient(aClientIp()));
    return Object.values(response.body.data ?? {})[0] as Record<string, unknown>;
  }

  it("counts every spelling of alice's address against her per-address mail limit", async () => {
    const limit = app.config.rateLimits.rules.emailPerAddress.limit;
    const mailedBefore = await outboxMessagesTo(app, "alice@example.com");
    const answers = [];
    for (const email of SPELLINGS_OF_ALICE) {
      answers.push((await mutation(SEND_PASSWORD_RESET_EMAIL, { email })).errors);
    }
    expect(answers).toEqual([
      ...Array<unknown>(limit).fill(null),
      ...Array<unknown>(SPELLINGS_OF_ALICE.length - limit).fill(RATE_LIMITED),
    ]);
    expect(await mutation(REGISTER, registration("alice@\uff45xample.com"))).toMatchObject({
      errors: RATE_LIMITED,
    });
    expect(await outboxMessagesTo(app, "alice@example.com")).toBe(mailedBefore + limit);
  });

  it("counts every spelling of alice's address against one sign-in identifier", async () => {
    const limit = app.config.rateLimits.rules.signInPerIdentifier.limit;
    const answers = [];
    for (const [index, email] of SPELLINGS_OF_ALICE.entries()) {
      const password = index < limit ? "Not-The-Password-1" : alice.password;
      answers.push((await mutation(TOKEN_AUTH_EMAIL, { email, password })).errors);
    }
    expect(answers.slice(limit)).toEqual(
      Array<unknown>(SPELLINGS_OF_ALICE.length - limit).fill(RATE_LIMITED),
    );
  });
});

/** An SMTP server that records each RCPT TO exactly as sent, before any decoding. */
async function startRecordingSmtp() {
  const recipients: string[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    let buffer = "";
    let inData = false;
    socket.setEncoding("utf8");
    socket.write("220 recorder\r\n");
    socket.on("data", (chunk: string) => {
      buffer += chunk;
      for (;;) {
        const end = buffer.indexOf(inData ? "\r\n.\r\n" : "\r\n");
        if (end < 0) return;
        const line = buffer.slice(0, end);
        buffer = buffer.slice(end + (inData ? 5 : 2));
        if (inData) {
          inData = false;
          socket.write("250 queued\r\n");
          continue;
        }
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === "RCPT") recipients.push(/<([^>]*)>/.exec(line)?.[1] ?? line);
        inData = verb === "DATA";
        socket.write(inData ? "354 go on\r\n" : verb === "QUIT" ? "221 bye\r\n" : "250 ok\r\n");
        if (verb === "QUIT") socket.end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    recipients,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => {
          resolve();
        });
      }),
  };
}

describe.each(testDatabases())("the delivered address on %s", (database) => {
  let app: TestApp;
  let smtp: Awaited<ReturnType<typeof startRecordingSmtp>>;
  beforeAll(async () => {
    smtp = await startRecordingSmtp();
    app = await startTestApp(database, { EMAIL_PORT: String(smtp.port) });
  });
  afterAll(async () => {
    await app.close();
    await smtp.close();
  });

  it("is exactly the stored address for an IDN registered in any spelling", async () => {
    const local = unique("Carol");
    const response = await app.gql(REGISTER, registration(`${local}@B\u00dccher.example`));
    const register = response.body.data?.register as { success: boolean; token: string };
    expect(register.success).toBe(true);
    const me = await app.gql(ME, {}, { token: register.token });
    const stored = (me.body.data?.me as { email: string }).email;
    expect(stored).toBe(`${local}@xn--bcher-kva.example`);
    expect(smtp.recipients).toEqual([stored]);
  });
});
