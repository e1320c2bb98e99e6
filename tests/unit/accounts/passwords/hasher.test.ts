import { describe, it, expect } from "vitest";
import {
  createPasswordHasher,
  isUsablePassword,
  makeUnusablePassword,
} from "../../../../src/accounts/passwords/hasher.js";

const LOW_COST = { memoryCostKiB: 1024, timeCost: 1, parallelism: 1, maxConcurrentHashes: 4 };

// Computed with Python's hashlib.pbkdf2_hmac, which is what Django's PBKDF2PasswordHasher calls.
const DJANGO_PBKDF2_SHA256 =
  "pbkdf2_sha256$260000$seasalt$ftMWvEdczZQK5azuap2CQYKRjHLa1wOuMrfMiYEswYQ=";
const DJANGO_PBKDF2_SHA1 = "pbkdf2_sha1$10000$seasalt$MzWphptDAvAELCV9Fa/bIsPfolY=";
const DJANGO_PBKDF2_NON_ASCII =
  "pbkdf2_sha256$1000$seasalt$CzFI+UslA/kG6Ee3mx9EuXdtUGTgSIJvT+8nrZvi+4s=";
// The Argon2 reference implementation's test vectors (password "password", salt "somesalt"),
// in Django's encoding: Django 3.2 writes argon2id, older releases wrote argon2i.
const DJANGO_ARGON2ID =
  "argon2$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4";
const DJANGO_ARGON2I =
  "argon2$argon2i$v=19$m=256,t=2,p=1$c29tZXNhbHQ$iekCn0Y3spW+sCcFanM2xBT63UP2sghkUoHLIUpWRS8";

describe("createPasswordHasher", () => {
  const hasher = createPasswordHasher(LOW_COST);

  describe("hash", () => {
    it("writes argon2id with the configured costs in Django's encoding", async () => {
      const encoded = await hasher.hash("correct horse");
      expect(encoded).toMatch(/^argon2\$argon2id\$v=19\$m=1024,t=1,p=1\$[^$]+\$[^$]+$/);
    });

    it("salts every hash, so the same password never encodes the same way twice", async () => {
      expect(await hasher.hash("same")).not.toBe(await hasher.hash("same"));
    });
  });

  describe("verify", () => {
    it("accepts the password a fresh hash was made from", async () => {
      const encoded = await hasher.hash("correct horse");
      expect(await hasher.verify("correct horse", encoded)).toBe(true);
    });

    it("rejects a password that differs in one character", async () => {
      const encoded = await hasher.hash("correct horse");
      expect(await hasher.verify("correct horsf", encoded)).toBe(false);
    });

    it("accepts a bare PHC string without Django's algorithm prefix", async () => {
      const encoded = await hasher.hash("correct horse");
      expect(await hasher.verify("correct horse", encoded.slice("argon2".length))).toBe(true);
    });

    it("accepts Django's argon2id and argon2i hashes", async () => {
      expect(await hasher.verify("password", DJANGO_ARGON2ID)).toBe(true);
      expect(await hasher.verify("password", DJANGO_ARGON2I)).toBe(true);
      expect(await hasher.verify("passwort", DJANGO_ARGON2ID)).toBe(false);
    });

    it("accepts Django's pbkdf2_sha256 hash for the right password only", async () => {
      expect(await hasher.verify("password", DJANGO_PBKDF2_SHA256)).toBe(true);
      expect(await hasher.verify("passwore", DJANGO_PBKDF2_SHA256)).toBe(false);
    });

    it("encodes non-ASCII passwords as UTF-8, as Django does", async () => {
      expect(await hasher.verify("pässwörd", DJANGO_PBKDF2_NON_ASCII)).toBe(true);
    });

    it("accepts Django's older pbkdf2_sha1 hash", async () => {
      expect(await hasher.verify("password", DJANGO_PBKDF2_SHA1)).toBe(true);
      expect(await hasher.verify("Password", DJANGO_PBKDF2_SHA1)).toBe(false);
    });

    it("rejects a hash whose digest, salt or iteration count was tampered with", async () => {
      const tampered = [
        DJANGO_PBKDF2_SHA256.replace("ftMW", "ftMX"),
        DJANGO_PBKDF2_SHA256.replace("seasalt", "seasalu"),
        DJANGO_PBKDF2_SHA256.replace("260000", "260001"),
        DJANGO_ARGON2ID.replace("nf65", "nf66"),
      ];
      const results = await Promise.all(
        tampered.map((encoded) => hasher.verify("password", encoded)),
      );
      expect(results).toEqual([false, false, false, false]);
    });

    it("answers false without throwing for malformed or unknown encodings", async () => {
      const malformed = [
        "",
        "argon2",
        "argon2$",
        "$argon2id$garbage",
        "argon2$argon2id$v=19$m=1024,t=1,p=1$!!!$abc",
        "argon2$argon2id$v=19$m=1024,t=1,p=1$c29tZXNhbHQ$abc",
        "pbkdf2_sha256$260000$seasalt",
        "pbkdf2_sha256$abc$seasalt$ftMWvEdczZQK5azuap2CQYKRjHLa1wOuMrfMiYEswYQ=",
        "pbkdf2_sha256$0$seasalt$ftMWvEdczZQK5azuap2CQYKRjHLa1wOuMrfMiYEswYQ=",
        "pbkdf2_sha256$99999999999$seasalt$ftMWvEdczZQK5azuap2CQYKRjHLa1wOuMrfMiYEswYQ=",
        "pbkdf2_sha256$260000$seasalt$",
        `${DJANGO_PBKDF2_SHA256}$extra`,
        "constructor$1$seasalt$abc",
        "md5$seasalt$5f4dcc3b5aa765d61d8327deb882cf99",
        "password",
      ];
      for (const encoded of malformed) {
        await expect(hasher.verify("password", encoded)).resolves.toBe(false);
      }
    });

    it("never matches an unusable password", async () => {
      const unusable = makeUnusablePassword();
      expect(await hasher.verify(unusable, unusable)).toBe(false);
      expect(await hasher.verify(unusable.slice(1), unusable)).toBe(false);
      expect(await hasher.verify("", unusable)).toBe(false);
    });
  });

  describe("needsRehash", () => {
    it("is false for a hash made with the current settings", async () => {
      const encoded = await hasher.hash("correct horse");
      expect(hasher.needsRehash(encoded)).toBe(false);
      expect(hasher.needsRehash(encoded.slice("argon2".length))).toBe(false);
    });

    it("is true when any argon2 cost differs from the settings", async () => {
      const encoded = await hasher.hash("correct horse");
      for (const change of [{ memoryCostKiB: 2048 }, { timeCost: 2 }, { parallelism: 2 }]) {
        expect(createPasswordHasher({ ...LOW_COST, ...change }).needsRehash(encoded)).toBe(true);
      }
    });

    it("is true for Django's PBKDF2 and argon2i hashes", () => {
      expect(hasher.needsRehash(DJANGO_PBKDF2_SHA256)).toBe(true);
      expect(hasher.needsRehash(DJANGO_PBKDF2_SHA1)).toBe(true);
      expect(hasher.needsRehash(DJANGO_ARGON2I)).toBe(true);
    });

    it("is true for unusable and malformed values", () => {
      expect(hasher.needsRehash(makeUnusablePassword())).toBe(true);
      expect(hasher.needsRehash("$argon2id$v=19$garbage")).toBe(true);
      expect(hasher.needsRehash("")).toBe(true);
    });
  });

  describe("verifyAgainstDummy", () => {
    it("resolves on every call without revealing a result", async () => {
      await expect(hasher.verifyAgainstDummy("anything")).resolves.toBeUndefined();
      await expect(hasher.verifyAgainstDummy("anything else")).resolves.toBeUndefined();
    });
  });

  describe("concurrency limit", () => {
    // A slow verification started first, then a near-instant one: only a queue makes the slow one
    // settle first. The control run with free slots shows the test can tell the difference.
    const SLOW = "pbkdf2_sha256$400000$seasalt$ftMWvEdczZQK5azuap2CQYKRjHLa1wOuMrfMiYEswYQ=";
    const FAST = "pbkdf2_sha256$1$seasalt$ftMWvEdczZQK5azuap2CQYKRjHLa1wOuMrfMiYEswYQ=";

    async function settleOrder(maxConcurrentHashes: number): Promise<string[]> {
      const limited = createPasswordHasher({ ...LOW_COST, maxConcurrentHashes });
      // Starting an argon2 thread takes longer than the slow verification on a busy machine.
      await limited.hash("warm-up");
      const order: string[] = [];
      await Promise.all([
        limited.verify("password", SLOW).then(() => order.push("slow")),
        limited.verify("password", FAST).then(() => order.push("fast")),
        limited.hash("password").then(() => order.push("hash")),
      ]);
      return order;
    }

    it("runs one operation at a time, in arrival order, when the limit is 1", async () => {
      expect(await settleOrder(1)).toEqual(["slow", "fast", "hash"]);
    });

    it("lets quick operations overtake a slow one when slots are free", async () => {
      expect((await settleOrder(3)).at(-1)).toBe("slow");
    });

    it("does not queue malformed hashes behind real work", async () => {
      const limited = createPasswordHasher({ ...LOW_COST, maxConcurrentHashes: 1 });
      const order: string[] = [];
      await Promise.all([
        limited.verify("password", SLOW).then(() => order.push("slow")),
        limited.verify("password", "not-a-hash").then(() => order.push("malformed")),
      ]);
      expect(order).toEqual(["malformed", "slow"]);
    });
  });
});

describe("makeUnusablePassword", () => {
  it("makes '!' followed by 40 letters and digits", () => {
    expect(makeUnusablePassword()).toMatch(/^![A-Za-z0-9]{40}$/);
  });

  it("makes a different value each time", () => {
    expect(makeUnusablePassword()).not.toBe(makeUnusablePassword());
  });
});

describe("isUsablePassword", () => {
  it("is false for an unusable password and true for real hashes", () => {
    expect(isUsablePassword(makeUnusablePassword())).toBe(false);
    expect(isUsablePassword(DJANGO_PBKDF2_SHA256)).toBe(true);
    expect(isUsablePassword(DJANGO_ARGON2ID)).toBe(true);
  });
});
