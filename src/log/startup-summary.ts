// The one line the server logs when it starts: where it listens, what it stores in and mails
// through (never a password), where the admin and GraphiQL are, and every hardening switch that
// is off, so a weakened deployment says so where its operator looks first. The full configuration
// (secrets redacted) is logged at debug level.
import { resolve } from "node:path";
import type { Config } from "../config/config.js";
import type { EnvFileOutcome } from "../config/env-file.js";

export interface StartupSummary {
  message: string;
  fields: Record<string, unknown>;
}

/** Where the database is, without credentials or connection options. */
export function databaseLocation(database: Config["database"]): string {
  if (database.kind === "sqlite") {
    const path = database.url.replace(/^sqlite:(\/\/)?/i, "");
    return `SQLite ${path === ":memory:" ? path : resolve(path)}`;
  }
  try {
    const url = new URL(database.url);
    const pooler = database.pooler === "transaction" ? ", through a transaction-mode pooler" : "";
    return `PostgreSQL ${url.hostname}:${url.port || "5432"}${url.pathname}${pooler}`;
  } catch {
    return "PostgreSQL (DATABASE_URL is not a URL)";
  }
}

function mailTransport(mail: Config["mail"]): string {
  const delivery = mail.asyncTask ? ", queued (EMAIL_ASYNC_TASK)" : "";
  if (mail.transport.kind === "console") return `console (mails are printed here)${delivery}`;
  const { host, port, useSsl, useTls, user } = mail.transport;
  const security = useSsl ? " over TLS" : useTls ? " with STARTTLS" : "";
  return `SMTP ${host}:${port}${security}${user === undefined ? "" : " with a login"}${delivery}`;
}

/** The switches that weaken a default, each as the setting that does it. */
export function hardeningOff(config: Config): string[] {
  const isProduction = config.environment === "production";
  const off: string[] = [];
  if (!config.rateLimits.enabled) off.push("RATE_LIMITS=false");
  else if (config.rateLimitLoopbackExempt)
    off.push("RATE_LIMIT_LOOPBACK_EXEMPT=true (no per-IP limits for 127.0.0.1 and ::1)");
  if (config.compatMode) off.push("COMPAT_MODE=true");
  if (!config.accounts.preventUserEnumeration) off.push("PREVENT_USER_ENUMERATION=false");
  if (config.accounts.userQueryAccess === "public") off.push("USER_QUERY_ACCESS=public");
  if (isProduction && config.http.graphiql) off.push("GRAPHIQL=true in production");
  if (isProduction && config.graphqlLimits.introspection)
    off.push("GRAPHQL_INTROSPECTION=true in production");
  if (isProduction && config.httpHardening.hstsMaxAgeSeconds === 0)
    off.push("SECURE_HSTS_SECONDS=0 in production");
  if (isProduction && config.jwt.cookieAuth && !config.jwt.cookieSecure)
    off.push("JWT_COOKIE_SECURE=false in production");
  // Allowed (docs/decisions/0013): scraped on a private network, metrics need no token.
  if (isProduction && config.metrics.enabled && config.metrics.token === undefined)
    off.push("METRICS_ENABLED=true without METRICS_TOKEN in production");
  return off;
}

/** Where spans go, as whom, and the sampler when it is not the default (a share of traces). */
function tracesSummary(tracing: Config["tracing"]): string {
  if (tracing === undefined) return "off";
  const { name, ratio } = tracing.sampler;
  const sampler =
    name === "parentbased_always_on"
      ? ""
      : `, sampler ${name}${ratio === undefined ? "" : ` ${String(ratio)}`}`;
  return `OTLP ${tracing.tracesUrl} as ${tracing.serviceName}${sampler}`;
}

/** `http://0.0.0.0:4000` is where the server listens, not an address a browser can open. */
function browsableBase(address: string): string {
  return address.replace(/^(https?:\/\/)(0\.0\.0\.0|\[::\])(?=:)/, "$1localhost");
}

export function startupSummary(
  config: Config,
  facts: { address: string; envFile?: EnvFileOutcome | undefined },
): StartupSummary {
  const base = browsableBase(facts.address);
  const envFile = facts.envFile;
  return {
    message: `Gatehouse listening on ${facts.address}`,
    fields: {
      environment: config.environment,
      database: databaseLocation(config.database),
      mail: mailTransport(config.mail),
      graphql: `${base}/graphql`,
      graphiql: config.http.graphiql ? `${base}/graphql` : "off",
      admin: `${base}/admin/`,
      traces: tracesSummary(config.tracing),
      metrics: config.metrics.enabled
        ? `${base}/metrics${config.metrics.token === undefined ? "" : " (Bearer token)"}`
        : "off",
      webhooks:
        `${String(config.webhooks.configured.length)} in WEBHOOKS, more in the admin; ` +
        `delivered to ${config.webhooks.allowedNetworks.join(",")} addresses`,
      hardeningOff: hardeningOff(config),
      ...(envFile === undefined
        ? {}
        : { envFile: `${envFile.path} (${envFile.applied.length} settings read)` }),
    },
  };
}
