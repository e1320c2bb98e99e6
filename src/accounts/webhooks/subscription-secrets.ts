// Signing secrets are read back to sign, so they are stored sealed under SECRET_KEY, each bound to
// its subscription's row (a sealed secret copied onto another row does not open).
import type { Config } from "../../config/config.js";
import { openSecret, sealSecret, type SecretBoxUse } from "../secret-box.js";

function use(subscriptionId: number): SecretBoxUse {
  return {
    label: "gatehouse webhook secret v1",
    associatedData: `webhook-subscription:${String(subscriptionId)}`,
  };
}

export function sealSubscriptionSecret(
  config: Pick<Config, "secretKey">,
  subscriptionId: number,
  secret: string,
): string {
  return sealSecret(config.secretKey, use(subscriptionId), secret);
}

export function openSubscriptionSecret(
  config: Pick<Config, "secretKey">,
  subscriptionId: number,
  sealed: string,
): string | undefined {
  return openSecret(config.secretKey, use(subscriptionId), sealed);
}
