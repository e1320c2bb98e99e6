// Account emails go through the outbox table (SPEC §5.0, §9): written in the transaction of the
// change that causes them, delivered after it commits, so no transaction (and no SQLite write
// lock) is held across the SMTP conversation. With synchronous delivery a failed send undoes the
// change and answers EMAIL_FAIL, as the reference's rollback did; queued messages are delivered
// by a worker with retries and backoff, so an SMTP outage loses no mail.
import type { Deps } from "../../deps.js";
import type { Config, EmailKind } from "../../config/config.js";
import type { MailTransport } from "../../mail/mailer.js";
import type { EmailRenderer } from "./rendering.js";
import { AccountsError } from "../errors.js";
import { declaredFields, fieldValue, type UserFieldDeclaration } from "../fields/user-fields.js";
import {
  deleteOutboxMessages,
  insertOutboxMessage,
  markOutboxMessageSent,
  releaseOutboxMessages,
  type OutboxMessage,
} from "./outbox-store.js";
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

/** EMAIL_ASYNC_TASK hands delivery to the worker; otherwise the request sends after it commits. */
export function emailDelivery(config: Config): Delivery {
  return config.mail.asyncTask ? "queued" : "now";
}

/**
 * A declared field's value as templates print it: text as stored, numbers and booleans as they
 * are (`true` / `false`), dates `YYYY-MM-DD`, datetimes in ISO 8601, JSON as its text.
 */
function templateValue(field: UserFieldDeclaration, value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (field.type === "JSONField" && value !== null) return JSON.stringify(value);
  return value;
}

/** The template's `user`: the declared fields (USER_FIELDS) with AbstractUser's four. */
function templateUser(config: Config, user: User) {
  const declared = Object.fromEntries(
    declaredFields(config).map((field) => [
      field.name,
      templateValue(field, fieldValue(field, user)),
    ]),
  );
  // Declared names never take a built-in one (config/user-fields.ts), so these keys stay as they were.
  return {
    ...declared,
    username: user.username,
    email: user.email,
    first_name: user.firstName,
    last_name: user.lastName,
  };
}

/** A mail written with a change and leased to the request that wrote it. */
export interface WrittenEmail {
  id: number;
  createdAt: Date;
  delivery: Delivery;
  message: { recipients: string[]; subject: string; text: string; html: string };
}

/**
 * Writes the email to the outbox inside `tx`, leased to this request: the worker leaves it alone
 * until deliverWrittenEmails has sent it (delivery "now") or handed it over (queued), or until
 * the lease ends because this process died, when the worker delivers it. Sends nothing.
 */
export async function writeAccountEmail(
  deps: OutboxDeps,
  tx: Db,
  email: AccountEmail,
  delivery: Delivery,
): Promise<WrittenEmail> {
  const now = deps.clock.now();
  const domain = linkDomain(deps.config, email.origin);
  const rendered = await deps.emails.render(email.kind, {
    user: templateUser(deps.config, email.user),
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
  const lockedUntil = new Date(now.getTime() + OUTBOX_LEASE_MS);
  const id = await insertOutboxMessage(tx, { ...message, createdAt: now, lockedUntil });
  return { id, createdAt: now, delivery, message };
}

/**
 * Runs after the commit of the change that wrote `emails`: sends those due now, then hands the
 * queued ones to the worker. If a send fails, `undo` reverses the change in a transaction of its
 * own, the change's mails are deleted, and EMAIL_FAIL is thrown: the caller ends where a rolled
 * back change would leave it (SPEC §5.0), and nothing that can fail follows a successful send.
 */
export async function deliverWrittenEmails(
  deps: OutboxDeps & Pick<Deps, "outbox">,
  emails: readonly WrittenEmail[],
  undo: (tx: Db) => Promise<void> = () => Promise.resolve(),
): Promise<void> {
  for (const email of emails) {
    if (email.delivery !== "now") continue;
    const startedAt = performance.now();
    try {
      await deliverOutboxMessage(deps, {
        id: email.id,
        createdAt: email.createdAt,
        ...email.message,
      });
    } catch (error) {
      deps.log.warn({ err: error, outboxId: email.id }, "email delivery failed");
      await deps.db.transaction().execute(async (tx) => {
        await undo(tx);
        await deleteOutboxMessages(
          tx,
          emails.map((written) => written.id),
        );
      });
      throw AccountsError.of("EMAIL_FAIL");
    }
    deps.outbox.recordDeliveryTime(performance.now() - startedAt);
    await markOutboxMessageSent(deps.db, email.id, deps.clock.now());
  }
  const queued = emails.filter((email) => email.delivery === "queued").map((email) => email.id);
  if (queued.length === 0) return;
  await releaseOutboxMessages(deps.db, queued);
  deps.outbox.nudge();
}

/** An email that is the whole change (resend, reset, secondary address): written, then delivered. */
export async function mailAccount(
  deps: OutboxDeps & Pick<Deps, "outbox">,
  email: AccountEmail,
  delivery: Delivery,
): Promise<void> {
  const written = await writeAccountEmail(deps, deps.db, email, delivery);
  await deliverWrittenEmails(deps, [written]);
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
