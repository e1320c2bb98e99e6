// The hardening settings of loadConfig: GraphQL limits, server limits and timeouts, HSTS, and the
// secrets production refuses.
import { generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { loadConfig, type Environment } from "../../../src/config/config.js";
import { problemsOf } from "../../support/config-problems.js";

const PRODUCTION: Environment = {
  NODE_ENV: "production",
  SECRET_KEY: "s".repeat(32),
  JWT_SECRET_KEY: "j".repeat(32),
};

describe("loadConfig hardening defaults", () => {
  it("limits GraphQL documents and keeps introspection on outside production", () => {
    expect(loadConfig({}).graphqlLimits).toEqual({
      maxDepth: 16,
      maxAliases: 15,
      maxDirectives: 50,
      maxTokens: 2000,
      maxCost: 5000,
      maxCostIsDerived: true,
      introspection: true,
    });
    expect(loadConfig({ NODE_ENV: "test" }).graphqlLimits.introspection).toBe(true);
  });

  it("turns introspection and GraphiQL off and HSTS on for a year in production", () => {
    const config = loadConfig(PRODUCTION);
    expect(config.graphqlLimits.introspection).toBe(false);
    expect(config.httpHardening.hstsMaxAgeSeconds).toBe(31_536_000);
    expect(config.http.graphiql).toBe(false);
    const opened = loadConfig({ ...PRODUCTION, GRAPHQL_INTROSPECTION: "true" });
    expect(opened.graphqlLimits.introspection).toBe(true);
  });

  it("keeps GraphiQL on outside production, and GRAPHIQL decides wherever it is set", () => {
    expect(loadConfig({}).http.graphiql).toBe(true);
    expect(loadConfig({ NODE_ENV: "test" }).http.graphiql).toBe(true);
    expect(loadConfig({ ...PRODUCTION, GRAPHIQL: "true" }).http.graphiql).toBe(true);
    expect(loadConfig({ GRAPHIQL: "false" }).http.graphiql).toBe(false);
    expect(problemsOf({ GRAPHIQL: "sometimes" }).map((problem) => problem.split(":")[0])).toEqual([
      "GRAPHIQL",
    ]);
  });

  it("derives the cost limit from RELAY_CONNECTION_MAX_LIMIT unless set", () => {
    expect(loadConfig({ RELAY_CONNECTION_MAX_LIMIT: "1000" }).graphqlLimits.maxCost).toBe(50_000);
    expect(loadConfig({ GRAPHQL_MAX_COST: "123" }).graphqlLimits).toMatchObject({
      maxCost: 123,
      maxCostIsDerived: false,
    });
  });

  it("reads the server limits and timeouts, durations in seconds or with a unit", () => {
    expect(loadConfig({}).httpHardening).toEqual({
      headerLimitBytes: 16_384,
      requestTimeoutSeconds: 30,
      connectionTimeoutSeconds: 60,
      keepAliveTimeoutSeconds: 72,
      hstsMaxAgeSeconds: 0,
    });
    const config = loadConfig({
      HEADER_LIMIT_BYTES: "8192",
      REQUEST_TIMEOUT: "1m",
      CONNECTION_TIMEOUT: "90",
      KEEP_ALIVE_TIMEOUT: "5s",
      SECURE_HSTS_SECONDS: "600",
    });
    expect(config.httpHardening).toEqual({
      headerLimitBytes: 8192,
      requestTimeoutSeconds: 60,
      connectionTimeoutSeconds: 90,
      keepAliveTimeoutSeconds: 5,
      hstsMaxAgeSeconds: 600,
    });
  });

  it("refuses limits that make no sense", () => {
    const problems = problemsOf({
      GRAPHQL_MAX_DEPTH: "0",
      GRAPHQL_MAX_TOKENS: "10",
      HEADER_LIMIT_BYTES: "100",
      REQUEST_TIMEOUT: "soon",
    });
    expect(problems.map((problem) => problem.split(":")[0])).toEqual([
      "GRAPHQL_MAX_DEPTH",
      "GRAPHQL_MAX_TOKENS",
      "HEADER_LIMIT_BYTES",
      "REQUEST_TIMEOUT",
    ]);
  });
});

describe("loadConfig in production refuses weak secrets", () => {
  it("refuses a missing or short SECRET_KEY", () => {
    expect(problemsOf({ ...PRODUCTION, SECRET_KEY: undefined })).toContain(
      "SECRET_KEY is required in production",
    );
    expect(problemsOf({ ...PRODUCTION, SECRET_KEY: "x".repeat(31) })).toContain(
      "SECRET_KEY must be at least 32 characters",
    );
  });

  it("refuses the development default, as SECRET_KEY or JWT_SECRET_KEY", () => {
    const developmentSecret = loadConfig({}).secretKey;
    expect(developmentSecret.length).toBeGreaterThanOrEqual(32);
    expect(
      problemsOf({
        ...PRODUCTION,
        SECRET_KEY: developmentSecret,
        JWT_SECRET_KEY: developmentSecret,
      }),
    ).toEqual([
      "SECRET_KEY must not be the development default",
      "JWT_SECRET_KEY must not be the development default",
      "JWT_SECRET_KEY must differ from SECRET_KEY",
    ]);
  });

  it("refuses a JWT_SECRET_KEY equal to SECRET_KEY, whatever the JWT algorithm", () => {
    const shared = "k".repeat(40);
    expect(problemsOf({ ...PRODUCTION, SECRET_KEY: shared, JWT_SECRET_KEY: shared })).toEqual([
      "JWT_SECRET_KEY must differ from SECRET_KEY",
    ]);
    const rsaKey = generateKeyPairSync("rsa", { modulusLength: 2048 })
      .privateKey.export({ type: "pkcs8", format: "pem" })
      .toString();
    // RS256 does not use JWT_SECRET_KEY, and says so as well.
    expect(
      problemsOf({
        ...PRODUCTION,
        SECRET_KEY: shared,
        JWT_SECRET_KEY: shared,
        JWT_ALGORITHM: "RS256",
        JWT_PRIVATE_KEY: rsaKey,
      }),
    ).toContain("JWT_SECRET_KEY must differ from SECRET_KEY");
    expect(loadConfig({ ...PRODUCTION, JWT_SECRET_KEY: `${"k".repeat(40)}x` }).jwt.secretKey).toBe(
      `${"k".repeat(40)}x`,
    );
  });

  it("lets a shared key through outside production", () => {
    const shared = "k".repeat(40);
    expect(loadConfig({ SECRET_KEY: shared, JWT_SECRET_KEY: shared }).jwt.secretKey).toBe(shared);
  });
});
