// Settings of issue 15: LOG_FORMAT, and RATE_LIMIT_LOOPBACK_EXEMPT (on in development only).
import { describe, expect, it } from "vitest";
import { loadConfig, type Environment } from "../../../src/config/config.js";
import { problemsOf } from "../../support/config-problems.js";

const PRODUCTION: Environment = {
  NODE_ENV: "production",
  SECRET_KEY: "s".repeat(40),
  JWT_SECRET_KEY: "j".repeat(40),
};

describe("LOG_FORMAT", () => {
  it("is auto by default and takes pretty or json", () => {
    expect(loadConfig({}).logFormat).toBe("auto");
    expect(loadConfig({ LOG_FORMAT: "json" }).logFormat).toBe("json");
    expect(loadConfig({ LOG_FORMAT: "pretty" }).logFormat).toBe("pretty");
  });

  it("refuses any other value, naming the setting", () => {
    const problems = problemsOf({ LOG_FORMAT: "yaml" });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^LOG_FORMAT: /);
  });
});

describe("RATE_LIMIT_LOOPBACK_EXEMPT", () => {
  it("is on in development only, and never behind a proxy", () => {
    expect(loadConfig({}).rateLimitLoopbackExempt).toBe(true);
    expect(loadConfig({ NODE_ENV: "development" }).rateLimitLoopbackExempt).toBe(true);
    expect(loadConfig({ TRUST_PROXY: "true" }).rateLimitLoopbackExempt).toBe(false);
    expect(loadConfig({ NODE_ENV: "test" }).rateLimitLoopbackExempt).toBe(false);
    expect(loadConfig(PRODUCTION).rateLimitLoopbackExempt).toBe(false);
  });

  it("may be switched off in development, and on outside it", () => {
    expect(loadConfig({ RATE_LIMIT_LOOPBACK_EXEMPT: "false" }).rateLimitLoopbackExempt).toBe(false);
    const test = loadConfig({ NODE_ENV: "test", RATE_LIMIT_LOOPBACK_EXEMPT: "true" });
    expect(test.rateLimitLoopbackExempt).toBe(true);
  });

  it("is refused in production and with TRUST_PROXY", () => {
    expect(problemsOf({ ...PRODUCTION, RATE_LIMIT_LOOPBACK_EXEMPT: "true" })).toEqual([
      "RATE_LIMIT_LOOPBACK_EXEMPT cannot be on in production",
    ]);
    expect(problemsOf({ TRUST_PROXY: "true", RATE_LIMIT_LOOPBACK_EXEMPT: "true" })).toEqual([
      "RATE_LIMIT_LOOPBACK_EXEMPT cannot be on with TRUST_PROXY (a forwarded address may claim to be 127.0.0.1)",
    ]);
  });
});
