// What /readyz answers for each state of the database (src/http/readiness.ts).
import { describe, expect, it } from "vitest";
import { readiness } from "../../../src/http/readiness.js";

const UNAVAILABLE = "the database cannot be reached";
const unreachable = Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" });

function deps(state: { pending?: string[]; pingError?: Error }) {
  return {
    pingDatabase: () => (state.pingError ? Promise.reject(state.pingError) : Promise.resolve()),
    pendingMigrations: () => Promise.resolve(state.pending ?? []),
    isDatabaseUnavailable: (error: unknown) => error === unreachable,
  };
}

describe("readiness", () => {
  it("is ok with every migration applied", async () => {
    expect(await readiness(deps({}), UNAVAILABLE)).toEqual({ status: "ok" });
  });

  it("names a single pending migration", async () => {
    expect(await readiness(deps({ pending: ["202701010000_add-x"] }), UNAVAILABLE)).toEqual({
      status: "unavailable",
      migrations:
        "1 migration is not applied yet: run `gatehouse migrate` (or start one node without --no-migrate).",
      pending: ["202701010000_add-x"],
    });
  });

  it("says the database cannot be reached, and rethrows any other failure", async () => {
    expect(await readiness(deps({ pingError: unreachable }), UNAVAILABLE)).toEqual({
      status: "unavailable",
      database: UNAVAILABLE,
    });
    const bug = new TypeError("bug");
    await expect(readiness(deps({ pingError: bug }), UNAVAILABLE)).rejects.toBe(bug);
  });
});
