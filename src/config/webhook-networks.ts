// WEBHOOK_ALLOWED_NETWORKS: the addresses webhook deliveries may connect to. A receiver's URL is
// chosen by a superuser or a setting, and the server POSTs to it from inside its network; with no
// limit, a subscription could reach the cloud's metadata service or an internal port (SSRF), and a
// receiver's status codes would map the network. The address is judged after name resolution, at
// connection time, so a name that resolves elsewhere later (DNS rebinding) gains nothing.
import ipaddr from "ipaddr.js";

/** Address classes by name; anything else (link-local, unspecified, multicast, …) needs a CIDR. */
export const NETWORK_CLASSES = ["external", "private", "loopback"] as const;
type NetworkClass = (typeof NETWORK_CLASSES)[number];
const ANY = "*";

// ipaddr.js's range names. Only plain unicast is external: the IPv6 forms that embed an IPv4
// address (NAT64, 6to4, Teredo) could lead back inside, so they are no class at all.
const CLASS_OF_RANGE: Readonly<Record<string, NetworkClass>> = {
  unicast: "external",
  private: "private",
  carrierGradeNat: "private",
  uniqueLocal: "private",
  loopback: "loopback",
};

const DEFAULT_NETWORKS = {
  production: ["external"],
  // A receiver beside the server (localhost, a container network) is the usual test set-up.
  elsewhere: ["external", "private", "loopback"],
};

/** WEBHOOK_ALLOWED_NETWORKS, normalised: `*`, class names and CIDR blocks. */
export function readWebhookNetworks(
  text: string | undefined,
  isProduction: boolean,
): { networks: string[]; problems: string[] } {
  if (text === undefined) {
    return {
      networks: [...DEFAULT_NETWORKS[isProduction ? "production" : "elsewhere"]],
      problems: [],
    };
  }
  const entries = text
    .split(",")
    .map((entry) => entry.trim())
    .filter((entry) => entry !== "");
  const problems: string[] = [];
  const networks = entries.map((entry) => {
    const network = normalisedNetwork(entry);
    if (network.problem !== undefined) {
      problems.push(`WEBHOOK_ALLOWED_NETWORKS: "${entry}" ${network.problem}`);
    }
    return network.value;
  });
  if (entries.length === 0) {
    problems.push(
      "WEBHOOK_ALLOWED_NETWORKS: is empty, so no receiver could be reached " +
        `(unset: ${DEFAULT_NETWORKS.production.join(",")} in production, ` +
        `${DEFAULT_NETWORKS.elsewhere.join(",")} elsewhere)`,
    );
  }
  if (networks.includes(ANY) && networks.length > 1) {
    problems.push('WEBHOOK_ALLOWED_NETWORKS: "*" allows every address; list nothing beside it');
  }
  return { networks: [...new Set(networks)], problems };
}

function normalisedNetwork(entry: string): { value: string; problem?: string } {
  const lowered = entry.toLowerCase();
  if (lowered === ANY || (NETWORK_CLASSES as readonly string[]).includes(lowered)) {
    return { value: lowered };
  }
  const [address = "", bits, ...rest] = entry.split("/");
  const isCanonical =
    ipaddr.IPv4.isValidFourPartDecimal(address) ||
    (ipaddr.IPv6.isValid(address) && !address.includes("%"));
  if (rest.length > 0 || !isCanonical || (bits !== undefined && !/^\d{1,3}$/.test(bits))) {
    return {
      value: entry,
      problem: `is not ${NETWORK_CLASSES.join(", ")}, * or a CIDR block (e.g. 10.0.0.0/8, fd00::/8)`,
    };
  }
  const parsed = ipaddr.parse(address);
  const maxBits = parsed.kind() === "ipv4" ? 32 : 128;
  const prefix = bits === undefined ? maxBits : Number(bits);
  if (prefix > maxBits) {
    return { value: entry, problem: `has a prefix longer than ${String(maxBits)} bits` };
  }
  const cidr = `${parsed.toString()}/${String(prefix)}`;
  const network = (
    parsed.kind() === "ipv4"
      ? ipaddr.IPv4.networkAddressFromCIDR(cidr)
      : ipaddr.IPv6.networkAddressFromCIDR(cidr)
  ).toString();
  if (network !== parsed.toString()) {
    return {
      value: entry,
      problem: `has bits set past its prefix; the block is ${network}/${String(prefix)}`,
    };
  }
  return { value: cidr };
}

/** What deliveries and the admin's form ask of WEBHOOK_ALLOWED_NETWORKS (wired in deps.ts). */
export interface ReceiverAddressPolicy {
  /** Whether a delivery may connect to this address (one a name resolved to, or a literal). */
  allows(address: string): boolean;
  /** Why a delivery may not connect to this address, naming its class and the setting. */
  refusal(address: string): string;
  /**
   * Why no delivery to this URL could connect, known before any lookup (when it is saved): its
   * host is a refused address, or a localhost name. Other names are judged at each connection.
   */
  urlProblem(url: string): string | undefined;
}

function rangeOf(address: ipaddr.IPv4 | ipaddr.IPv6): string {
  const range = address.range();
  return CLASS_OF_RANGE[range] ?? range;
}

/** The address a URL's host names without asking DNS: an IP literal, or localhost's loopback. */
function literalAddressOf(url: string): string | undefined {
  let hostname: string;
  try {
    hostname = new URL(url).hostname;
  } catch {
    return undefined;
  }
  const unbracketed = hostname.replace(/^\[(.*)\]$/, "$1");
  if (ipaddr.isValid(unbracketed)) return unbracketed;
  // RFC 6761: such names are loopback whatever a resolver says.
  if (/(^|\.)localhost\.?$/i.test(hostname)) return "127.0.0.1";
  return undefined;
}

export function createReceiverAddressPolicy(networks: readonly string[]): ReceiverAddressPolicy {
  const allowsAny = networks.includes(ANY);
  const classes = new Set(networks);
  const blocks = networks.filter((network) => network.includes("/")).map(ipaddr.parseCIDR);
  const allows = (text: string): boolean => {
    if (!ipaddr.isValid(text)) return false;
    if (allowsAny) return true;
    // An IPv4-mapped IPv6 address is judged as the IPv4 address it reaches.
    const address = ipaddr.process(text);
    if (classes.has(rangeOf(address))) return true;
    return blocks.some(
      ([block, bits]) => block.kind() === address.kind() && address.match(block, bits),
    );
  };
  const outside = (text: string): string => {
    const kind = ipaddr.isValid(text) ? `a ${rangeOf(ipaddr.process(text))} address` : "no address";
    return `${kind} outside WEBHOOK_ALLOWED_NETWORKS (${networks.join(",")})`;
  };
  return {
    allows,
    refusal: (address) => `${address} is ${outside(address)}`,
    urlProblem(url) {
      const address = literalAddressOf(url);
      if (address === undefined || allows(address)) return undefined;
      return `points at ${address}, ${outside(address)}`;
    },
  };
}
