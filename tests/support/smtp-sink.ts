// A real SMTP server on an ephemeral port that keeps what it receives, so integration tests send
// through the real SMTP transport (STYLE.md §10). Plain text only, like the conformance sink.
import { simpleParser } from "mailparser";
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from "smtp-server";

export interface ReceivedMail {
  envelopeTo: string[];
  subject: string;
  text: string;
  html: string;
  /** The Message-ID header; a repeat of one message carries the same. */
  messageId: string;
}

export interface SmtpSink {
  port: number;
  messages: ReceivedMail[];
  /** Resolves with the first message (already received or still to come) matching predicate. */
  waitFor(predicate: (mail: ReceivedMail) => boolean, timeoutMs?: number): Promise<ReceivedMail>;
  clear(): void;
  /** Answer 451 to the DATA of the next `count` messages, to test delivery failures. */
  failNext(count: number): void;
  /**
   * Holds the answer to the next message's DATA until released, as a slow mail server would:
   * `arrived` resolves once the message is in and its sender is waiting.
   */
  holdNext(): HeldMail;
  close(): Promise<void>;
}

export interface HeldMail {
  arrived: Promise<void>;
  release(): void;
}

interface Waiter {
  predicate: (mail: ReceivedMail) => boolean;
  resolve: (mail: ReceivedMail) => void;
}

export async function startSmtpSink(): Promise<SmtpSink> {
  const messages: ReceivedMail[] = [];
  const waiters = new Set<Waiter>();
  let failuresLeft = 0;
  const holds: { arrive: () => void; released: Promise<void> }[] = [];

  const receive = async (stream: SMTPServerDataStream, session: SMTPServerSession) => {
    const parsed = await simpleParser(stream);
    const mail: ReceivedMail = {
      envelopeTo: session.envelope.rcptTo.map((recipient) => recipient.address),
      subject: parsed.subject ?? "",
      text: parsed.text ?? "",
      html: typeof parsed.html === "string" ? parsed.html : "",
      messageId: parsed.messageId ?? "",
    };
    messages.push(mail);
    for (const waiter of waiters) {
      if (waiter.predicate(mail)) {
        waiters.delete(waiter);
        waiter.resolve(mail);
      }
    }
  };

  const server = new SMTPServer({
    disabledCommands: ["STARTTLS"],
    authOptional: true,
    allowInsecureAuth: true,
    disableReverseLookup: true,
    logger: false,
    // A pooled client left connected must not hold close() for the default 30 s.
    closeTimeout: 200,
    onAuth(_auth, _session, callback) {
      callback(null, { user: "test" });
    },
    onData(stream, session, callback) {
      if (failuresLeft > 0) {
        failuresLeft -= 1;
        stream.on("end", () => {
          callback(Object.assign(new Error("Temporary failure (test)"), { responseCode: 451 }));
        });
        stream.resume();
        return;
      }
      const hold = holds.shift();
      receive(stream, session).then(async () => {
        if (hold !== undefined) {
          hold.arrive();
          await hold.released;
        }
        callback();
      }, callback);
    },
  });

  const port = await listen(server);
  return {
    port,
    messages,
    waitFor: (predicate, timeoutMs = 5000) => waitForMail(messages, waiters, predicate, timeoutMs),
    clear() {
      messages.length = 0;
    },
    failNext(count) {
      failuresLeft = count;
    },
    holdNext() {
      let arrive: () => void = () => undefined;
      let release: () => void = () => undefined;
      const arrived = new Promise<void>((resolve) => {
        arrive = resolve;
      });
      const released = new Promise<void>((resolve) => {
        release = resolve;
      });
      holds.push({ arrive, released });
      return { arrived, release };
    },
    close: () =>
      new Promise((resolve) => {
        server.close(resolve);
      }),
  };
}

function listen(server: SMTPServer): Promise<number> {
  return new Promise((resolve, reject) => {
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.server.address();
      if (address === null || typeof address === "string") {
        reject(new Error("The SMTP sink has no TCP address"));
        return;
      }
      resolve(address.port);
    });
  });
}

function waitForMail(
  messages: ReceivedMail[],
  waiters: Set<Waiter>,
  predicate: (mail: ReceivedMail) => boolean,
  timeoutMs: number,
): Promise<ReceivedMail> {
  const found = messages.find(predicate);
  if (found !== undefined) return Promise.resolve(found);
  return new Promise((resolve, reject) => {
    const waiter: Waiter = {
      predicate,
      resolve: (mail) => {
        clearTimeout(timer);
        resolve(mail);
      },
    };
    const timer = setTimeout(() => {
      waiters.delete(waiter);
      reject(new Error(`No matching mail within ${timeoutMs} ms (${messages.length} received)`));
    }, timeoutMs);
    waiters.add(waiter);
  });
}

/** The token in an account email: the last path segment of the first http(s) link. */
export function tokenFromMail(mail: ReceivedMail): string {
  const link = /https?:\/\/\S+/.exec(mail.text)?.[0];
  // Segments 0–2 are the scheme, the empty one between the slashes, and the host.
  const token = link
    ?.split("/")
    .slice(3)
    .filter((segment) => segment !== "")
    .at(-1);
  if (token === undefined) throw new Error(`No link with a token in the mail "${mail.subject}"`);
  return token;
}
