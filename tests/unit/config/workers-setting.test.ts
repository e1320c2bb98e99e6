// WORKERS and `serve --workers` (issue 17): how many server processes share the port, and how the
// machine's hashing threads are shared among them.
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig, type Environment } from "../../../src/config/config.js";
import { hashConcurrencyShare, workerExecArgv } from "../../../src/workers.js";

function problemsOf(env: Environment): string[] {
  try {
    loadConfig(env, 4);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error("loadConfig accepted the environment");
}

const PRODUCTION: Environment = {
  NODE_ENV: "production",
  SECRET_KEY: "s".repeat(40),
  JWT_SECRET_KEY: "j".repeat(40),
};

describe("WORKERS", () => {
  it("is one process in development and test, one per core in production", () => {
    expect(loadConfig({}, 4).http.workers).toBe(1);
    expect(loadConfig({ NODE_ENV: "test" }, 4).http.workers).toBe(1);
    expect(loadConfig(PRODUCTION, 4).http.workers).toBe(4);
    expect(loadConfig({ ...PRODUCTION, WORKERS: "1" }, 4).http.workers).toBe(1);
  });

  it("takes a number or auto (the cores)", () => {
    expect(loadConfig({ WORKERS: "3" }, 4).http.workers).toBe(3);
    expect(loadConfig({ WORKERS: "auto" }, 6).http.workers).toBe(6);
  });

  it("refuses zero, fractions, words and absurd counts, naming the setting", () => {
    for (const value of ["0", "-2", "1.5", "many", "", "257"]) {
      const problems = problemsOf({ WORKERS: value });
      expect(problems, value).toHaveLength(1);
      expect(problems[0], value).toMatch(/^WORKERS: /);
    }
  });

  it("refuses several processes on an in-memory SQLite database, which each would have alone", () => {
    const problems = problemsOf({ WORKERS: "2", DATABASE_URL: "sqlite::memory:" });
    expect(problems).toEqual([expect.stringMatching(/WORKERS=2 .*in-memory SQLite/)]);
    expect(loadConfig({ WORKERS: "1", DATABASE_URL: "sqlite::memory:" }, 4).http.workers).toBe(1);
  });
});

describe("hashConcurrencyShare", () => {
  it("splits the machine's hashing threads among the workers, at least one each", () => {
    const shares = (total: number, workers: number) =>
      Array.from({ length: workers }, (_, index) => hashConcurrencyShare(total, workers, index));
    expect(shares(2, 2)).toEqual([1, 1]);
    expect(shares(4, 2)).toEqual([2, 2]);
    expect(shares(5, 2)).toEqual([3, 2]);
    expect(shares(8, 3)).toEqual([3, 3, 2]);
    // More workers than threads: each still hashes, one at a time.
    expect(shares(2, 4)).toEqual([1, 1, 1, 1]);
  });
});

describe("workerExecArgv", () => {
  it("gives each worker small V8 heap limits unless the operator set their own", () => {
    expect(workerExecArgv([])).toEqual(["--max-semi-space-size=1", "--max-old-space-size=96"]);
    expect(workerExecArgv(["--import", "tsx", "--max-old-space-size=512"])).toEqual([
      "--import",
      "tsx",
      "--max-old-space-size=512",
      "--max-semi-space-size=1",
    ]);
    expect(workerExecArgv([], "--max_old_space_size=256 --max-semi-space-size=4")).toEqual([]);
  });
});
