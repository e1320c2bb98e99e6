// The seeded users' password hash, and the hashing limit that tokenAuth is measured against:
// cores ÷ the time of one argon2id verify at Gatehouse's cost.
import { hash as argon2Hash, verify as argon2Verify } from "@node-rs/argon2";
import type { Algorithm } from "@node-rs/argon2";
import { ARGON2_OPTIONS, PASSWORD } from "./shared.js";

// eslint-disable-next-line @typescript-eslint/no-unsafe-enum-assignment -- the enum is type-only here
const ARGON2ID: Algorithm = ARGON2_OPTIONS.algorithm;

/** The PHC string of PASSWORD at Gatehouse's argon2id cost. */
export function hashPassword(): Promise<string> {
  return argon2Hash(PASSWORD, { ...ARGON2_OPTIONS, algorithm: ARGON2ID });
}

/** Median time of `iterations` verifies, and `cores` ÷ that time in verifies per second. */
export async function measureArgon2(
  phc: string,
  iterations: number,
  cores: number,
): Promise<{ verifyMs: number; limit: number }> {
  await argon2Verify(phc, PASSWORD); // warm-up
  const times: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const start = process.hrtime.bigint();
    await argon2Verify(phc, PASSWORD);
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  times.sort((a, b) => a - b);
  const verifyMs = times[Math.floor(times.length / 2)] ?? 0;
  return { verifyMs, limit: (cores * 1000) / verifyMs };
}
