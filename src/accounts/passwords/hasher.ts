// Password hashing (SPEC §2.6). New hashes are argon2id, written in Django's Argon2PasswordHasher
// encoding ("argon2" + the PHC string) so the two systems can read each other's databases; Django's
// PBKDF2 hashes still verify, so an existing Django user table imports as it is, and callers
// re-hash on the next successful sign-in when needsRehash says so.
// Argon2id and its costs follow OWASP's Password Storage Cheat Sheet:
// https://cheatsheetseries.owasp.org/cheatsheets/Password_Storage_Cheat_Sheet.html
import { parseOptions } from "@node-rs/argon2";
import type { Algorithm } from "@node-rs/argon2";
import { pbkdf2, randomBytes, randomInt, timingSafeEqual } from "node:crypto";
import { promisify } from "node:util";
import type { Config } from "../../config/config.js";
import { createArgon2Workers, type Argon2Workers } from "./argon2-workers.js";
import { createFairLimiter } from "./fair-limiter.js";

/** Who asked for the hash (the client's IP): waiting hashes take turns by caller (fair-limiter.ts). */
export interface HashCaller {
  caller?: string | undefined;
}

export interface PasswordHasher {
  hash(password: string, options?: HashCaller): Promise<string>;
  /** Never throws: an unusable, unknown or malformed `encoded` value is simply not a match. */
  verify(password: string, encoded: string, options?: HashCaller): Promise<boolean>;
  needsRehash(encoded: string): boolean;
  /** Spends one verification on a throw-away hash, so unknown accounts cost what wrong passwords do. */
  verifyAgainstDummy(password: string, options?: HashCaller): Promise<void>;
  /** Stops the hashing threads; hashing after this fails. */
  close(): Promise<void>;
}

type HashingSettings = Config["passwordHashing"];
type Check = (password: string) => Promise<boolean>;

const pbkdf2Async = promisify(pbkdf2);

// Django names the hasher before the PHC string, whose own leading "$" then separates the two.
const DJANGO_ARGON2_PREFIX = "argon2";
const UNUSABLE_PREFIX = "!";
const UNUSABLE_SUFFIX_LENGTH = 40;
const UNUSABLE_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
// A Map, not an object literal, so names like "constructor" in a stored hash find nothing.
const PBKDF2_SCHEMES = new Map([
  ["pbkdf2_sha256", { digest: "sha256", keyLengthBytes: 32 }],
  ["pbkdf2_sha1", { digest: "sha1", keyLengthBytes: 20 }],
]);
// Node's pbkdf2 refuses iteration counts outside a signed 32-bit integer.
const MAX_PBKDF2_ITERATIONS = 2 ** 31 - 1;
// The library declares Algorithm as an ambient const enum, which verbatimModuleSyntax cannot read
// as a value; 2 is its Argon2id member.
// eslint-disable-next-line @typescript-eslint/no-unsafe-enum-assignment -- the enum is type-only here
const ARGON2ID: Algorithm = 2;
// What hash() writes; anything else (argon2i, argon2d, version 16) is due for a re-hash.
const CURRENT_ARGON2_PHC_PREFIX = "$argon2id$v=19$";

export interface HasherObservers {
  /** Told how long each hash or check waited for its slot, in seconds (metrics). */
  onQueueWait?: ((seconds: number) => void) | undefined;
}

export function createPasswordHasher(
  settings: HashingSettings,
  observers: HasherObservers = {},
): PasswordHasher {
  // Bounds argon2 (memory) and PBKDF2 (libuv's pool, which file and DNS work share) alike; the
  // argon2 pool has as many threads, so its own queue stays empty.
  const limiter = createFairLimiter(settings.maxConcurrentHashes);
  const { onQueueWait } = observers;
  const limit = <T>(task: () => Promise<T>, options: HashCaller = {}) => {
    if (onQueueWait === undefined) return limiter.run(options.caller ?? "", task);
    const queuedAt = performance.now();
    return limiter.run(options.caller ?? "", () => {
      onQueueWait((performance.now() - queuedAt) / 1000);
      return task();
    });
  };
  const argon2 = createArgon2Workers(settings.maxConcurrentHashes);
  const options = {
    algorithm: ARGON2ID,
    memoryCost: settings.memoryCostKiB,
    timeCost: settings.timeCost,
    parallelism: settings.parallelism,
  };
  const hash = async (password: string, caller?: HashCaller): Promise<string> =>
    DJANGO_ARGON2_PREFIX + (await limit(() => argon2.hash(password, options), caller));
  const verify = (password: string, encoded: string, caller?: HashCaller): Promise<boolean> => {
    const check = parseEncoded(argon2, encoded);
    return check === undefined ? Promise.resolve(false) : limit(() => check(password), caller);
  };
  // Made on first use rather than at startup, so creating a hasher costs nothing.
  let dummyHash: Promise<string> | undefined;
  return {
    hash,
    verify,
    needsRehash: (encoded) => !hasCurrentParameters(encoded, settings),
    verifyAgainstDummy: async (password, caller) => {
      dummyHash ??= hash(randomBytes(32).toString("base64")).catch((error: unknown) => {
        dummyHash = undefined;
        throw error;
      });
      await verify(password, await dummyHash, caller);
    },
    close: () => argon2.close(),
  };
}

/** The value stored for accounts that have no password (passwordless registration). */
export function makeUnusablePassword(): string {
  // randomInt draws without modulo bias, so every character is equally likely.
  const suffix = Array.from({ length: UNUSABLE_SUFFIX_LENGTH }, () =>
    UNUSABLE_ALPHABET.charAt(randomInt(UNUSABLE_ALPHABET.length)),
  );
  return UNUSABLE_PREFIX + suffix.join("");
}

export function isUsablePassword(encoded: string): boolean {
  return !encoded.startsWith(UNUSABLE_PREFIX);
}

function parseEncoded(argon2: Argon2Workers, encoded: string): Check | undefined {
  const phc = argon2Phc(encoded);
  if (phc !== undefined) return (password) => verifyArgon2(argon2, password, phc);
  return parsePbkdf2(encoded);
}

/** Accepts Django's `argon2$argon2id$…` and a bare PHC string `$argon2id$…`. */
function argon2Phc(encoded: string): string | undefined {
  if (encoded.startsWith(`${DJANGO_ARGON2_PREFIX}$argon2`)) {
    return encoded.slice(DJANGO_ARGON2_PREFIX.length);
  }
  return encoded.startsWith("$argon2") ? encoded : undefined;
}

async function verifyArgon2(
  argon2: Argon2Workers,
  password: string,
  phc: string,
): Promise<boolean> {
  try {
    return await argon2.verify(phc, password);
  } catch {
    // The library rejects PHC strings it cannot decode; a stored value that cannot be checked
    // matches no password, and the caller answers "invalid credentials" either way.
    return false;
  }
}

/** Django's `pbkdf2_sha256$<iterations>$<salt>$<base64 hash>` (and the `pbkdf2_sha1` variant). */
function parsePbkdf2(encoded: string): Check | undefined {
  const parts = encoded.split("$");
  if (parts.length !== 4) return undefined;
  const [algorithm = "", iterationsText = "", salt = "", expected = ""] = parts;
  const scheme = PBKDF2_SCHEMES.get(algorithm);
  const iterations = parseIterations(iterationsText);
  if (scheme === undefined || iterations === undefined || expected === "") return undefined;
  const { digest, keyLengthBytes } = scheme;
  return async (password) => {
    const derived = await pbkdf2Async(password, salt, iterations, keyLengthBytes, digest);
    return constantTimeEquals(derived.toString("base64"), expected);
  };
}

function parseIterations(text: string): number | undefined {
  if (!/^[1-9]\d{0,9}$/.test(text)) return undefined;
  const iterations = Number(text);
  return iterations <= MAX_PBKDF2_ITERATIONS ? iterations : undefined;
}

// Lengths are public (every hash of a scheme has the same one); the contents are compared in
// constant time so the answer's timing says nothing about how close a guess was.
function constantTimeEquals(actual: string, expected: string): boolean {
  const a = Buffer.from(actual, "utf8");
  const b = Buffer.from(expected, "utf8");
  return a.length === b.length && timingSafeEqual(a, b);
}

function hasCurrentParameters(encoded: string, settings: HashingSettings): boolean {
  const phc = argon2Phc(encoded);
  if (phc === undefined || !phc.startsWith(CURRENT_ARGON2_PHC_PREFIX)) return false;
  try {
    const current = parseOptions(phc);
    return (
      current.memoryCost === settings.memoryCostKiB &&
      current.timeCost === settings.timeCost &&
      current.parallelism === settings.parallelism
    );
  } catch {
    // Undecodable means it cannot be current; re-hashing replaces it with one that is.
    return false;
  }
}
