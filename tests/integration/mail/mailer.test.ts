import { createServer } from "node:net";
import { PassThrough } from "node:stream";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  createMailTransport,
  type MailMessage,
  type MailTransport,
} from "../../../src/mail/mailer.js";
import { startSmtpSink, tokenFromMail, type SmtpSink } from "../../support/smtp-sink.js";

function aMessage(overrides: Partial<MailMessage> = {}): MailMessage {
  return {
    to: ["alice@example.com"],
    from: "webmaster@localhost",
    subject: "Activate your account on example.com",
    text: "Hello alice!\n\nhttp://example.com/activate/abc:def",
    html: "<p>Hello alice!</p>\n\n<p>http://example.com/activate/abc:def</p>",
    ...overrides,
  };
}

function smtpTransport(port: number): MailTransport {
  const settings = {
    kind: "smtp",
    host: "127.0.0.1",
    port,
    user: undefined,
    password: undefined,
    useTls: false,
    useSsl: false,
  } as const;
  return createMailTransport(settings, new PassThrough());
}

/** A port nothing listens on: bound once, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === "string") throw new Error("no TCP address");
  return address.port;
}

describe("createMailTransport (smtp)", () => {
  let sink: SmtpSink;
  let transport: MailTransport;

  beforeAll(async () => {
    sink = await startSmtpSink();
    transport = smtpTransport(sink.port);
  });

  afterEach(() => {
    sink.clear();
  });

  afterAll(async () => {
    await transport.close();
    await sink.close();
  });

  it("delivers a multipart message with the text and HTML parts to every recipient", async () => {
    await transport.send(aMessage({ to: ["alice@example.com", "bob@example.com"] }));

    const mail = await sink.waitFor((received) =>
      received.envelopeTo.includes("alice@example.com"),
    );
    expect(mail.envelopeTo).toEqual(["alice@example.com", "bob@example.com"]);
    expect(mail.subject).toBe("Activate your account on example.com");
    expect(mail.text).toBe("Hello alice!\n\nhttp://example.com/activate/abc:def");
    expect(mail.html).toBe("<p>Hello alice!</p>\n\n<p>http://example.com/activate/abc:def</p>");
    expect(tokenFromMail(mail)).toBe("abc:def");
  });

  it("keeps non-ASCII characters in the subject and the body intact", async () => {
    await transport.send(
      aMessage({ subject: "Réinitialisez votre mot de passe — 東京 ✓", text: "Grüße, Zoë" }),
    );

    const mail = await sink.waitFor((received) => received.subject.startsWith("Réinitialisez"));
    expect(mail.subject).toBe("Réinitialisez votre mot de passe — 東京 ✓");
    expect(mail.text).toBe("Grüße, Zoë");
  });

  it("rejects when the server answers the message with a temporary failure", async () => {
    sink.failNext(1);

    await expect(transport.send(aMessage())).rejects.toThrow(/451/);
    expect(sink.messages).toHaveLength(0);

    await transport.send(aMessage({ subject: "after the failure" }));
    await sink.waitFor((received) => received.subject === "after the failure");
  });

  it("rejects when nothing listens on the port", async () => {
    const unreachable = smtpTransport(await closedPort());
    try {
      await expect(unreachable.send(aMessage())).rejects.toThrow(/ECONNREFUSED/);
    } finally {
      await unreachable.close();
    }
  });
});

describe("createMailTransport (console)", () => {
  it("prints the whole MIME message with both parts, then a separator line", async () => {
    const output = new PassThrough();
    const chunks: Buffer[] = [];
    output.on("data", (chunk: Buffer) => chunks.push(chunk));
    const transport = createMailTransport({ kind: "console" }, output);

    await transport.send(aMessage({ subject: "Set your password on café.example" }));
    await transport.close();

    const printed = Buffer.concat(chunks).toString("utf8");
    expect(printed).toMatch(/^From: webmaster@localhost$/m);
    expect(printed).toMatch(/^To: alice@example.com$/m);
    expect(printed).toMatch(/^Subject: =\?UTF-8\?/m);
    expect(printed).toMatch(/^Content-Type: multipart\/alternative;/m);
    expect(printed).toMatch(/^Content-Type: text\/plain; charset=utf-8$/m);
    expect(printed).toMatch(/^Content-Type: text\/html; charset=utf-8$/m);
    expect(printed).toContain("Hello alice!");
    expect(printed).toContain("<p>Hello alice!</p>");
    expect(printed.endsWith(`\n${"-".repeat(79)}\n`)).toBe(true);
  });
});
