// The only place where objects are wired together: connections, transports, hashers.
import { cpus } from "node:os";
import type { Logger } from "pino";
import type { Config } from "./config/config.js";
import { openDatabase, type DatabaseHandle } from "./db/database.js";
import { createEmailRenderer, type EmailRenderer } from "./accounts/emails.js";
import { createAccountEvents, type AccountEvents } from "./accounts/events.js";
import { createOutboxWorker, type OutboxWorker } from "./accounts/mail-outbox.js";
import { createPasswordHasher, type PasswordHasher } from "./accounts/passwords.js";
import { createPasswordPolicy, type PasswordPolicy } from "./accounts/password-validators.js";
import { createAccessTokens, type AccessTokens } from "./accounts/tokens/access-tokens.js";
import type { Clock } from "./accounts/types.js";
import type { Db } from "./accounts/users-store.js";
import { createMailTransport, type MailTransport } from "./mail/mailer.js";

export interface Deps {
  config: Config;
  db: Db;
  databaseKind: DatabaseHandle["kind"];
  clock: Clock;
  log: Logger;
  passwords: PasswordHasher;
  passwordPolicy: PasswordPolicy;
  accessTokens: AccessTokens;
  emails: EmailRenderer;
  mailTransport: MailTransport;
  outbox: OutboxWorker;
  events: AccountEvents;
  close(): Promise<void>;
}

export const systemClock: Clock = { now: () => new Date() };

export interface DepsOptions {
  log: Logger;
  clock?: Clock;
  consoleOutput?: NodeJS.WritableStream;
  /** Start the background outbox worker (servers do; one-shot CLI commands need not). */
  startOutboxWorker?: boolean;
}

export function createDeps(config: Config, options: DepsOptions): Deps {
  const database = openDatabase(config.database);
  const mailTransport = createMailTransport(
    config.mail.transport,
    options.consoleOutput ?? process.stdout,
  );
  const base = {
    config,
    db: database.db,
    databaseKind: database.kind,
    clock: options.clock ?? systemClock,
    log: options.log,
    passwords: createPasswordHasher({
      ...config.passwordHashing,
      maxConcurrentHashes: config.passwordHashing.maxConcurrentHashes || cpus().length,
    }),
    passwordPolicy: createPasswordPolicy(config.accounts.passwordValidators),
    accessTokens: createAccessTokens(config.jwt),
    emails: createEmailRenderer(config.mail),
    mailTransport,
    events: createAccountEvents(options.log),
  };
  const outbox = createOutboxWorker(base);
  if (options.startOutboxWorker === true) outbox.start();
  return {
    ...base,
    outbox,
    async close() {
      await outbox.stop();
      await mailTransport.close();
      await base.passwords.close();
      await database.close();
    },
  };
}
