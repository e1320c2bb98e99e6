import { describe, expect, it } from "vitest";
import {
  isRecoveryCodeShape,
  newRecoveryCodes,
  recoveryCodeDigest,
} from "../../../../src/accounts/second-factor/recovery-codes.js";

describe("newRecoveryCodes", () => {
  it("makes ten distinct codes of two groups of five base32 characters", () => {
    const codes = newRecoveryCodes();
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const code of codes) expect(code).toMatch(/^[A-Z2-7]{5}-[A-Z2-7]{5}$/);
  });
});

describe("recoveryCodeDigest", () => {
  it("is a SHA-256 in hex that ignores case, spaces and the dash", () => {
    const digest = recoveryCodeDigest("ABCDE-FGHIJ");
    expect(digest).toMatch(/^[0-9a-f]{64}$/);
    expect(recoveryCodeDigest("abcde fghij")).toBe(digest);
    expect(recoveryCodeDigest("ABCDEFGHIJ")).toBe(digest);
    expect(recoveryCodeDigest("ABCDE-FGHIK")).not.toBe(digest);
  });
});

describe("isRecoveryCodeShape", () => {
  it("takes ten base32 characters in any spelling, and nothing else", () => {
    expect(isRecoveryCodeShape("abcde-fghij")).toBe(true);
    expect(isRecoveryCodeShape("ABCDE FGHIJ")).toBe(true);
    expect(isRecoveryCodeShape("123456")).toBe(false);
    expect(isRecoveryCodeShape("ABCDE-FGHI1")).toBe(false);
    expect(isRecoveryCodeShape("ABCDE-FGHIJK")).toBe(false);
  });
});
