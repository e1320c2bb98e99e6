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
  /** What the console transport prints for `message`. */
  async function printed(message: MailMessage): Promise<string> {
    const output = new PassThrough();
    const chunks: Buffer[] = [];
    output.on("data", (chunk: Buffer) => chunks.push(chunk));
    const transport = createMailTransport({ kind: "console" }, output);
    await transport.send(message);
    await transport.close();
    return Buffer.concat(chunks).toString("utf8");
  }

  it("prints the headers and the decoded text part, then a separator line", async () => {
    const text = await printed(
      aMessage({ subject: "Set your password on café.example", messageId: "<m-1@localhost>" }),
    );
    expect(text).toMatch(/^From: webmaster@localhost$/m);
    expect(text).toMatch(/^To: alice@example.com$/m);
    expect(text).toMatch(/^Subject: Set your password on café\.example$/m);
    expect(text).toMatch(/^Date: \w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} \+0000$/m);
    expect(text).toMatch(/^Message-ID: <m-1@localhost>$/m);
    expect(text).toContain("Hello alice!");
    // The text part only: no MIME structure, no HTML, no transfer encoding.
    expect(text).not.toContain("<p>");
    expect(text).not.toMatch(/^Content-(Type|Transfer-Encoding):/m);
    expect(text.endsWith(`\n${"-".repeat(79)}\n`)).toBe(true);
  });

  it("prints each link whole on a line of its own, however long", async () => {
    const token = `${"A".repeat(60)}:${"b".repeat(90)}`;
    const link = `https://app.example.test/activate/${token}`;
    const text = await printed(
      aMessage({
        text: `Hello alice!\n\nPlease activate your account: ${link} (valid 7 days)`,
        html: `<p>Hello alice!</p><p><a href="${link}">Activate</a> or <a href="https://app.example.test/help?a=1&amp;b=2">read the help</a></p>`,
      }),
    );
    const lines = text.split("\n");
    expect(lines).toContain(link);
    expect(lines).toContain("Please activate your account:");
    // A link only the HTML part shows is listed after the text.
    expect(lines).toContain("https://app.example.test/help?a=1&b=2");
    expect(lines.filter((line) => line === link)).toHaveLength(1);
    // No quoted-printable soft line breaks.
    expect(text).not.toMatch(/=\r?\n/);
  });

  it("gives a message without one a Message-ID of the sender's domain", async () => {
    const text = await printed(aMessage({ from: "Gatehouse <noreply@app.example.test>" }));
    expect(text).toMatch(/^Message-ID: <[0-9a-f-]{36}@app\.example\.test>$/m);
  });
});
