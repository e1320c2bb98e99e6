import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig, redactedConfig } from "../../../src/config/config.js";

describe("loadConfig rate limits", () => {
  it("applies SPEC §11.4's limits by default, counted in the database", () => {
    const config = loadConfig({});
    expect(config.rateLimits).toEqual({
      enabled: true,
      rules: {
        signInPerIdentifier: { limit: 5, windowSeconds: 60 },
        signInPerIp: { limit: 20, windowSeconds: 60 },
        emailPerAddress: { limit: 3, windowSeconds: 3600 },
        emailPerIp: { limit: 10, windowSeconds: 3600 },
        tokenPerIp: { limit: 30, windowSeconds: 60 },
      },
    });
    expect(config.redisUrl).toBeUndefined();
    expect(config.redisKeyPrefix).toBe("gatehouse:");
  });

  it("reads attempts/window with the window in seconds or with a unit", () => {
    const config = loadConfig({
      RATE_LIMITS: "false",
      RATE_LIMIT_LOGIN_PER_IDENTIFIER: "10/5m",
      RATE_LIMIT_EMAIL_PER_IP: "100/86400",
    });
    expect(config.rateLimits.enabled).toBe(false);
    expect(config.rateLimits.rules.signInPerIdentifier).toEqual({ limit: 10, windowSeconds: 300 });
    expect(config.rateLimits.rules.emailPerIp).toEqual({ limit: 100, windowSeconds: 86_400 });
  });

  it.each(["5", "0/1m", "5/0", "five/1m", "5/1m/2", "-1/1m"])(
    "refuses %j, naming the variable",
    (value) => {
      let problems: string[] = [];
      try {
        loadConfig({ RATE_LIMIT_TOKEN_MUTATIONS_PER_IP: value });
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        problems = (error as ConfigError).problems;
      }
      expect(problems).toHaveLength(1);
      expect(problems[0]).toContain("RATE_LIMIT_TOKEN_MUTATIONS_PER_IP");
    },
  );

  it("hides a Redis password from the logged configuration", () => {
    const config = loadConfig({ REDIS_URL: "redis://user:hunter2pw@cache.internal:6379/2" });
    expect(redactedConfig(config)).toMatchObject({
      redisUrl: "redis://[redacted]@cache.internal:6379/2",
    });
    expect(JSON.stringify(redactedConfig(config))).not.toContain("hunter2pw");
  });
});
