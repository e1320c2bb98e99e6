// The only reader of process.env (through loadConfig's argument). Every setting of SPEC §11 is read
// from the environment variable of the same name; the result is one frozen, nested Config.
import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { buildConfig } from "./build-config.js";
import { environmentSchema, type ParsedEnvironment } from "./environment-schema.js";
import { hardeningProductionProblems, rateLimitProblems } from "./hardening.js";
import { jwtKeyProblems } from "./jwt-keys.js";
import { metricsProblems } from "./metrics-settings.js";
import { modelFieldProblems } from "./model-fields.js";
import { tracingProblems } from "./tracing.js";
import { readUserFields } from "./user-fields.js";
import { createReceiverAddressPolicy, readWebhookNetworks } from "./webhook-networks.js";
import { readConfiguredWebhooks } from "./webhooks.js";
import type { Config } from "./types.js";

export type {
  ScalarName,
  PasswordValidatorSetting,
  MailTransportConfig,
  RateLimitRuleName,
  EmailKind,
  JwtAlgorithm,
  TracingConfig,
  Config,
} from "./types.js";

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join("\n  - ")}`);
    this.name = "ConfigError";
  }
}

export type Environment = Record<string, string | undefined>;

/** Every variable loadConfig reads; `.env.example` must list exactly these. */
export const CONFIG_VARIABLES: readonly string[] = Object.keys(environmentSchema.shape);

/** `cpuCount` sizes what defaults to the machine (WORKERS=auto, PASSWORD_HASH_CONCURRENCY). */
export function loadConfig(env: Environment, cpuCount = availableParallelism()): Config {
  const known = Object.fromEntries(
    CONFIG_VARIABLES.filter((name) => env[name] !== undefined).map((name) => [name, env[name]]),
  );
  const parsed = environmentSchema.safeParse(known);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`),
    );
  }
  const userFields = userFieldsSetting(parsed.data);
  const config = buildConfig(parsed.data, cpuCount, userFields.fields);
  const problems = [
    ...userFields.problems,
    ...modelFieldProblems(config),
    ...databaseProblems(config, parsed.data),
    ...rateLimitProblems(parsed.data),
    ...emailSignInProblems(parsed.data, known),
    ...passkeyProblems(config, parsed.data),
    ...jwtKeyProblems(parsed.data),
    ...webhookProblems(config, parsed.data),
    ...tracingProblems(parsed.data, env, CONFIG_VARIABLES),
    ...metricsProblems(config, parsed.data),
    ...productionProblems(config, parsed.data),
  ];
  if (problems.length > 0) throw new ConfigError(problems);
  return deepFreeze(config);
}

function webhookProblems(config: Config, e: ParsedEnvironment): string[] {
  const problems = readConfiguredWebhooks(e.WEBHOOKS, e.NODE_ENV !== "production").problems;
  const networks = readWebhookNetworks(e.WEBHOOK_ALLOWED_NETWORKS, e.NODE_ENV === "production");
  problems.push(...networks.problems);
  if (networks.problems.length === 0) {
    const addresses = createReceiverAddressPolicy(networks.networks);
    config.webhooks.configured.forEach((webhook, index) => {
      const problem = addresses.urlProblem(webhook.url);
      if (problem === undefined) return;
      problems.push(`WEBHOOKS[${String(index)}] (${webhook.name}): url ${problem}`);
    });
  }
  if (e.WEBHOOK_RETRY_MAX_SECONDS < e.WEBHOOK_RETRY_BASE_SECONDS) {
    problems.push(
      `WEBHOOK_RETRY_MAX_SECONDS (${String(e.WEBHOOK_RETRY_MAX_SECONDS)}) is shorter than ` +
        `WEBHOOK_RETRY_BASE_SECONDS (${String(e.WEBHOOK_RETRY_BASE_SECONDS)})`,
    );
  }
  return problems;
}

/** USER_FIELDS, or the file USER_FIELDS_FILE names (a Django model's fields are many lines). */
function userFieldsSetting(e: ParsedEnvironment): ReturnType<typeof readUserFields> {
  if (e.USER_FIELDS !== undefined && e.USER_FIELDS_FILE !== undefined) {
    return {
      fields: [],
      problems: ["USER_FIELDS and USER_FIELDS_FILE: set one of them, not both"],
    };
  }
  let text = e.USER_FIELDS;
  let setting = "USER_FIELDS";
  if (e.USER_FIELDS_FILE !== undefined) {
    setting = `USER_FIELDS_FILE (${e.USER_FIELDS_FILE})`;
    try {
      text = readFileSync(e.USER_FIELDS_FILE, "utf8");
    } catch (error) {
      const reason = (error as { code?: string }).code ?? String(error);
      return { fields: [], problems: [`${setting}: cannot be read (${reason})`] };
    }
  }
  if (text === undefined) return { fields: [], problems: [] };
  const read = readUserFields(text);
  return { ...read, problems: read.problems.map((problem) => `${setting}: ${problem}`) };
}

const POSTGRES_ONLY_SETTINGS = [
  "DATABASE_POOLER",
  "DATABASE_POOL_SIZE",
  "DATABASE_CONNECT_TIMEOUT",
  "DATABASE_STATEMENT_TIMEOUT",
] as const;

function databaseProblems(config: Config, e: ParsedEnvironment): string[] {
  if (config.database.kind === "sqlite") {
    const isInMemory = /^sqlite:(\/\/)?:memory:$/i.test(config.database.url);
    if (isInMemory && config.http.workers > 1) {
      return [
        `WORKERS=${String(config.http.workers)} needs a database every process shares, but ` +
          "DATABASE_URL is an in-memory SQLite database (one per process): use a file or WORKERS=1",
      ];
    }
    return POSTGRES_ONLY_SETTINGS.filter((name) => e[name] !== undefined).map(
      (name) => `${name} applies to PostgreSQL only, but DATABASE_URL is a SQLite file`,
    );
  }
  if (config.database.pooler === "transaction" && e.DATABASE_STATEMENT_TIMEOUT !== undefined) {
    return [
      "DATABASE_STATEMENT_TIMEOUT cannot pass a transaction-mode pooler: set statement_timeout " +
        "on the database role (ALTER ROLE … SET statement_timeout) or the pooler's query_timeout",
    ];
  }
  return [];
}

const EMAIL_SIGN_IN_SETTINGS = [
  "EXPIRATION_SIGN_IN_TOKEN",
  "SIGN_IN_PATH_ON_EMAIL",
  "EMAIL_SUBJECT_SIGN_IN",
  "EMAIL_TEMPLATE_SIGN_IN",
] as const;

/**
 * The sign-in link's settings do nothing while the links are off: a value other than the default
 * is refused rather than ignored. `given` is the environment as set (the parsed one has every
 * default filled in).
 */
function emailSignInProblems(e: ParsedEnvironment, given: Environment): string[] {
  if (e.ALLOW_EMAIL_SIGN_IN) return [];
  const isDefault = (name: (typeof EMAIL_SIGN_IN_SETTINGS)[number]) =>
    e[name] === environmentSchema.shape[name].parse(undefined);
  return EMAIL_SIGN_IN_SETTINGS.filter((name) => given[name] !== undefined && !isDefault(name)).map(
    (name) => `${name} applies to email sign-in links, but ALLOW_EMAIL_SIGN_IN is off`,
  );
}

const DOMAIN_NAME =
  /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;

/**
 * WebAuthn binds a passkey to its relying party id (a domain) and checks the page's origin on
 * every ceremony: the origins must be pages of that domain, over https (http only for
 * localhost, which browsers treat as secure), or the browser or the server would refuse them all.
 */
function passkeyProblems(config: Config, e: ParsedEnvironment): string[] {
  const passkeys = config.passkeys;
  if (passkeys === undefined) {
    return (["WEBAUTHN_RP_NAME", "WEBAUTHN_ORIGINS"] as const)
      .filter((name) => e[name] !== undefined)
      .map((name) => `${name} applies to passkeys, but WEBAUTHN_RP_ID is unset`);
  }
  const rpId = passkeys.relyingPartyId;
  if (!DOMAIN_NAME.test(rpId)) {
    return [`WEBAUTHN_RP_ID must be a domain name in lowercase (e.g. example.com), not "${rpId}"`];
  }
  if (passkeys.origins.length === 0) return ["WEBAUTHN_ORIGINS must name at least one origin"];
  return passkeys.origins.flatMap((origin) => {
    let url: URL;
    try {
      url = new URL(origin);
    } catch {
      return [`WEBAUTHN_ORIGINS: "${origin}" is not an origin (e.g. https://${rpId})`];
    }
    if (url.origin !== origin) {
      return [`WEBAUTHN_ORIGINS: "${origin}" must be an origin only, written ${url.origin}`];
    }
    const isLocal = url.hostname === "localhost";
    if (url.protocol !== "https:" && !(url.protocol === "http:" && isLocal)) {
      return [`WEBAUTHN_ORIGINS: "${origin}" must use https (http only for localhost)`];
    }
    if (url.hostname !== rpId && !url.hostname.endsWith(`.${rpId}`)) {
      return [`WEBAUTHN_ORIGINS: "${origin}" is not on WEBAUTHN_RP_ID ${rpId} or a subdomain`];
    }
    return [];
  });
}

function productionProblems(config: Config, e: ParsedEnvironment): string[] {
  const problems: string[] = [];
  if (config.environment !== "production") return problems;
  if (e.SECRET_KEY === undefined) problems.push("SECRET_KEY is required in production");
  else if (e.SECRET_KEY.length < 32) problems.push("SECRET_KEY must be at least 32 characters");
  if (e.JWT_SECRET_KEY === undefined && config.jwt.algorithm.startsWith("HS")) {
    problems.push("JWT_SECRET_KEY is required in production (keep it apart from SECRET_KEY)");
  } else if (e.JWT_SECRET_KEY !== undefined && e.JWT_SECRET_KEY.length < 32) {
    problems.push("JWT_SECRET_KEY must be at least 32 characters");
  }
  problems.push(...hardeningProductionProblems(e));
  return problems;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/** The configuration as a log line may show it: secrets replaced. */
export function redactedConfig(config: Config): unknown {
  const secret = (value: string | undefined) => (value === undefined ? undefined : "[redacted]");
  return {
    ...config,
    secretKey: "[redacted]",
    secondFactor: { ...config.secondFactor, encryptionKey: "[redacted]" },
    metrics: { ...config.metrics, token: secret(config.metrics.token) },
    tracing: config.tracing && {
      ...config.tracing,
      headers: Object.fromEntries(
        Object.keys(config.tracing.headers).map((n) => [n, "[redacted]"]),
      ),
    },
    redisUrl: config.redisUrl?.replace(/\/\/[^@/]*@/, "//[redacted]@"),
    database: {
      ...config.database,
      url: config.database.url.replace(/\/\/[^@/]*@/, "//[redacted]@"),
    },
    jwt: {
      ...config.jwt,
      secretKey: "[redacted]",
      privateKey: secret(config.jwt.privateKey),
    },
    mail: {
      ...config.mail,
      transport:
        config.mail.transport.kind === "smtp"
          ? { ...config.mail.transport, password: secret(config.mail.transport.password) }
          : config.mail.transport,
    },
    webhooks: {
      ...config.webhooks,
      configured: config.webhooks.configured.map((webhook) => ({
        ...webhook,
        secret: "[redacted]",
      })),
    },
  };
}
