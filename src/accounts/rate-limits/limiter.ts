// SPEC §11.4 RATE_LIMITS: brute-force and mail-bombing protection. Each rule allows `limit`
// attempts per fixed window (keyed by the window's start, read from deps.clock) and per subject:
// the identifier signed in to, the address mail goes to, or the client's IP. Counters live in a
// store every server process shares (Redis, or the database), never in process memory alone.
//
// Attempts are charged *before* the work they stand for (argon2, a lookup, a mail), so parallel
// requests cannot slip past a limit while the first ones are still hashing (OWASP Authentication
// Cheat Sheet, "Protect against automated attacks":
// https://cheatsheetseries.owasp.org/cheatsheets/Authentication_Cheat_Sheet.html).
// Subjects are counted as given, whether or not an account has them, and a refused attempt gets
// the same answer either way, so the limits reveal nothing about which accounts exist. The mail
// limits count the requests that could send mail: one refused for its own fields (a malformed
// address, a weak password) sends none and reveals nothing, so it is not charged.
// RATE_LIMIT_LOOPBACK_EXEMPT (on by default in development only) lets requests from this machine
// skip the per-IP rules, so a developer is not locked out of their own server.
import { createHmac } from "node:crypto";
import { isIPv6 } from "node:net";
import type { Logger } from "pino";
import type { RateLimitRuleName } from "../../config/config.js";
import type { Deps } from "../../deps.js";
import { AccountsError } from "../errors.js";
import { canonicalEmail, foldCase } from "../validation.js";
import type { RequestOrigin } from "../types.js";

/** A fixed window of a counter: the store may forget the counter once the window is over. */
export interface RateLimitWindow {
  endsAt: Date;
  lengthMs: number;
}

/** Shared counters (Redis or SQL). */
export interface RateLimitStore {
  /** Adds one hit to `bucket` and returns its count, this hit included. */
  hit(bucket: string, window: RateLimitWindow): Promise<number>;
  close(): Promise<void>;
}

export interface RateLimitCharge {
  rule: RateLimitRuleName;
  subject: string;
  /** A per-IP charge of a client on this machine (RATE_LIMIT_LOOPBACK_EXEMPT may skip it). */
  isLoopback?: boolean;
}

export interface RateLimiter {
  /** Charges one attempt to every (rule, subject); false when any of them is over its limit. */
  attempt(charges: readonly RateLimitCharge[]): Promise<boolean>;
  /** False when RATE_LIMITS is off: attempts are then neither counted nor refused. */
  readonly isCounting: boolean;
  close(): Promise<void>;
}

export function createRateLimiter(
  deps: Pick<Deps, "config" | "clock">,
  store: RateLimitStore | undefined,
  /** Told each rule an attempt exceeded (metrics). */
  onRefused?: (rule: RateLimitRuleName) => void,
): RateLimiter {
  const { enabled, rules } = deps.config.rateLimits;
  if (!enabled || store === undefined) {
    return {
      attempt: () => Promise.resolve(true),
      isCounting: false,
      close: () => Promise.resolve(),
    };
  }
  const secretKey = deps.config.secretKey;
  const isLoopbackExempt = deps.config.rateLimitLoopbackExempt;
  return {
    isCounting: true,
    async attempt(requested) {
      const charges = isLoopbackExempt
        ? requested.filter((charge) => charge.isLoopback !== true)
        : requested;
      const nowMs = deps.clock.now().getTime();
      const counts = await Promise.all(
        charges.map(({ rule, subject }) => {
          const lengthMs = rules[rule].windowSeconds * 1000;
          const startMs = nowMs - (nowMs % lengthMs);
          const bucket = `${rule}:${startMs}:${subjectDigest(secretKey, subject)}`;
          return store.hit(bucket, { endsAt: new Date(startMs + lengthMs), lengthMs });
        }),
      );
      const exceeded = charges.filter(
        (charge, index) => (counts[index] ?? 0) > rules[charge.rule].limit,
      );
      for (const charge of exceeded) onRefused?.(charge.rule);
      return exceeded.length === 0;
    },
    close: () => store.close(),
  };
}

/**
 * Keyed, so the counters (in Redis or the database) hold no addresses or usernames in clear,
 * and a leaked counter table cannot be matched against a list of addresses.
 */
function subjectDigest(secretKey: string, subject: string): string {
  return createHmac("sha256", secretKey)
    .update(`rate-limit\0${subject}`)
    .digest("base64url")
    .slice(0, 24);
}

/**
 * The subject of a per-IP rule. An IPv6 client usually holds a whole /64, so its addresses count
 * as one; an IPv4 address mapped into IPv6 counts as the IPv4 address.
 */
export function clientSubject(ip: string | undefined): string {
  if (ip === undefined || ip === "") return "ip:unknown";
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(ip)?.[1];
  if (mapped !== undefined) return `ip:${mapped}`;
  const address = ip.split("%")[0] ?? ip;
  if (!isIPv6(address)) return `ip:${address}`;
  const [head = "", tail] = address.split("::");
  const headGroups = head === "" ? [] : head.split(":");
  const tailGroups = tail === undefined || tail === "" ? [] : tail.split(":");
  const missing = tail === undefined ? 0 : 8 - headGroups.length - tailGroups.length;
  const groups = [...headGroups, ...Array<string>(Math.max(missing, 0)).fill("0"), ...tailGroups];
  const prefix = groups.slice(0, 4).map((group) => Number.parseInt(group, 16).toString(16));
  return `ip:${prefix.join(":")}::/64`;
}

/** 127.0.0.0/8 and ::1, also as IPv4-mapped IPv6 addresses (::ffff:127.0.0.1). */
export function isLoopbackAddress(ip: string | undefined): boolean {
  if (ip === undefined) return false;
  const address = ip.replace(/^::ffff:/i, "");
  return (
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(address) || /^(0{0,4}:){2,7}0{0,3}1$/.test(address)
  );
}

/** The charge of a per-IP rule to the client at `ip`. */
function clientCharge(rule: RateLimitRuleName, ip: string | undefined): RateLimitCharge {
  return { rule, subject: clientSubject(ip), isLoopback: isLoopbackAddress(ip) };
}

/**
 * Identifiers and addresses are matched case-insensitively (SPEC §2.2), so they count so, and in
 * their canonical form: look-alike spellings of one mailbox (`alice@ｅxample.com`) reach the same
 * account and the same inbox, so they share its counters. A name without "@" is only trimmed.
 */
function foldedSubject(kind: string, value: string): string {
  return `${kind}:${foldCase(canonicalEmail(value))}`;
}

/**
 * tokenAuth and the admin login share these counters. Every attempt counts, successful ones
 * included: counting only failures would need the outcome first, i.e. the argon2 work the limit
 * exists to bound, and concurrent guesses would all pass before the first failure was counted.
 * The price is that one account can sign in at most RATE_LIMIT_LOGIN_PER_IDENTIFIER times per
 * window, far above what a person does. The identifier is counted as typed (case-folded): an
 * account reached by its username and by its email has two counters, because merging them
 * would need the lookup, and the answer would then differ for unknown identifiers.
 */
export function isSignInAllowed(
  deps: Pick<Deps, "rateLimiter">,
  attempt: { identifier: string; origin: Pick<RequestOrigin, "ip"> },
): Promise<boolean> {
  return deps.rateLimiter.attempt([
    { rule: "signInPerIdentifier", subject: foldedSubject("identifier", attempt.identifier) },
    clientCharge("signInPerIp", attempt.origin.ip),
  ]);
}

/** Throws RATE_LIMITED once the identifier or the client has used up its sign-in attempts. */
export async function limitSignIn(
  deps: Pick<Deps, "rateLimiter">,
  attempt: { identifier: string; origin: Pick<RequestOrigin, "ip"> },
): Promise<void> {
  if (!(await isSignInAllowed(deps, attempt))) throw AccountsError.of("RATE_LIMITED");
}

/**
 * Throws RATE_LIMITED once the target address or the client has used up its mail requests.
 * Charged whether or not an account has the address, so a refusal says nothing about it.
 * Without an address (a registration without email) only the client is charged.
 */
export async function limitEmailRequest(
  deps: Pick<Deps, "rateLimiter">,
  request: { address: string | undefined; origin: Pick<RequestOrigin, "ip"> },
): Promise<void> {
  const charges: RateLimitCharge[] = [clientCharge("emailPerIp", request.origin.ip)];
  if (request.address !== undefined && request.address.trim() !== "") {
    charges.push({ rule: "emailPerAddress", subject: foldedSubject("address", request.address) });
  }
  if (!(await deps.rateLimiter.attempt(charges))) throw AccountsError.of("RATE_LIMITED");
}

/** verifyToken, refreshToken, revokeToken: throws RATE_LIMITED once the client is over. */
export async function limitTokenRequest(
  deps: Pick<Deps, "rateLimiter">,
  origin: Pick<RequestOrigin, "ip">,
): Promise<void> {
  const charges = [clientCharge("tokenPerIp", origin.ip)];
  if (!(await deps.rateLimiter.attempt(charges))) throw AccountsError.of("RATE_LIMITED");
}

/**
 * When Redis cannot be reached we neither fail open (no brute-force protection for as long as
 * Redis is down, which an attacker able to disturb Redis would welcome) nor fail closed (every
 * sign-in and every mail refused: an outage of authentication caused by a counter cache).
 * Counting moves to the database, which every process shares too and without which no request
 * succeeds anyway. The cost: around a switch a window's count is split between the two stores,
 * so a subject may get up to twice its limit in that window. Switches are logged once each way.
 */
export function withDatabaseFallback(
  primary: RateLimitStore,
  fallback: RateLimitStore,
  log: Logger,
): RateLimitStore {
  let isFallingBack = false;
  return {
    async hit(bucket, window) {
      let hits: number;
      try {
        hits = await primary.hit(bucket, window);
      } catch (error) {
        if (!isFallingBack) {
          log.error(
            { err: error },
            "rate limits: Redis unreachable, counting in the database until it is back",
          );
        }
        isFallingBack = true;
        return fallback.hit(bucket, window);
      }
      if (isFallingBack) log.warn("rate limits: Redis reachable again, counting there");
      isFallingBack = false;
      return hits;
    },
    async close() {
      await primary.close();
      await fallback.close();
    },
  };
}
