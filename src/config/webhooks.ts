// Webhooks (issue 19): the event types, and the WEBHOOKS setting's subscriptions, checked at start
// (a subscription the setting declares wrongly is refused, never skipped).
import { z } from "zod";

/** Every type a subscription may ask for; the README documents each one's payload. */
export const WEBHOOK_EVENT_TYPES = [
  "user.registered",
  "user.verified",
  "user.updated",
  "user.password_changed",
  "user.archived",
  "user.deleted",
  "user.signed_in",
  "user.sign_in_failed",
  "session.revoked",
  "refresh_token.reuse_detected",
  "totp.enabled",
  "totp.disabled",
  "passkey.added",
  "passkey.removed",
] as const;

export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** Standard Webhooks' secret: `whsec_` and base64 of 24 to 64 random bytes. */
export const WEBHOOK_SECRET_PATTERN = /^whsec_[A-Za-z0-9+/]{32,88}={0,2}$/;

export function isWebhookSecret(secret: string): boolean {
  if (!WEBHOOK_SECRET_PATTERN.test(secret)) return false;
  const bytes = Buffer.from(secret.slice("whsec_".length), "base64").length;
  return bytes >= 24 && bytes <= 64;
}

export interface ConfiguredWebhook {
  /** The key under which the setting owns the subscription's row. */
  name: string;
  url: string;
  secret: string;
  /** Empty: every type. */
  eventTypes: WebhookEventType[];
}

const subscriptionSchema = z
  .object({
    name: z.string().trim().min(1).max(100),
    url: z
      .url()
      .refine(
        (url) => /^https?:\/\/[^/@]+(\/|$)/i.test(url),
        "must be an http(s) URL without credentials",
      ),
    secret: z.string(),
    events: z.array(z.enum(WEBHOOK_EVENT_TYPES)).default([]),
  })
  .strict();

/** WEBHOOKS: a JSON list of {name, url, secret, events?}; names must be unique. */
export function readConfiguredWebhooks(
  text: string | undefined,
  allowPlainHttp: boolean,
): { webhooks: ConfiguredWebhook[]; problems: string[] } {
  if (text === undefined) return { webhooks: [], problems: [] };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { webhooks: [], problems: ["WEBHOOKS: is not JSON (a list of {name, url, secret})"] };
  }
  const parsed = z.array(subscriptionSchema).safeParse(json);
  if (!parsed.success) {
    return {
      webhooks: [],
      problems: parsed.error.issues.map(
        (issue) => `WEBHOOKS[${issue.path.join(".")}]: ${issue.message}`,
      ),
    };
  }
  const problems: string[] = [];
  const names = new Set<string>();
  parsed.data.forEach((entry, index) => {
    const where = `WEBHOOKS[${String(index)}] (${entry.name})`;
    if (names.has(entry.name)) problems.push(`${where}: the name is used twice`);
    names.add(entry.name);
    if (!allowPlainHttp && !/^https:/i.test(entry.url)) {
      problems.push(`${where}: url must be https in production (the payloads name users)`);
    }
    if (!isWebhookSecret(entry.secret)) {
      problems.push(
        `${where}: secret must be whsec_ followed by base64 of 24 to 64 random bytes ` +
          "(e.g. whsec_$(openssl rand -base64 32))",
      );
    }
  });
  const webhooks = parsed.data.map((entry) => ({
    name: entry.name,
    url: entry.url,
    secret: entry.secret,
    eventTypes: [...new Set(entry.events)],
  }));
  return { webhooks: problems.length === 0 ? webhooks : [], problems };
}
