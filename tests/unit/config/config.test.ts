import { describe, expect, it } from "vitest";
import { loadConfig } from "../../../src/config/config.js";
import { problemsOf } from "../../support/config-problems.js";

const LONG_SECRET = "s".repeat(32);
const OTHER_LONG_SECRET = "j".repeat(32);

describe("loadConfig durations", () => {
  it("reads whole seconds and numbers with a unit", () => {
    const config = loadConfig({
      JWT_EXPIRATION_DELTA: "5m",
      JWT_REFRESH_EXPIRATION_DELTA: "7d",
      EXPIRATION_PASSWORD_RESET_TOKEN: "300",
      EXPIRATION_ACTIVATION_TOKEN: "2h",
    });
    expect(config.jwt.expirationDeltaSeconds).toBe(300);
    expect(config.jwt.refreshExpirationDeltaSeconds).toBe(7 * 86_400);
    expect(config.actionTokens.passwordResetTtlSeconds).toBe(300);
    expect(config.actionTokens.activationTtlSeconds).toBe(7200);
  });

  it("applies SPEC §11's default durations", () => {
    const config = loadConfig({});
    expect(config.jwt.expirationDeltaSeconds).toBe(300);
    expect(config.jwt.refreshExpirationDeltaSeconds).toBe(604_800);
    expect(config.actionTokens.activationTtlSeconds).toBe(604_800);
    expect(config.actionTokens.passwordResetTtlSeconds).toBe(3600);
  });

  it("refuses a duration it cannot read, naming the variable", () => {
    const problems = problemsOf({ JWT_EXPIRATION_DELTA: "five minutes" });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain("JWT_EXPIRATION_DELTA");
  });
});

describe("loadConfig COMPAT_MODE", () => {
  it("keeps the hardened answers by default", () => {
    const config = loadConfig({});
    expect(config.accounts.userQueryAccess).toBe("staff");
    expect(config.accounts.preventUserEnumeration).toBe(true);
    expect(config.actionTokens.acceptUnboundTokens).toBe(false);
  });

  it("implies public user queries and no enumeration prevention", () => {
    const config = loadConfig({ COMPAT_MODE: "true" });
    expect(config.compatMode).toBe(true);
    expect(config.accounts.userQueryAccess).toBe("public");
    expect(config.accounts.preventUserEnumeration).toBe(false);
    expect(config.actionTokens.acceptUnboundTokens).toBe(true);
  });

  it("yields to explicit settings", () => {
    const config = loadConfig({
      COMPAT_MODE: "true",
      USER_QUERY_ACCESS: "authenticated",
      PREVENT_USER_ENUMERATION: "true",
    });
    expect(config.accounts.userQueryAccess).toBe("authenticated");
    expect(config.accounts.preventUserEnumeration).toBe(true);
  });
});

describe("loadConfig in production", () => {
  it("refuses missing secrets, listing every problem at once", () => {
    const problems = problemsOf({ NODE_ENV: "production" });
    expect(problems).toEqual([
      "SECRET_KEY is required in production",
      "JWT_SECRET_KEY is required in production (keep it apart from SECRET_KEY)",
    ]);
  });

  it("refuses secrets shorter than 32 characters", () => {
    const problems = problemsOf({
      NODE_ENV: "production",
      SECRET_KEY: "short",
      JWT_SECRET_KEY: "also-short",
    });
    expect(problems).toEqual([
      "SECRET_KEY must be at least 32 characters",
      "JWT_SECRET_KEY must be at least 32 characters",
    ]);
  });

  it("accepts long, separate secrets", () => {
    const config = loadConfig({
      NODE_ENV: "production",
      SECRET_KEY: LONG_SECRET,
      JWT_SECRET_KEY: OTHER_LONG_SECRET,
    });
    expect(config.secretKey).toBe(LONG_SECRET);
    expect(config.jwt.secretKey).toBe(OTHER_LONG_SECRET);
    expect(config.jwt.cookieSecure).toBe(true);
  });

  it("lists every malformed variable at once", () => {
    const problems = problemsOf({
      PORT: "eighty",
      JWT_ALGORITHM: "none",
      USER_QUERY_ACCESS: "everyone",
    });
    expect(problems).toHaveLength(3);
    expect(problems.map((problem) => problem.split(":")[0]).sort()).toEqual([
      "JWT_ALGORITHM",
      "PORT",
      "USER_QUERY_ACCESS",
    ]);
  });
});

describe("loadConfig DATABASE_URL", () => {
  it.each([
    ["postgres://u:p@db:5432/app", "postgres"],
    ["postgresql://u@db/app", "postgres"],
    ["POSTGRES://db/app", "postgres"],
    ["sqlite:./data/app.sqlite", "sqlite"],
    ["sqlite::memory:", "sqlite"],
  ] as const)("detects %s as %s", (url, kind) => {
    expect(loadConfig({ DATABASE_URL: url }).database.kind).toBe(kind);
  });

  it("defaults to a SQLite file", () => {
    expect(loadConfig({}).database).toMatchObject({
      kind: "sqlite",
      url: "sqlite:./data/gatehouse.sqlite",
    });
  });
});

describe("loadConfig result", () => {
  it("is frozen all the way down", () => {
    const config = loadConfig({});
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.jwt)).toBe(true);
    expect(Object.isFrozen(config.accounts.loginAllowedFields)).toBe(true);
    expect(() => {
      (config.http as { port: number }).port = 1;
    }).toThrow(TypeError);
  });

  it("ignores variables it does not know", () => {
    expect(loadConfig({ UNRELATED: "x", PATH: "/bin" })).toEqual(loadConfig({}));
  });
});
