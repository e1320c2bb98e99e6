// The password summary the admin's change page shows instead of the hash (Django's mask_hash).
import { describe, expect, it } from "vitest";
import { summarizePasswordHash } from "../../../../src/accounts/staff/password-summary.js";

describe("summarizePasswordHash", () => {
  it("describes Django's PBKDF2 hashes with masked salt and hash", () => {
    const summary = summarizePasswordHash("pbkdf2_sha256$260000$abcdefghijkl$c2VjcmV0aGFzaHZhbHVl");
    expect(summary.items).toEqual([
      { label: "algorithm", value: "pbkdf2_sha256" },
      { label: "iterations", value: "260000" },
      { label: "salt", value: "abcdef******" },
      { label: "hash", value: `c2Vjcm${"*".repeat(14)}` },
    ]);
  });

  it("describes argon2id hashes with their costs", () => {
    const summary = summarizePasswordHash(
      "argon2$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNo",
    );
    expect(summary.items.map((item) => `${item.label}: ${item.value}`)).toEqual([
      "algorithm: argon2",
      "variety: argon2id",
      "version: 19",
      "memory cost: 19456",
      "time cost: 2",
      "parallelism: 1",
      `salt: c2FsdH${"*".repeat(10)}`,
      `hash: aGFzaG${"*".repeat(10)}`,
    ]);
  });

  it("says so for unusable and unknown values", () => {
    expect(summarizePasswordHash("!abcdef")).toEqual({ items: [], note: "No password set." });
    expect(summarizePasswordHash("md5$x$y")).toEqual({
      items: [],
      note: "Invalid password format or unknown hashing algorithm.",
    });
  });
});
