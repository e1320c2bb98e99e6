// Account emails go through the outbox table (SPEC §5.0, §9). With synchronous delivery the
// request sends before it commits and a failed send rolls the change back (EMAIL_FAIL); queued
// messages are delivered by a worker with retries and backoff, so an SMTP outage loses no mail.
import type { Deps } from "../../deps.js";
import type { Config, EmailKind } from "../../config/config.js";
import type { MailTransport } from "../../mail/mailer.js";
import type { EmailRenderer } from "./rendering.js";
import { AccountsError } from "../errors.js";
import {
  claimOutboxMessage,
  findDueOutboxIds,
  insertOutboxMessage,
  markOutboxAttemptFailed,
  markOutboxMessageSent,
} from "./outbox-store.js";
import type { Clock, RequestOrigin, User } from "../types.js";
import type { Db } from "../users-store.js";

const LEASE_MS = 60_000;
const POLL_INTERVAL_MS = 1_000;
const BATCH_SIZE = 20;

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

interface OutboxDeps {
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

/** SPEC §9: links use SITE_DOMAIN, else a Host we trust, never an arbitrary Host header. */
export function linkDomain(config: Config, origin: RequestOrigin): string {
  if (config.site.domain !== undefined) return config.site.domain;
  const host = origin.host?.toLowerCase();
  if (host !== undefined && isAllowedHost(config, host)) return host;
  return `${config.http.host}:${config.http.port}`;
}

function isAllowedHost(config: Config, hostWithPort: string): boolean {
  const host = hostWithPort.replace(/:\d+$/, "").replace(/^\[|\]$/g, "");
  const allowed = config.http.allowedHosts;
  if (allowed.length === 0) {
    // Django's DEBUG default: only local names are trusted when nothing is configured.
    return config.environment !== "production" && ["localhost", "127.0.0.1", "::1"].includes(host);
  }
  return allowed.some(
    (pattern) =>
      pattern === "*" ||
      pattern.toLowerCase() === host ||
      (pattern.startsWith(".") &&
        (host.endsWith(pattern.toLowerCase()) || host === pattern.slice(1).toLowerCase())),
  );
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
  const lockedUntil = delivery === "now" ? new Date(now.getTime() + LEASE_MS) : null;
  const id = await insertOutboxMessage(tx, { ...message, createdAt: now, lockedUntil });
  if (delivery === "queued") return;
  try {
    await deps.mailTransport.send({
      to: message.recipients,
      from: deps.config.mail.from,
      messageId: outboxMessageId(deps.config.mail.from, id, now),
      ...rendered,
    });
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
export function outboxMessageId(from: string, id: number, createdAt: Date): string {
  const domain = /@([^>\s]+)>?\s*$/.exec(from)?.[1] ?? "gatehouse.invalid";
  return `<outbox-${id}.${createdAt.getTime().toString(36)}@${domain}>`;
}

export interface OutboxWorker {
  start(): void;
  /** Asks the worker to look for due messages now (after a commit that queued one). */
  nudge(): void;
  /** Delivers every due message once; returns how many were sent. */
  deliverDue(): Promise<number>;
  stop(): Promise<void>;
}

function backoffMs(attempts: number): number {
  return Math.min(3_600_000, 5_000 * 2 ** Math.max(0, attempts - 1));
}

export function createOutboxWorker(deps: OutboxDeps): OutboxWorker {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<number> | undefined;
  let isStopped = true;
  let wantsAnotherPass = false;

  async function deliverOne(id: number): Promise<boolean> {
    const now = deps.clock.now();
    const message = await claimOutboxMessage(deps.db, id, now, new Date(now.getTime() + LEASE_MS));
    if (message === undefined) return false;
    try {
      await deps.mailTransport.send({
        to: message.recipients,
        from: deps.config.mail.from,
        messageId: outboxMessageId(deps.config.mail.from, message.id, message.createdAt),
        subject: message.subject,
        text: message.text,
        html: message.html,
      });
    } catch (error) {
      const attempts = message.attempts + 1;
      const isFinal = attempts >= deps.config.mail.maxDeliveryAttempts;
      const nextAttemptAt = new Date(deps.clock.now().getTime() + backoffMs(attempts));
      await markOutboxAttemptFailed(deps.db, id, { error: String(error), nextAttemptAt, isFinal });
      deps.log.warn(
        { err: error, outboxId: id, attempts, isFinal },
        "queued email delivery failed",
      );
      return false;
    }
    await markOutboxMessageSent(deps.db, id, deps.clock.now());
    return true;
  }

  async function deliverDue(): Promise<number> {
    let sent = 0;
    for (;;) {
      const ids = await findDueOutboxIds(deps.db, deps.clock.now(), BATCH_SIZE);
      for (const id of ids) if (await deliverOne(id)) sent++;
      if (ids.length < BATCH_SIZE) return sent;
    }
  }

  function runPass(): void {
    if (running !== undefined) {
      wantsAnotherPass = true;
      return;
    }
    running = deliverDue()
      .catch((error: unknown) => {
        deps.log.error({ err: error }, "outbox pass failed");
        return 0;
      })
      .finally(() => {
        running = undefined;
        if (wantsAnotherPass && !isStopped) {
          wantsAnotherPass = false;
          runPass();
        }
      });
  }

  return {
    start() {
      if (!isStopped) return;
      isStopped = false;
      timer = setInterval(runPass, POLL_INTERVAL_MS);
      timer.unref();
      runPass();
    },
    nudge() {
      if (!isStopped) runPass();
    },
    deliverDue,
    async stop() {
      isStopped = true;
      if (timer !== undefined) clearInterval(timer);
      await running;
    },
  };
}
