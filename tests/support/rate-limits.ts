// Helpers for the rate-limit tests: distinct client addresses (sent as X-Forwarded-For to a
// server started with TRUST_PROXY=true), fresh fixed windows, and the refusal they expect.
import type { TestApp } from "./test-app.js";

/** SPEC §11.4: the payload's `errors` once a limit is used up. */
export const RATE_LIMITED = {
  nonFieldErrors: [{ message: "Too many attempts. Try again later.", code: "rate_limited" }],
};

let clientCounter = 0;
/** An IPv4 address (198.18.0.0/15, set aside for tests) no other call in this process returns. */
export function aClientIp(): string {
  clientCounter += 1;
  return `198.${18 + Math.floor(clientCounter / 65_025)}.${Math.floor(clientCounter / 255) % 255}.${(clientCounter % 255) + 1}`;
}

export function fromClient(ip: string): { headers: Record<string, string> } {
  return { headers: { "x-forwarded-for": ip } };
}

const HOUR_MS = 3_600_000;

/**
 * Moves the app's clock to one second after the start of an hour. Windows are fixed and hour
 * windows hold whole minute windows, so the attempts of a test that starts here share every
 * window, and nothing it counts was counted by an earlier test.
 */
export function startFreshWindows(app: TestApp): void {
  const nowMs = app.clock.now().getTime();
  app.clock.advance((HOUR_MS - (nowMs % HOUR_MS) + 1000) / 1000);
}
