// Standard Webhooks signatures (standardwebhooks.com): HMAC-SHA256 over
// `<webhook-id>.<webhook-timestamp>.<body>` with the secret's bytes, sent as `v1,<base64>`.
import { createHmac, randomBytes } from "node:crypto";

const SECRET_PREFIX = "whsec_";

/** Standard Webhooks' secret: `whsec_` and base64 of 24 to 64 bytes (as WEBHOOKS is checked). */
export function isWebhookSecret(secret: string): boolean {
  if (!/^whsec_[A-Za-z0-9+/]+={0,2}$/.test(secret)) return false;
  const bytes = Buffer.from(secret.slice(SECRET_PREFIX.length), "base64").length;
  return bytes >= 24 && bytes <= 64;
}

export function newWebhookSecret(): string {
  return SECRET_PREFIX + randomBytes(32).toString("base64");
}

export function webhookSignature(
  secret: string,
  messageId: string,
  timestampSeconds: number,
  body: string,
): string {
  const key = Buffer.from(secret.slice(SECRET_PREFIX.length), "base64");
  const mac = createHmac("sha256", key)
    .update(`${messageId}.${String(timestampSeconds)}.${body}`)
    .digest("base64");
  return `v1,${mac}`;
}

/** The headers of one attempt: signed at send time, since receivers refuse stale timestamps. */
export function webhookHeaders(
  secret: string,
  messageId: string,
  body: string,
  now: Date,
): Record<string, string> {
  const timestamp = Math.floor(now.getTime() / 1000);
  return {
    "content-type": "application/json",
    "user-agent": "Gatehouse-Webhooks/1",
    "webhook-id": messageId,
    "webhook-timestamp": String(timestamp),
    "webhook-signature": webhookSignature(secret, messageId, timestamp, body),
  };
}
