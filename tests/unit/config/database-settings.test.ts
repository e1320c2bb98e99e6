import { describe, expect, it } from "vitest";
import { loadConfig } from "../../../src/config/config.js";
import { problemsOf } from "../../support/config-problems.js";

const POSTGRES = "postgres://app@db.internal:5432/accounts";

describe("database settings", () => {
  it("connects directly, with named lookups and a statement timeout, by default", () => {
    expect(loadConfig({ DATABASE_URL: POSTGRES }).database).toEqual({
      url: POSTGRES,
      kind: "postgres",
      migrateOnStart: true,
      pooler: "none",
      poolSize: 10,
      connectTimeoutSeconds: 5,
      statementTimeoutSeconds: 30,
    });
  });

  it("treats PgBouncer's port and the pgbouncer=true flag as a transaction-mode pooler", () => {
    const byPort = loadConfig({ DATABASE_URL: "postgres://app@pooler:6432/accounts" }).database;
    expect(byPort).toMatchObject({ pooler: "transaction", statementTimeoutSeconds: 0 });
    const byFlag = loadConfig({
      DATABASE_URL: "postgres://app@pooler:5432/accounts?sslmode=require&pgbouncer=true",
    }).database;
    expect(byFlag.pooler).toBe("transaction");
    // The flag is ours: the driver gets the URL without it.
    expect(byFlag.url).toBe("postgres://app@pooler:5432/accounts?sslmode=require");
  });

  it("lets DATABASE_POOLER override the guess either way", () => {
    expect(
      loadConfig({ DATABASE_URL: "postgres://app@pooler:6432/a", DATABASE_POOLER: "none" }).database
        .pooler,
    ).toBe("none");
    expect(
      loadConfig({ DATABASE_URL: POSTGRES, DATABASE_POOLER: "transaction" }).database.pooler,
    ).toBe("transaction");
  });

  it("reads the pool size and the timeouts", () => {
    const database = loadConfig({
      DATABASE_URL: POSTGRES,
      DATABASE_POOL_SIZE: "25",
      DATABASE_CONNECT_TIMEOUT: "2",
      DATABASE_STATEMENT_TIMEOUT: "1m",
    }).database;
    expect(database).toMatchObject({
      poolSize: 25,
      connectTimeoutSeconds: 2,
      statementTimeoutSeconds: 60,
    });
  });

  it("refuses a pooler kind, a pool size or a timeout it cannot read", () => {
    const problems = problemsOf({
      DATABASE_URL: POSTGRES,
      DATABASE_POOLER: "session",
      DATABASE_POOL_SIZE: "0",
      DATABASE_CONNECT_TIMEOUT: "soon",
    });
    expect(problems.map((problem) => problem.split(":")[0])).toEqual([
      "DATABASE_POOLER",
      "DATABASE_POOL_SIZE",
      "DATABASE_CONNECT_TIMEOUT",
    ]);
  });

  it("refuses PostgreSQL settings with a SQLite file, naming each", () => {
    const problems = problemsOf({
      DATABASE_URL: "sqlite:./data/x.sqlite",
      DATABASE_POOLER: "transaction",
      DATABASE_POOL_SIZE: "5",
    });
    expect(problems).toEqual([
      "DATABASE_POOLER applies to PostgreSQL only, but DATABASE_URL is a SQLite file",
      "DATABASE_POOL_SIZE applies to PostgreSQL only, but DATABASE_URL is a SQLite file",
    ]);
  });

  it("refuses a statement timeout that a transaction-mode pooler would not pass on", () => {
    const problems = problemsOf({
      DATABASE_URL: "postgres://app@pooler:6432/accounts",
      DATABASE_STATEMENT_TIMEOUT: "30",
    });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(
      "DATABASE_STATEMENT_TIMEOUT cannot pass a transaction-mode pooler",
    );
  });
});
