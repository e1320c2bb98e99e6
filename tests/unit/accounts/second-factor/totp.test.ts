// The TOTP codes (RFC 6238) through the otpauth library (docs/decisions/0007-totp-library.md), and
// our use of it: which steps are accepted, each once.
import { Secret, TOTP } from "otpauth";
import { describe, expect, it } from "vitest";
import {
  isTotpCodeShape,
  matchingTimeStep,
  newTotpSecret,
  timeStepAt,
  totpUrl,
} from "../../../../src/accounts/second-factor/totp.js";

// RFC 6238, Appendix B: the seeds (ASCII) and the 8-digit codes at each time, per hash.
const SEEDS = {
  SHA1: "12345678901234567890",
  SHA256: "12345678901234567890123456789012",
  SHA512: "1234567890123456789012345678901234567890123456789012345678901234",
} as const;
const VECTORS: [seconds: number, algorithm: keyof typeof SEEDS, code: string][] = [
  [59, "SHA1", "94287082"],
  [59, "SHA256", "46119246"],
  [59, "SHA512", "90693936"],
  [1111111109, "SHA1", "07081804"],
  [1111111109, "SHA256", "68084774"],
  [1111111109, "SHA512", "25091201"],
  [1111111111, "SHA1", "14050471"],
  [1111111111, "SHA256", "67062674"],
  [1111111111, "SHA512", "99943326"],
  [1234567890, "SHA1", "89005924"],
  [1234567890, "SHA256", "91819424"],
  [1234567890, "SHA512", "93441116"],
  [2000000000, "SHA1", "69279037"],
  [2000000000, "SHA256", "90698825"],
  [2000000000, "SHA512", "38618901"],
  [20000000000, "SHA1", "65353130"],
  [20000000000, "SHA256", "77737706"],
  [20000000000, "SHA512", "47863826"],
];
const SHA1_SEED_BASE32 = Secret.fromLatin1(SEEDS.SHA1).base32;

describe("otpauth (RFC 6238 Appendix B)", () => {
  it.each(VECTORS)("gives the RFC's code at %is with %s", (seconds, algorithm, code) => {
    const generated = TOTP.generate({
      secret: Secret.fromLatin1(SEEDS[algorithm]),
      algorithm,
      digits: 8,
      period: 30,
      timestamp: seconds * 1000,
    });
    expect(generated).toBe(code);
  });
});

describe("matchingTimeStep", () => {
  // Six digits are the same number modulo 10^6: the vectors' last six digits (RFC 4226 §5.3).
  it.each(VECTORS.filter(([, algorithm]) => algorithm === "SHA1"))(
    "accepts the RFC's SHA-1 code (six digits) at %is, for that step",
    (seconds, _algorithm, code) => {
      const now = new Date(seconds * 1000);
      const step = matchingTimeStep(SHA1_SEED_BASE32, code.slice(2), { now, lastUsedStep: null });
      expect(step).toBe(Math.floor(seconds / 30));
    },
  );

  it("accepts the codes of one step before and after the current one, and no further", () => {
    const now = new Date(1_234_567_890 * 1000);
    const codeOf = (offsetSteps: number) =>
      TOTP.generate({
        secret: Secret.fromBase32(SHA1_SEED_BASE32),
        timestamp: now.getTime() + offsetSteps * 30_000,
      });
    const current = timeStepAt(now);
    const accepted = (offset: number) =>
      matchingTimeStep(SHA1_SEED_BASE32, codeOf(offset), { now, lastUsedStep: null });
    expect([accepted(-1), accepted(0), accepted(1)]).toEqual([current - 1, current, current + 1]);
    expect([accepted(-2), accepted(2)]).toEqual([undefined, undefined]);
  });

  it("refuses a step at or before the last one used (no replay), but takes a later one", () => {
    const now = new Date(1_234_567_890 * 1000);
    const current = timeStepAt(now);
    const code = TOTP.generate({
      secret: Secret.fromBase32(SHA1_SEED_BASE32),
      timestamp: now.getTime(),
    });
    expect(
      matchingTimeStep(SHA1_SEED_BASE32, code, { now, lastUsedStep: current }),
    ).toBeUndefined();
    expect(
      matchingTimeStep(SHA1_SEED_BASE32, code, { now, lastUsedStep: current + 1 }),
    ).toBeUndefined();
    expect(matchingTimeStep(SHA1_SEED_BASE32, code, { now, lastUsedStep: current - 1 })).toBe(
      current,
    );
  });

  it("refuses text that is not six digits, without throwing", () => {
    const now = new Date(59_000);
    for (const code of ["", "28708", "2870822", "28708a", "２８７０８２", "287082\u0000"])
      expect(matchingTimeStep(SHA1_SEED_BASE32, code, { now, lastUsedStep: null })).toBeUndefined();
    expect(matchingTimeStep(SHA1_SEED_BASE32, " 287 082 ", { now, lastUsedStep: null })).toBe(1);
  });
});

describe("newTotpSecret", () => {
  it("makes 160-bit secrets in base32, a new one each time", () => {
    const secrets = new Set(Array.from({ length: 20 }, newTotpSecret));
    expect(secrets.size).toBe(20);
    for (const secret of secrets) {
      expect(secret).toMatch(/^[A-Z2-7]{32}$/);
      expect(Secret.fromBase32(secret).bytes).toHaveLength(20);
    }
  });
});

describe("totpUrl", () => {
  it("names the issuer and the account, and carries the secret and the parameters", () => {
    const url = new URL(
      totpUrl(SHA1_SEED_BASE32, { issuer: "Gate House", label: "ada@example.com" }),
    );
    expect(url.protocol).toBe("otpauth:");
    expect(url.host).toBe("totp");
    expect(decodeURIComponent(url.pathname)).toBe("/Gate House:ada@example.com");
    expect(Object.fromEntries(url.searchParams)).toEqual({
      issuer: "Gate House",
      secret: SHA1_SEED_BASE32,
      algorithm: "SHA1",
      digits: "6",
      period: "30",
    });
  });
});

describe("isTotpCodeShape", () => {
  it("tells six digits from a recovery code", () => {
    expect(isTotpCodeShape("123456")).toBe(true);
    expect(isTotpCodeShape("123 456")).toBe(true);
    expect(isTotpCodeShape("ABCDE-FGHIJ")).toBe(false);
    expect(isTotpCodeShape("1234567")).toBe(false);
  });
});
