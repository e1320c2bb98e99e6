// One POST to a receiver, connecting only to addresses WEBHOOK_ALLOWED_NETWORKS allows. The check
// sits in the socket's own name lookup, so the address judged is the address connected to: a name
// that resolves to an allowed address when the subscription is saved and to an internal one at
// delivery (DNS rebinding) is refused at delivery.
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from "node:dns";
import http from "node:http";
import https from "node:https";
import { isIP } from "node:net";
import type { ReceiverAddressPolicy } from "../../config/webhook-networks.js";

export class ReceiverAddressRefused extends Error {
  readonly code = "ADDRESS_NOT_ALLOWED";
}

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/** dns.lookup, keeping only the addresses the policy allows (the socket tries what is left). */
function allowedLookup(policy: ReceiverAddressPolicy) {
  return (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    dnsLookup(hostname, { ...options, all: true }, (error, found) => {
      if (error !== null) {
        callback(error, []);
        return;
      }
      const allowed = found.filter((entry) => policy.allows(entry.address));
      const first = allowed[0];
      if (first === undefined) {
        const refused = found.map((entry) => policy.refusal(entry.address)).join("; ");
        callback(new ReceiverAddressRefused(`${hostname}: ${refused}`), []);
        return;
      }
      if (options.all === true) callback(null, allowed);
      else callback(null, first.address, first.family);
    });
  };
}

/** POSTs `body`; resolves with the receiver's status (its body is not read), or rejects. */
export function postToReceiver(
  target: string,
  request: { headers: Record<string, string>; body: string; timeoutMs: number },
  policy: ReceiverAddressPolicy,
): Promise<number> {
  const url = new URL(target);
  // A socket given an address skips the lookup: judge it here.
  const literal = url.hostname.replace(/^\[(.*)\]$/, "$1");
  if (isIP(literal) !== 0 && !policy.allows(literal)) {
    return Promise.reject(new ReceiverAddressRefused(policy.refusal(literal)));
  }
  const client = url.protocol === "https:" ? https : http;
  return new Promise((resolve, reject) => {
    const outgoing = client.request(
      url,
      {
        method: "POST",
        headers: { ...request.headers, "content-length": Buffer.byteLength(request.body) },
        lookup: allowedLookup(policy),
        // A redirect is never followed: following it would send the signed payload elsewhere.
        signal: AbortSignal.timeout(request.timeoutMs),
      },
      (response) => {
        // Drained rather than destroyed, so the keep-alive connection serves the next delivery.
        response.resume();
        resolve(response.statusCode ?? 0);
      },
    );
    outgoing.on("error", reject);
    outgoing.end(request.body);
  });
}
