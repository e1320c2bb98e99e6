// Delivery of finished messages: SMTP, or the console (like Django's console backend, but
// readable: console-format.ts) when no SMTP server is configured. What a message says is decided
// in accounts/mail/rendering.ts.
import nodemailer from "nodemailer";
import type { MailTransportConfig } from "../config/config.js";
import { formatConsoleMail } from "./console-format.js";

export interface MailMessage {
  to: string[];
  from: string;
  subject: string;
  text: string;
  html: string;
  /** The same for every attempt at one message, so a receiver can drop a repeat. */
  messageId?: string;
}

export interface MailTransport {
  /** Rejects on any failure: connection refused, an SMTP error reply, a timeout. */
  send(message: MailMessage): Promise<void>;
  close(): Promise<void>;
}

// A dead or silent server must fail the send rather than hold a request open (nodemailer waits
// up to 10 minutes on an idle socket by default).
const SMTP_TIMEOUT_MS = 10_000;

export function createMailTransport(
  settings: MailTransportConfig,
  consoleOutput: NodeJS.WritableStream,
): MailTransport {
  switch (settings.kind) {
    case "smtp":
      return createSmtpTransport(settings);
    case "console":
      return createConsoleTransport(consoleOutput);
  }
}

function createSmtpTransport(
  settings: Extract<MailTransportConfig, { kind: "smtp" }>,
): MailTransport {
  const transporter = nodemailer.createTransport({
    pool: true,
    maxConnections: 2,
    host: settings.host,
    port: settings.port,
    secure: settings.useSsl,
    requireTLS: settings.useTls,
    // With EMAIL_USE_TLS off, never upgrade opportunistically: Django doesn't, and some servers
    // (the conformance SMTP sink among them) refuse STARTTLS.
    ignoreTLS: !settings.useTls,
    connectionTimeout: SMTP_TIMEOUT_MS,
    greetingTimeout: SMTP_TIMEOUT_MS,
    socketTimeout: SMTP_TIMEOUT_MS,
    ...(settings.user === undefined
      ? {}
      : { auth: { user: settings.user, pass: settings.password ?? "" } }),
  });
  return {
    async send(message) {
      await transporter.sendMail(toMailOptions(message));
    },
    close() {
      transporter.close();
      return Promise.resolve();
    },
  };
}

/** Prints each message readably (console-format.ts) instead of sending it. */
function createConsoleTransport(output: NodeJS.WritableStream): MailTransport {
  return {
    send(message) {
      output.write(formatConsoleMail(message, new Date()));
      return Promise.resolve();
    },
    close() {
      return Promise.resolve();
    },
  };
}

/** Both parts given, so nodemailer builds a UTF-8 multipart/alternative message. */
function toMailOptions(message: MailMessage) {
  return {
    from: message.from,
    to: message.to,
    subject: message.subject,
    text: message.text,
    html: message.html,
    textEncoding: "quoted-printable" as const,
    ...(message.messageId === undefined ? {} : { messageId: message.messageId }),
  };
}
