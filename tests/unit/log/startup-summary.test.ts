import { describe, expect, it } from "vitest";
import { loadConfig, type Environment } from "../../../src/config/config.js";
import {
  databaseLocation,
  hardeningOff,
  startupSummary,
} from "../../../src/log/startup-summary.js";

const PRODUCTION: Environment = {
  NODE_ENV: "production",
  SECRET_KEY: "s".repeat(40),
  JWT_SECRET_KEY: "j".repeat(40),
};

describe("startupSummary", () => {
  it("says where the server listens and where its pages are", () => {
    const summary = startupSummary(loadConfig({ NODE_ENV: "test" }), {
      address: "http://127.0.0.1:4000",
    });
    expect(summary.message).toBe("Gatehouse listening on http://127.0.0.1:4000");
    expect(summary.fields).toMatchObject({
      environment: "test",
      mail: "console (mails are printed here)",
      graphql: "http://127.0.0.1:4000/graphql",
      graphiql: "http://127.0.0.1:4000/graphql",
      admin: "http://127.0.0.1:4000/admin/",
      traces: "off",
      metrics: "off",
      webhooks:
        "0 in WEBHOOKS, more in the admin; delivered to external,private,loopback addresses",
      hardeningOff: [],
    });
    expect(summary.fields.database).toMatch(/^SQLite \/.*\/data\/gatehouse\.sqlite$/);
  });

  it("names where traces go and the service they are sent as", () => {
    const config = loadConfig({
      NODE_ENV: "test",
      OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318",
      OTEL_SERVICE_NAME: "accounts",
    });
    const summary = startupSummary(config, { address: "http://127.0.0.1:4000" });
    expect(summary.fields.traces).toBe("OTLP http://collector:4318/v1/traces as accounts");
    const sampled = loadConfig({
      NODE_ENV: "test",
      OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318",
      OTEL_TRACES_SAMPLER: "parentbased_traceidratio",
      OTEL_TRACES_SAMPLER_ARG: "0.1",
    });
    expect(startupSummary(sampled, { address: "http://127.0.0.1:4000" }).fields.traces).toBe(
      "OTLP http://collector:4318/v1/traces as gatehouse, sampler parentbased_traceidratio 0.1",
    );
  });

  it("says where metrics are scraped, how many webhooks the setting declares and where they go", () => {
    const config = loadConfig({
      NODE_ENV: "test",
      WEBHOOK_ALLOWED_NETWORKS: "external,10.20.0.0/16",
      METRICS_ENABLED: "true",
      METRICS_TOKEN: "a-metrics-token-that-is-long-enough-0123",
      WEBHOOKS: JSON.stringify([
        {
          name: "crm",
          url: "https://crm.example.com/in",
          secret: `whsec_${Buffer.alloc(32, 1).toString("base64")}`,
        },
      ]),
    });
    const summary = startupSummary(config, { address: "http://127.0.0.1:4000" });
    expect(summary.fields.metrics).toBe("http://127.0.0.1:4000/metrics (Bearer token)");
    expect(summary.fields.webhooks).toBe(
      "1 in WEBHOOKS, more in the admin; delivered to external,10.20.0.0/16 addresses",
    );
    expect(JSON.stringify(summary)).not.toContain("whsec_");
  });

  it("gives browsable URLs when listening on every interface", () => {
    const summary = startupSummary(loadConfig({ NODE_ENV: "test" }), {
      address: "http://0.0.0.0:4000",
    });
    expect(summary.message).toBe("Gatehouse listening on http://0.0.0.0:4000");
    expect(summary.fields.admin).toBe("http://localhost:4000/admin/");
  });

  it("names the mail server and the .env file, and GraphiQL off in production", () => {
    const config = loadConfig({
      ...PRODUCTION,
      EMAIL_HOST: "smtp.example.com",
      EMAIL_PORT: "587",
      EMAIL_USE_TLS: "true",
      EMAIL_HOST_USER: "mailer",
      EMAIL_HOST_PASSWORD: "mail-password",
    });
    const summary = startupSummary(config, {
      address: "http://127.0.0.1:4000",
      envFile: { path: "/srv/gatehouse/.env", applied: ["EMAIL_HOST", "PORT"], overridden: [] },
    });
    expect(summary.fields).toMatchObject({
      mail: "SMTP smtp.example.com:587 with STARTTLS with a login",
      graphiql: "off",
      envFile: "/srv/gatehouse/.env (2 settings read)",
    });
    expect(JSON.stringify(summary)).not.toContain("mail-password");
  });
});

describe("databaseLocation", () => {
  it("shows a PostgreSQL server and database without user, password or options", () => {
    const config = loadConfig({
      DATABASE_URL: "postgres://gatehouse:hunter2@db.internal:5433/accounts?sslmode=require",
    });
    expect(databaseLocation(config.database)).toBe("PostgreSQL db.internal:5433/accounts");
  });

  it("says when a transaction-mode pooler is in front", () => {
    const config = loadConfig({ DATABASE_URL: "postgres://u:p@pool.internal:6432/accounts" });
    expect(databaseLocation(config.database)).toBe(
      "PostgreSQL pool.internal:6432/accounts, through a transaction-mode pooler",
    );
  });
});

describe("hardeningOff", () => {
  it("lists nothing for the defaults outside development, and production's defaults", () => {
    expect(hardeningOff(loadConfig({ NODE_ENV: "test" }))).toEqual([]);
    expect(hardeningOff(loadConfig(PRODUCTION))).toEqual([]);
  });

  it("names the development default that skips the per-IP limits for this machine", () => {
    expect(hardeningOff(loadConfig({}))).toEqual([
      "RATE_LIMIT_LOOPBACK_EXEMPT=true (no per-IP limits for 127.0.0.1 and ::1)",
    ]);
  });

  it("names every switch that weakens a default", () => {
    const config = loadConfig({
      ...PRODUCTION,
      RATE_LIMITS: "false",
      COMPAT_MODE: "true",
      GRAPHIQL: "true",
      GRAPHQL_INTROSPECTION: "true",
      SECURE_HSTS_SECONDS: "0",
      JWT_COOKIE_AUTH: "true",
      JWT_COOKIE_SECURE: "false",
    });
    expect(hardeningOff(config)).toEqual([
      "RATE_LIMITS=false",
      "COMPAT_MODE=true",
      "PREVENT_USER_ENUMERATION=false",
      "USER_QUERY_ACCESS=public",
      "GRAPHIQL=true in production",
      "GRAPHQL_INTROSPECTION=true in production",
      "SECURE_HSTS_SECONDS=0 in production",
      "JWT_COOKIE_SECURE=false in production",
    ]);
  });
});
