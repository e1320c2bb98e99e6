// Account emails go through the outbox table (SPEC §5.0, §9). With synchronous delivery the
// request sends before it commits and a failed send rolls the change back (EMAIL_FAIL); queued
// messages are delivered by a worker with retries and backoff, so an SMTP outage loses no mail.
import type { Deps } from "../../deps.js";
import type { Config, EmailKind } from "../../config/config.js";
import type { MailTransport } from "../../mail/mailer.js";
import type { EmailRenderer } from "./rendering.js";
import { AccountsError } from "../errors.js";
import { insertOutboxMessage, markOutboxMessageSent, type OutboxMessage } from "./outbox-store.js";
import { linkDomain } from "./links.js";
import type { Clock, RequestOrigin, User } from "../types.js";
import type { Db } from "../../db/database.js";

/** How long a delivery attempt owns a message before another process may retry it. */
export const OUTBOX_LEASE_MS = 60_000;

/** What every operation that mails an account needs: the mail itself, its outbox, its limits. */
export type AccountMailDeps = Pick<
  Deps,
  | "config"
  | "db"
  | "clock"
  | "emails"
  | "mailTransport"
  | "log"
  | "events"
  | "outbox"
  | "rateLimiter"
>;

export interface OutboxDeps {
  config: Config;
  db: Db;
  clock: Clock;
  log: {
    info: (obj: object, msg: string) => void;
    warn: (obj: object, msg: string) => void;
    error: (obj: object, msg: string) => void;
  };
  emails: EmailRenderer;
  mailTransport: MailTransport;
}

export interface AccountEmail {
  kind: EmailKind;
  to: string;
  user: User;
  token: string;
  origin: RequestOrigin;
}

export type Delivery = "now" | "queued";

/** EMAIL_ASYNC_TASK hands delivery to the worker; otherwise the request sends before it commits. */
export function emailDelivery(config: Config): Delivery {
  return config.mail.asyncTask ? "queued" : "now";
}

/**
 * Writes the email to the outbox inside `tx`. With delivery "now" it is sent before the caller
 * commits; a failed send throws EMAIL_FAIL so the caller's transaction rolls back.
 */
export async function sendAccountEmail(
  deps: OutboxDeps,
  tx: Db,
  email: AccountEmail,
  delivery: Delivery,
): Promise<void> {
  const now = deps.clock.now();
  const domain = linkDomain(deps.config, email.origin);
  const rendered = await deps.emails.render(email.kind, {
    user: {
      username: email.user.username,
      email: email.user.email,
      first_name: email.user.firstName,
      last_name: email.user.lastName,
    },
    token: email.token,
    protocol: email.origin.isSecure ? "https" : "http",
    domain,
    site_name: deps.config.site.name ?? domain,
    port: /:(\d+)$/.exec(domain)?.[1] ?? (email.origin.isSecure ? "443" : "80"),
    path: deps.config.mail.paths[email.kind],
    timestamp: now.getTime() / 1000,
    request: {
      host: email.origin.host ?? domain,
      scheme: email.origin.isSecure ? "https" : "http",
    },
  });
  const message = { recipients: [email.to], ...rendered };
  const lockedUntil = delivery === "now" ? new Date(now.getTime() + OUTBOX_LEASE_MS) : null;
  const id = await insertOutboxMessage(tx, { ...message, createdAt: now, lockedUntil });
  if (delivery === "queued") return;
  try {
    await deliverOutboxMessage(deps, { id, createdAt: now, ...message });
  } catch (error) {
    deps.log.warn({ err: error, outboxId: id }, "email delivery failed");
    throw AccountsError.of("EMAIL_FAIL");
  }
  await markOutboxMessageSent(tx, id, deps.clock.now());
}

/** An email that is the whole change: written to the outbox (and sent) in a transaction of its own. */
export async function mailAccount(
  deps: OutboxDeps,
  email: AccountEmail,
  delivery: Delivery,
): Promise<void> {
  await deps.db.transaction().execute((tx) => sendAccountEmail(deps, tx, email, delivery));
}

/**
 * One Message-ID per outbox row, the same on every attempt. Delivery is at least once: a crash
 * after the SMTP server accepted a message and before it was marked sent sends it again after
 * the lease, and the repeat carries the same Message-ID, by which mail stores drop duplicates.
 */
function outboxMessageId(from: string, id: number, createdAt: Date): string {
  const domain = /@([^>\s]+)>?\s*$/.exec(from)?.[1] ?? "gatehouse.invalid";
  return `<outbox-${id}.${createdAt.getTime().toString(36)}@${domain}>`;
}

/** Hands one outbox message to the transport, under its stable Message-ID. */
export async function deliverOutboxMessage(
  deps: Pick<OutboxDeps, "config" | "mailTransport">,
  message: Pick<OutboxMessage, "id" | "createdAt" | "recipients" | "subject" | "text" | "html">,
): Promise<void> {
  await deps.mailTransport.send({
    to: message.recipients,
    from: deps.config.mail.from,
    messageId: outboxMessageId(deps.config.mail.from, message.id, message.createdAt),
    subject: message.subject,
    text: message.text,
    html: message.html,
  });
}
