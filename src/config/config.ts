// The only reader of process.env (through loadConfig's argument). Every setting of SPEC §11 is read
// from the environment variable of the same name; the result is one frozen, nested Config.
import { z } from "zod";
import {
  bool,
  integer,
  duration,
  rateLimitRule,
  stringList,
  fieldMap,
  jsonObject,
  filterFields,
  validatorList,
  DEFAULT_VALIDATORS,
  DEFAULT_FILTER_FIELDS,
  optionalText,
} from "./env-values.js";
import type { EmailKind, Config } from "./types.js";

export type {
  ScalarName,
  UserQueryAccess,
  ApiStyle,
  JwtAlgorithm,
  PasswordValidatorSetting,
  MailTransportConfig,
  RateLimitRuleName,
  RateLimitRule,
  EmailKind,
  Config,
} from "./types.js";

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join("\n  - ")}`);
    this.name = "ConfigError";
  }
}

export type Environment = Record<string, string | undefined>;

const DEVELOPMENT_SECRET = "gatehouse-development-secret-key-change-me";

const environmentSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  DEBUG: bool.default(false),
  COMPAT_MODE: bool.default(false),
  HOST: z.string().default("127.0.0.1"),
  PORT: integer.min(0).max(65_535).default(4000),
  BODY_LIMIT_BYTES: integer.min(1024).default(102_400),
  ALLOWED_HOSTS: stringList.default([]),
  CORS_ALLOWED_ORIGINS: stringList.default([]),
  GRAPHIQL: bool.default(true),
  TRUST_PROXY: bool.default(false),
  // --- HTTP and GraphQL hardening (defaults explained in .env.example) ---
  GRAPHQL_MAX_DEPTH: integer.min(1).default(16),
  GRAPHQL_MAX_ALIASES: integer.min(0).default(15),
  GRAPHQL_MAX_DIRECTIVES: integer.min(0).default(50),
  GRAPHQL_MAX_TOKENS: integer.min(100).default(2000),
  GRAPHQL_MAX_COST: integer.min(1).optional(),
  GRAPHQL_INTROSPECTION: bool.optional(),
  HEADER_LIMIT_BYTES: integer.min(1024).default(16_384),
  REQUEST_TIMEOUT: duration.default(30),
  CONNECTION_TIMEOUT: duration.default(60),
  KEEP_ALIVE_TIMEOUT: duration.default(72),
  SECURE_HSTS_SECONDS: integer.min(0).optional(),
  // --- end of HTTP and GraphQL hardening ---
  DATABASE_URL: z.string().default("sqlite:./data/gatehouse.sqlite"),
  MIGRATE_ON_START: bool.default(true),
  SECRET_KEY: optionalText,
  SITE_DOMAIN: optionalText,
  SITE_NAME: optionalText,

  LOGIN_ALLOWED_FIELDS: stringList.default(["email", "username"]),
  ALLOW_LOGIN_NOT_VERIFIED: bool.default(true),
  ALLOW_LOGIN_WITH_SECONDARY_EMAIL: bool.default(true),
  ALLOW_DELETE_ACCOUNT: bool.default(false),
  ALLOW_PASSWORDLESS_REGISTRATION: bool.default(false),
  SEND_ACTIVATION_EMAIL: bool.default(true),
  SEND_PASSWORD_SET_EMAIL: bool.default(false),
  REGISTER_MUTATION_FIELDS: fieldMap.default({ email: "String", username: "String" }),
  REGISTER_MUTATION_FIELDS_OPTIONAL: fieldMap.default({}),
  UPDATE_MUTATION_FIELDS: fieldMap.default({ first_name: "String", last_name: "String" }),
  USER_NODE_EXCLUDE_FIELDS: stringList.default(["password", "is_superuser"]),
  USER_NODE_FILTER_FIELDS: z.string().default(DEFAULT_FILTER_FIELDS).pipe(filterFields),
  PREVENT_USER_ENUMERATION: bool.optional(),
  USER_QUERY_ACCESS: z.enum(["staff", "authenticated", "public"]).optional(),
  GRAPHQL_API_STYLE: z.enum(["graphql", "relay"]).default("graphql"),
  RELAY_CONNECTION_MAX_LIMIT: integer.min(1).default(100),
  PASSWORD_VALIDATORS: z.string().default(DEFAULT_VALIDATORS).pipe(validatorList),

  EXPIRATION_ACTIVATION_TOKEN: duration.default(7 * 86_400),
  EXPIRATION_PASSWORD_RESET_TOKEN: duration.default(3600),
  EXPIRATION_SECONDARY_EMAIL_ACTIVATION_TOKEN: duration.default(3600),
  EXPIRATION_PASSWORD_SET_TOKEN: duration.default(3600),

  JWT_ALGORITHM: z
    .enum(["HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "ES256", "ES384", "ES512"])
    .default("HS256"),
  JWT_SECRET_KEY: optionalText,
  JWT_PRIVATE_KEY: optionalText,
  JWT_PUBLIC_KEY: optionalText,
  JWT_VERIFY_EXPIRATION: bool.default(true),
  JWT_LEEWAY: integer.min(0).default(0),
  JWT_AUDIENCE: optionalText,
  JWT_ISSUER: optionalText,
  JWT_EXPIRATION_DELTA: duration.default(300),
  JWT_ALLOW_REFRESH: bool.default(true),
  JWT_REFRESH_EXPIRATION_DELTA: duration.default(7 * 86_400),
  JWT_LONG_RUNNING_REFRESH_TOKEN: bool.default(true),
  JWT_REFRESH_TOKEN_N_BYTES: integer.min(16).max(64).default(20),
  JWT_REUSE_REFRESH_TOKENS: bool.default(false),
  JWT_AUTH_HEADER_PREFIX: z.string().default("JWT"),
  JWT_COOKIE_AUTH: bool.default(false),
  JWT_COOKIE_NAME: z.string().default("JWT"),
  JWT_REFRESH_TOKEN_COOKIE_NAME: z.string().default("JWT-refresh-token"),
  JWT_COOKIE_SECURE: bool.optional(),
  JWT_COOKIE_PATH: z.string().default("/"),
  JWT_COOKIE_DOMAIN: optionalText,
  JWT_COOKIE_SAMESITE: z.enum(["Lax", "Strict", "None"]).default("Lax"),

  DEFAULT_FROM_EMAIL: z.string().default("webmaster@localhost"),
  EMAIL_FROM: optionalText,
  EMAIL_HOST: optionalText,
  EMAIL_PORT: integer.min(1).max(65_535).default(25),
  EMAIL_HOST_USER: optionalText,
  EMAIL_HOST_PASSWORD: optionalText,
  EMAIL_USE_TLS: bool.default(false),
  EMAIL_USE_SSL: bool.default(false),
  EMAIL_ASYNC_TASK: bool.default(false),
  EMAIL_TEMPLATE_DIR: optionalText,
  EMAIL_SUBJECT_ACTIVATION: z.string().default("email/activation_subject.txt"),
  EMAIL_SUBJECT_ACTIVATION_RESEND: z.string().default("email/activation_subject.txt"),
  EMAIL_SUBJECT_SECONDARY_EMAIL_ACTIVATION: z.string().default("email/activation_subject.txt"),
  EMAIL_SUBJECT_PASSWORD_RESET: z.string().default("email/password_reset_subject.txt"),
  EMAIL_SUBJECT_PASSWORD_SET: z.string().default("email/password_set_subject.txt"),
  EMAIL_TEMPLATE_ACTIVATION: z.string().default("email/activation_email.html"),
  EMAIL_TEMPLATE_ACTIVATION_RESEND: z.string().default("email/activation_email.html"),
  EMAIL_TEMPLATE_SECONDARY_EMAIL_ACTIVATION: z.string().default("email/activation_email.html"),
  EMAIL_TEMPLATE_PASSWORD_RESET: z.string().default("email/password_reset_email.html"),
  EMAIL_TEMPLATE_PASSWORD_SET: z.string().default("email/password_set_email.html"),
  ACTIVATION_PATH_ON_EMAIL: z.string().default("activate"),
  ACTIVATION_SECONDARY_EMAIL_PATH_ON_EMAIL: z.string().default("activate"),
  PASSWORD_RESET_PATH_ON_EMAIL: z.string().default("password-reset"),
  PASSWORD_SET_PATH_ON_EMAIL: z.string().default("password-set"),
  EMAIL_TEMPLATE_VARIABLES: z.string().default("{}").pipe(jsonObject),
  EMAIL_MAX_DELIVERY_ATTEMPTS: integer.min(1).default(8),

  PASSWORD_HASH_MEMORY_KIB: integer.min(1024).default(19_456),
  PASSWORD_HASH_TIME_COST: integer.min(1).default(2),
  PASSWORD_HASH_PARALLELISM: integer.min(1).default(1),
  PASSWORD_HASH_CONCURRENCY: integer.min(1).optional(),

  RATE_LIMITS: bool.default(true),
  RATE_LIMIT_LOGIN_PER_IDENTIFIER: z.string().default("5/1m").pipe(rateLimitRule),
  RATE_LIMIT_LOGIN_PER_IP: z.string().default("20/1m").pipe(rateLimitRule),
  RATE_LIMIT_EMAIL_PER_ADDRESS: z.string().default("3/1h").pipe(rateLimitRule),
  RATE_LIMIT_EMAIL_PER_IP: z.string().default("10/1h").pipe(rateLimitRule),
  RATE_LIMIT_TOKEN_MUTATIONS_PER_IP: z.string().default("30/1m").pipe(rateLimitRule),
  REDIS_URL: optionalText,
  REDIS_KEY_PREFIX: z.string().default("gatehouse:"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
});

/** Every variable loadConfig reads; `.env.example` must list exactly these. */
export const CONFIG_VARIABLES: readonly string[] = Object.keys(environmentSchema.shape);

type ParsedEnvironment = z.infer<typeof environmentSchema>;

export function loadConfig(env: Environment, cpuCount = 2): Config {
  const known = Object.fromEntries(
    CONFIG_VARIABLES.filter((name) => env[name] !== undefined).map((name) => [name, env[name]]),
  );
  const parsed = environmentSchema.safeParse(known);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`),
    );
  }
  const config = buildConfig(parsed.data, cpuCount);
  const problems = productionProblems(config, parsed.data);
  if (problems.length > 0) throw new ConfigError(problems);
  return deepFreeze(config);
}

function buildConfig(e: ParsedEnvironment, cpuCount: number): Config {
  const isDevelopment = e.NODE_ENV !== "production";
  const secretKey = e.SECRET_KEY ?? (isDevelopment ? DEVELOPMENT_SECRET : "");
  const emailKinds = (
    values: [string, string, string, string, string],
  ): Record<EmailKind, string> => ({
    activation: values[0],
    activationResend: values[1],
    secondaryEmailActivation: values[2],
    passwordReset: values[3],
    passwordSet: values[4],
  });
  return {
    environment: e.NODE_ENV,
    debug: e.DEBUG,
    compatMode: e.COMPAT_MODE,
    http: {
      host: e.HOST,
      port: e.PORT,
      bodyLimitBytes: e.BODY_LIMIT_BYTES,
      allowedHosts: e.ALLOWED_HOSTS,
      corsAllowedOrigins: e.CORS_ALLOWED_ORIGINS,
      graphiql: e.GRAPHIQL,
      trustProxy: e.TRUST_PROXY,
    },
    ...hardeningConfig(e),
    database: {
      url: e.DATABASE_URL,
      kind: /^postgres(ql)?:/i.test(e.DATABASE_URL) ? "postgres" : "sqlite",
      migrateOnStart: e.MIGRATE_ON_START,
    },
    secretKey,
    site: { domain: e.SITE_DOMAIN, name: e.SITE_NAME },
    accounts: {
      loginAllowedFields: e.LOGIN_ALLOWED_FIELDS,
      allowLoginNotVerified: e.ALLOW_LOGIN_NOT_VERIFIED,
      allowLoginWithSecondaryEmail: e.ALLOW_LOGIN_WITH_SECONDARY_EMAIL,
      allowDeleteAccount: e.ALLOW_DELETE_ACCOUNT,
      allowPasswordlessRegistration: e.ALLOW_PASSWORDLESS_REGISTRATION,
      sendActivationEmail: e.SEND_ACTIVATION_EMAIL,
      sendPasswordSetEmail: e.SEND_PASSWORD_SET_EMAIL,
      registerMutationFields: e.REGISTER_MUTATION_FIELDS,
      registerMutationFieldsOptional: e.REGISTER_MUTATION_FIELDS_OPTIONAL,
      updateMutationFields: e.UPDATE_MUTATION_FIELDS,
      userNodeExcludeFields: [...new Set(["password", ...e.USER_NODE_EXCLUDE_FIELDS])],
      userNodeFilterFields: e.USER_NODE_FILTER_FIELDS,
      // SPEC §11.4: COMPAT_MODE restores the reference's answers where a client may rely on them.
      preventUserEnumeration: e.PREVENT_USER_ENUMERATION ?? !e.COMPAT_MODE,
      userQueryAccess: e.USER_QUERY_ACCESS ?? (e.COMPAT_MODE ? "public" : "staff"),
      apiStyle: e.GRAPHQL_API_STYLE,
      relayConnectionMaxLimit: e.RELAY_CONNECTION_MAX_LIMIT,
      passwordValidators: e.PASSWORD_VALIDATORS,
    },
    actionTokens: {
      activationTtlSeconds: e.EXPIRATION_ACTIVATION_TOKEN,
      passwordResetTtlSeconds: e.EXPIRATION_PASSWORD_RESET_TOKEN,
      secondaryEmailTtlSeconds: e.EXPIRATION_SECONDARY_EMAIL_ACTIVATION_TOKEN,
      passwordSetTtlSeconds: e.EXPIRATION_PASSWORD_SET_TOKEN,
      acceptUnboundTokens: e.COMPAT_MODE,
    },
    jwt: {
      algorithm: e.JWT_ALGORITHM,
      secretKey: e.JWT_SECRET_KEY ?? secretKey,
      privateKey: e.JWT_PRIVATE_KEY,
      publicKey: e.JWT_PUBLIC_KEY,
      verifyExpiration: e.JWT_VERIFY_EXPIRATION,
      leewaySeconds: e.JWT_LEEWAY,
      audience: e.JWT_AUDIENCE,
      issuer: e.JWT_ISSUER,
      expirationDeltaSeconds: e.JWT_EXPIRATION_DELTA,
      allowRefresh: e.JWT_ALLOW_REFRESH,
      refreshExpirationDeltaSeconds: e.JWT_REFRESH_EXPIRATION_DELTA,
      longRunningRefreshToken: e.JWT_LONG_RUNNING_REFRESH_TOKEN,
      refreshTokenBytes: e.JWT_REFRESH_TOKEN_N_BYTES,
      reuseRefreshTokens: e.JWT_REUSE_REFRESH_TOKENS,
      authHeaderPrefix: e.JWT_AUTH_HEADER_PREFIX,
      cookieAuth: e.JWT_COOKIE_AUTH,
      cookieName: e.JWT_COOKIE_NAME,
      refreshTokenCookieName: e.JWT_REFRESH_TOKEN_COOKIE_NAME,
      cookieSecure: e.JWT_COOKIE_SECURE ?? !isDevelopment,
      cookiePath: e.JWT_COOKIE_PATH,
      cookieDomain: e.JWT_COOKIE_DOMAIN,
      cookieSameSite: e.JWT_COOKIE_SAMESITE,
    },
    mail: {
      from: e.EMAIL_FROM ?? e.DEFAULT_FROM_EMAIL,
      transport:
        e.EMAIL_HOST === undefined
          ? { kind: "console" }
          : {
              kind: "smtp",
              host: e.EMAIL_HOST,
              port: e.EMAIL_PORT,
              user: e.EMAIL_HOST_USER,
              password: e.EMAIL_HOST_PASSWORD,
              useTls: e.EMAIL_USE_TLS,
              useSsl: e.EMAIL_USE_SSL,
            },
      asyncTask: e.EMAIL_ASYNC_TASK,
      templateDir: e.EMAIL_TEMPLATE_DIR,
      subjectTemplates: emailKinds([
        e.EMAIL_SUBJECT_ACTIVATION,
        e.EMAIL_SUBJECT_ACTIVATION_RESEND,
        e.EMAIL_SUBJECT_SECONDARY_EMAIL_ACTIVATION,
        e.EMAIL_SUBJECT_PASSWORD_RESET,
        e.EMAIL_SUBJECT_PASSWORD_SET,
      ]),
      bodyTemplates: emailKinds([
        e.EMAIL_TEMPLATE_ACTIVATION,
        e.EMAIL_TEMPLATE_ACTIVATION_RESEND,
        e.EMAIL_TEMPLATE_SECONDARY_EMAIL_ACTIVATION,
        e.EMAIL_TEMPLATE_PASSWORD_RESET,
        e.EMAIL_TEMPLATE_PASSWORD_SET,
      ]),
      paths: emailKinds([
        e.ACTIVATION_PATH_ON_EMAIL,
        e.ACTIVATION_PATH_ON_EMAIL,
        e.ACTIVATION_SECONDARY_EMAIL_PATH_ON_EMAIL,
        e.PASSWORD_RESET_PATH_ON_EMAIL,
        e.PASSWORD_SET_PATH_ON_EMAIL,
      ]),
      templateVariables: e.EMAIL_TEMPLATE_VARIABLES,
      maxDeliveryAttempts: e.EMAIL_MAX_DELIVERY_ATTEMPTS,
    },
    passwordHashing: {
      memoryCostKiB: e.PASSWORD_HASH_MEMORY_KIB,
      timeCost: e.PASSWORD_HASH_TIME_COST,
      parallelism: e.PASSWORD_HASH_PARALLELISM,
      // Hashing shares libuv's pool with file and DNS work; keep it to the cores (STACK.md).
      maxConcurrentHashes: e.PASSWORD_HASH_CONCURRENCY ?? Math.max(1, cpuCount),
    },
    rateLimits: {
      enabled: e.RATE_LIMITS,
      rules: {
        signInPerIdentifier: e.RATE_LIMIT_LOGIN_PER_IDENTIFIER,
        signInPerIp: e.RATE_LIMIT_LOGIN_PER_IP,
        emailPerAddress: e.RATE_LIMIT_EMAIL_PER_ADDRESS,
        emailPerIp: e.RATE_LIMIT_EMAIL_PER_IP,
        tokenPerIp: e.RATE_LIMIT_TOKEN_MUTATIONS_PER_IP,
      },
    },
    redisUrl: e.REDIS_URL,
    redisKeyPrefix: e.REDIS_KEY_PREFIX,
    logLevel: e.LOG_LEVEL,
  };
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

// --- HTTP and GraphQL hardening ---------------------------------------------------------------

/** Cost allowed per unit of RELAY_CONNECTION_MAX_LIMIT: about two full pages of users. */
const COST_PER_PAGE_ITEM = 50;
const ONE_YEAR_SECONDS = 365 * 86_400;

function hardeningConfig(e: ParsedEnvironment): Pick<Config, "graphqlLimits" | "httpHardening"> {
  const isProduction = e.NODE_ENV === "production";
  return {
    graphqlLimits: {
      maxDepth: e.GRAPHQL_MAX_DEPTH,
      maxAliases: e.GRAPHQL_MAX_ALIASES,
      maxDirectives: e.GRAPHQL_MAX_DIRECTIVES,
      maxTokens: e.GRAPHQL_MAX_TOKENS,
      maxCost: e.GRAPHQL_MAX_COST ?? COST_PER_PAGE_ITEM * e.RELAY_CONNECTION_MAX_LIMIT,
      // Off in production unless asked for: the schema is no secret (SPEC §4), but a map of it
      // helps attackers more than users (OWASP GraphQL Cheat Sheet, "Introspection").
      introspection: e.GRAPHQL_INTROSPECTION ?? !isProduction,
    },
    httpHardening: {
      headerLimitBytes: e.HEADER_LIMIT_BYTES,
      requestTimeoutSeconds: e.REQUEST_TIMEOUT,
      connectionTimeoutSeconds: e.CONNECTION_TIMEOUT,
      keepAliveTimeoutSeconds: e.KEEP_ALIVE_TIMEOUT,
      // HSTS pins browsers to https for this long; production only by default (RFC 6797).
      hstsMaxAgeSeconds: e.SECURE_HSTS_SECONDS ?? (isProduction ? ONE_YEAR_SECONDS : 0),
    },
  };
}

function hardeningProductionProblems(e: ParsedEnvironment): string[] {
  // The development default is public (it is in this file): refuse it as a production secret.
  const problems: string[] = [];
  if (e.SECRET_KEY === DEVELOPMENT_SECRET) {
    problems.push("SECRET_KEY must not be the development default");
  }
  if (e.JWT_SECRET_KEY === DEVELOPMENT_SECRET) {
    problems.push("JWT_SECRET_KEY must not be the development default");
  }
  return problems;
}

// --- end of HTTP and GraphQL hardening -----------------------------------------------------------

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
  };
}
