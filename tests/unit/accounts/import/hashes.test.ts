import { afterAll, describe, expect, it } from "vitest";
import { classifyPasswordHash } from "../../../../src/accounts/import/hashes.js";
import { createPasswordHasher } from "../../../../src/accounts/passwords/hasher.js";

const LOW_COST = { memoryCostKiB: 1024, timeCost: 1, parallelism: 1, maxConcurrentHashes: 2 };

// Hashes of "password" made with Django's own hashers (Python's hashlib and argon2-cffi), in
// Django's encodings; the last ones are hashers Gatehouse does not verify.
const VERIFIABLE = [
  "pbkdf2_sha256$260000$seasalt$ftMWvEdczZQK5azuap2CQYKRjHLa1wOuMrfMiYEswYQ=",
  "pbkdf2_sha1$10000$seasalt$MzWphptDAvAELCV9Fa/bIsPfolY=",
  "argon2$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4",
  "argon2$argon2i$v=19$m=256,t=2,p=1$c29tZXNhbHQ$iekCn0Y3spW+sCcFanM2xBT63UP2sghkUoHLIUpWRS8",
];

describe("classifyPasswordHash", () => {
  const hasher = createPasswordHasher(LOW_COST);
  afterAll(async () => {
    await hasher.close();
  });

  it("calls verifiable exactly the Django hashes the hasher verifies", async () => {
    for (const encoded of VERIFIABLE) {
      expect(classifyPasswordHash(encoded).kind, encoded).toBe("verifiable");
      expect(await hasher.verify("password", encoded), encoded).toBe(true);
    }
  });

  it("keeps unusable passwords unusable", () => {
    expect(classifyPasswordHash("!Xy7qJ3mZ0aB9cD8eF7gH6iJ5kL4mN3oP2qR1sT0")).toEqual({
      kind: "unusable",
    });
  });

  it("names the Django hasher of a hash it cannot check", () => {
    const names = [
      "bcrypt_sha256$$2b$12$0123456789abcdefghijkuOv3GxB3J7y8Dbh0L9cJb2iW8mVqRUCa",
      "bcrypt$$2b$12$0123456789abcdefghijkuOv3GxB3J7y8Dbh0L9cJb2iW8mVqRUCa",
      "scrypt$16384$seasalt$8$1$Qj3+9PPyRjSJIebHnG81TMjsqtaIGxNQG/aEB/NYafTJ7tibgfYz9dj6ycl6gAAAAAAAAAAAAAAAAAAAAAAAAA==",
      "md5$seasalt$f5531bef9f3687d0ccf0f617f0e25573",
      "5f4dcc3b5aa765d61d8327deb882cf99",
      "sha1$$5baa61e4c9b93f3f0682250b6cf8331b7ee68fd8",
      "crypt$$ab1Hv2Lg7ltQo",
      "",
      "pbkdf2_sha256$0$seasalt$abc",
      "pbkdf2_sha256$9999999999$seasalt$abc",
    ].map((encoded) => classifyPasswordHash(encoded));
    expect(names).toEqual(
      [
        "bcrypt_sha256",
        "bcrypt",
        "scrypt",
        "md5",
        "unsalted_md5",
        "unsalted_sha1",
        "crypt",
        "(empty)",
        "pbkdf2_sha256",
        "pbkdf2_sha256",
      ].map((algorithm) => ({ kind: "unknown", algorithm })),
    );
  });

  it("agrees with the hasher on what a wrong iteration count or a truncated hash does", async () => {
    for (const encoded of [
      "pbkdf2_sha256$0$seasalt$abc",
      "pbkdf2_sha256$1000$salt",
      "argon2$argon2id$broken",
    ]) {
      expect(classifyPasswordHash(encoded).kind).toBe("unknown");
      expect(await hasher.verify("password", encoded)).toBe(false);
    }
  });
});
