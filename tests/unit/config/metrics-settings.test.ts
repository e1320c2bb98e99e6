// METRICS_ENABLED and METRICS_TOKEN: off by default, the token checked at start, and the
// combinations that could not work refused with a message naming the setting.
import { describe, expect, it } from "vitest";
import { loadConfig, redactedConfig, type Environment } from "../../../src/config/config.js";
import { hardeningOff } from "../../../src/log/startup-summary.js";
import { problemsOf } from "../../support/config-problems.js";

const TOKEN = "m".repeat(20) + "-0123456789abcdef";
const PRODUCTION: Environment = {
  NODE_ENV: "production",
  SECRET_KEY: "s".repeat(40),
  JWT_SECRET_KEY: "j".repeat(40),
  WORKERS: "1",
};

describe("loadConfig metrics", () => {
  it("is off by default, with no token", () => {
    expect(loadConfig({}).metrics).toEqual({ enabled: false, token: undefined });
  });

  it("reads METRICS_ENABLED and METRICS_TOKEN", () => {
    const config = loadConfig({ METRICS_ENABLED: "true", METRICS_TOKEN: TOKEN });
    expect(config.metrics).toEqual({ enabled: true, token: TOKEN });
  });

  it("refuses a token while metrics are off, rather than ignoring it", () => {
    expect(problemsOf({ METRICS_TOKEN: TOKEN })).toEqual([
      "METRICS_TOKEN applies to GET /metrics, but METRICS_ENABLED is off",
    ]);
  });

  it("refuses a METRICS_ENABLED that is not a boolean", () => {
    const problems = problemsOf({ METRICS_ENABLED: "sometimes" });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain("METRICS_ENABLED");
  });

  it.each([
    ["a short token", "short-token", "METRICS_TOKEN must be at least 32 characters"],
    [
      "a token with a space",
      `${TOKEN} ${TOKEN}`,
      "METRICS_TOKEN may hold visible ASCII characters only (no spaces)",
    ],
    [
      "a token with non-ASCII letters",
      `${TOKEN}é`,
      "METRICS_TOKEN may hold visible ASCII characters only (no spaces)",
    ],
  ])("refuses %s", (_case, token, problem) => {
    expect(problemsOf({ METRICS_ENABLED: "true", METRICS_TOKEN: token })).toEqual([problem]);
  });

  it("refuses a token that is also a signing key", () => {
    const secret = "k".repeat(40);
    expect(
      problemsOf({ METRICS_ENABLED: "true", SECRET_KEY: secret, METRICS_TOKEN: secret }),
    ).toEqual(["METRICS_TOKEN must differ from SECRET_KEY and JWT_SECRET_KEY"]);
    expect(
      problemsOf({ METRICS_ENABLED: "true", JWT_SECRET_KEY: secret, METRICS_TOKEN: secret }),
    ).toEqual(["METRICS_TOKEN must differ from SECRET_KEY and JWT_SECRET_KEY"]);
  });

  it("allows metrics with several worker processes, which the supervisor sums", () => {
    expect(() => loadConfig({ METRICS_ENABLED: "true", WORKERS: "4" })).not.toThrow();
    const { WORKERS: _workers, ...productionDefaults } = PRODUCTION;
    expect(loadConfig({ ...productionDefaults, METRICS_ENABLED: "true" }, 4).http.workers).toBe(4);
  });

  it("allows metrics without a token in production, and says so in the start-up summary", () => {
    const open = loadConfig({ ...PRODUCTION, METRICS_ENABLED: "true" });
    expect(hardeningOff(open)).toContain(
      "METRICS_ENABLED=true without METRICS_TOKEN in production",
    );
    const closed = loadConfig({ ...PRODUCTION, METRICS_ENABLED: "true", METRICS_TOKEN: TOKEN });
    expect(hardeningOff(closed).join()).not.toContain("METRICS");
  });

  it("hides the token from the logged configuration", () => {
    const config = loadConfig({ METRICS_ENABLED: "true", METRICS_TOKEN: TOKEN });
    expect(redactedConfig(config)).toMatchObject({
      metrics: { enabled: true, token: "[redacted]" },
    });
    expect(JSON.stringify(redactedConfig(config))).not.toContain(TOKEN);
  });
});
