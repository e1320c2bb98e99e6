// The environment variables of SPEC §11 that loadConfig reads: each one's parser and default.
// Adding a setting means adding it here, to .env.example and to a section of build-config.ts.
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
import { TRACE_SAMPLERS, TRACING_DEFAULTS as OTEL } from "./tracing.js";

/** SECRET_KEY outside production when none is set; public, so production refuses it. */
export const DEVELOPMENT_SECRET = "gatehouse-development-secret-key-change-me";

export const environmentSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  DEBUG: bool.default(false),
  COMPAT_MODE: bool.default(false),
  HOST: z.string().default("127.0.0.1"),
  PORT: integer.min(0).max(65_535).default(4000),
  BODY_LIMIT_BYTES: integer.min(1024).default(102_400),
  ALLOWED_HOSTS: stringList.default([]),
  CORS_ALLOWED_ORIGINS: stringList.default([]),
  GRAPHIQL: bool.optional(),
  TRUST_PROXY: bool.default(false),
  // Server processes sharing the port; `auto` is the number of cores. Default in build-config.ts.
  WORKERS: z.union([z.literal("auto"), integer.min(1).max(256)]).optional(),
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
  // PostgreSQL only (refused with SQLite); defaults in build-config.ts.
  DATABASE_POOLER: z.enum(["auto", "none", "transaction"]).optional(),
  DATABASE_POOL_SIZE: integer.min(1).max(1000).optional(),
  DATABASE_CONNECT_TIMEOUT: duration.optional(),
  DATABASE_STATEMENT_TIMEOUT: duration.optional(),
  SECRET_KEY: optionalText,
  SITE_DOMAIN: optionalText,
  SITE_NAME: optionalText,

  // Django's USERNAME_FIELD / EMAIL_FIELD; the defaults of the next settings follow USERNAME_FIELD.
  USERNAME_FIELD: z.string().default("username"),
  EMAIL_FIELD: z.string().default("email"),
  LOGIN_ALLOWED_FIELDS: stringList.optional(),
  ALLOW_LOGIN_NOT_VERIFIED: bool.default(true),
  ALLOW_LOGIN_WITH_SECONDARY_EMAIL: bool.default(true),
  // Ours: one-time sign-in links by email (sendSignInEmail, signInWithEmailToken).
  ALLOW_EMAIL_SIGN_IN: bool.default(false),
  ALLOW_DELETE_ACCOUNT: bool.default(false),
  ALLOW_PASSWORDLESS_REGISTRATION: bool.default(false),
  SEND_ACTIVATION_EMAIL: bool.default(true),
  SEND_PASSWORD_SET_EMAIL: bool.default(false),
  // The project's own user fields, as Django declares them (config/user-fields.ts); one of the two.
  USER_FIELDS: optionalText,
  USER_FIELDS_FILE: optionalText,
  REGISTER_MUTATION_FIELDS: fieldMap.optional(),
  REGISTER_MUTATION_FIELDS_OPTIONAL: fieldMap.default({}),
  UPDATE_MUTATION_FIELDS: fieldMap.default({ first_name: "String", last_name: "String" }),
  USER_NODE_EXCLUDE_FIELDS: stringList.optional(),
  USER_NODE_FILTER_FIELDS: z.string().default(DEFAULT_FILTER_FIELDS).pipe(filterFields),
  // The admin's user list columns (Django's list_display): built-in or declared field names.
  ADMIN_USER_LIST_FIELDS: stringList.default([
    "username",
    "email",
    "first_name",
    "last_name",
    "is_staff",
    "verified",
    "archived",
    "date_joined",
  ]),
  PREVENT_USER_ENUMERATION: bool.optional(),
  USER_QUERY_ACCESS: z.enum(["staff", "authenticated", "public"]).optional(),
  GRAPHQL_API_STYLE: z.enum(["graphql", "relay"]).default("graphql"),
  RELAY_CONNECTION_MAX_LIMIT: integer.min(1).default(100),
  PASSWORD_VALIDATORS: z.string().default(DEFAULT_VALIDATORS).pipe(validatorList),

  EXPIRATION_ACTIVATION_TOKEN: duration.default(7 * 86_400),
  EXPIRATION_PASSWORD_RESET_TOKEN: duration.default(3600),
  EXPIRATION_SECONDARY_EMAIL_ACTIVATION_TOKEN: duration.default(3600),
  EXPIRATION_PASSWORD_SET_TOKEN: duration.default(3600),
  // A sign-in link is a bearer credential in a mailbox: minutes, never days.
  EXPIRATION_SIGN_IN_TOKEN: duration
    .default(900)
    .refine((seconds) => seconds >= 60 && seconds <= 86_400, "must be between 1m and 1d"),

  JWT_ALGORITHM: z
    .enum([
      "HS256",
      "HS384",
      "HS512",
      "RS256",
      "RS384",
      "RS512",
      "ES256",
      "ES384",
      "ES512",
      "EdDSA",
    ])
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
  EMAIL_SUBJECT_SIGN_IN: z.string().default("email/sign_in_subject.txt"),
  EMAIL_TEMPLATE_ACTIVATION: z.string().default("email/activation_email.html"),
  EMAIL_TEMPLATE_ACTIVATION_RESEND: z.string().default("email/activation_email.html"),
  EMAIL_TEMPLATE_SECONDARY_EMAIL_ACTIVATION: z.string().default("email/activation_email.html"),
  EMAIL_TEMPLATE_PASSWORD_RESET: z.string().default("email/password_reset_email.html"),
  EMAIL_TEMPLATE_PASSWORD_SET: z.string().default("email/password_set_email.html"),
  EMAIL_TEMPLATE_SIGN_IN: z.string().default("email/sign_in_email.html"),
  ACTIVATION_PATH_ON_EMAIL: z.string().default("activate"),
  ACTIVATION_SECONDARY_EMAIL_PATH_ON_EMAIL: z.string().default("activate"),
  PASSWORD_RESET_PATH_ON_EMAIL: z.string().default("password-reset"),
  PASSWORD_SET_PATH_ON_EMAIL: z.string().default("password-set"),
  SIGN_IN_PATH_ON_EMAIL: z.string().default("sign-in"),
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
  // Loopback clients skip the per-IP limits; unset: on in development without TRUST_PROXY.
  RATE_LIMIT_LOOPBACK_EXEMPT: bool.optional(),
  REDIS_URL: optionalText,
  // The second factor (accounts/second-factor/): the issuer authenticator apps show, and the key
  // TOTP secrets are encrypted under (unset: derived from SECRET_KEY).
  TOTP_ISSUER: z
    .string()
    .trim()
    .min(1)
    .refine((issuer) => !issuer.includes(":"), "must not contain ':' (it separates the label)")
    .default("Gatehouse"),
  TOTP_ENCRYPTION_KEY: optionalText.refine(
    (key) => key === undefined || key.length >= 32,
    "must be at least 32 characters",
  ),
  // Ours: passkeys (WebAuthn), on when WEBAUTHN_RP_ID names the relying party (config/passkeys.ts).
  WEBAUTHN_RP_ID: optionalText,
  WEBAUTHN_RP_NAME: optionalText,
  WEBAUTHN_ORIGINS: optionalText,
  REDIS_KEY_PREFIX: z.string().default("gatehouse:"),
  // Ours: webhooks (accounts/webhooks/). WEBHOOKS declares subscriptions besides the admin's.
  WEBHOOKS: optionalText,
  WEBHOOK_MAX_ATTEMPTS: integer.min(1).max(100).default(12),
  WEBHOOK_RETRY_BASE_SECONDS: z.coerce.number().positive().default(5),
  WEBHOOK_RETRY_MAX_SECONDS: z.coerce.number().positive().default(3600),
  WEBHOOK_TIMEOUT_SECONDS: z.coerce.number().positive().max(300).default(10),
  // Unset: external in production, external,private,loopback elsewhere (config/webhook-networks.ts).
  WEBHOOK_ALLOWED_NETWORKS: optionalText,
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  // auto: readable lines on a terminal, JSON lines otherwise (src/log/logger.ts).
  LOG_FORMAT: z.enum(["auto", "pretty", "json"]).default("auto"),
  // OpenTelemetry traces, off unless an endpoint is set (config/tracing.ts checks the rest).
  OTEL_SDK_DISABLED: bool.default(false),
  OTEL_EXPORTER_OTLP_ENDPOINT: optionalText,
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: optionalText,
  OTEL_EXPORTER_OTLP_PROTOCOL: z
    .enum([OTEL.OTEL_EXPORTER_OTLP_PROTOCOL], {
      error: "Gatehouse sends OTLP over HTTP as JSON (http/json), which collectors take on 4318",
    })
    .default(OTEL.OTEL_EXPORTER_OTLP_PROTOCOL),
  OTEL_EXPORTER_OTLP_HEADERS: optionalText,
  OTEL_EXPORTER_OTLP_TIMEOUT: integer.min(1).default(OTEL.OTEL_EXPORTER_OTLP_TIMEOUT),
  OTEL_EXPORTER_OTLP_COMPRESSION: z
    .enum(["none", "gzip"])
    .default(OTEL.OTEL_EXPORTER_OTLP_COMPRESSION),
  OTEL_SERVICE_NAME: z.string().trim().min(1).default(OTEL.OTEL_SERVICE_NAME),
  OTEL_RESOURCE_ATTRIBUTES: optionalText,
  OTEL_TRACES_SAMPLER: z.enum(TRACE_SAMPLERS).default(OTEL.OTEL_TRACES_SAMPLER),
  OTEL_TRACES_SAMPLER_ARG: z.coerce.number().min(0).max(1).optional(),
  OTEL_BSP_SCHEDULE_DELAY: integer.min(0).default(OTEL.OTEL_BSP_SCHEDULE_DELAY),
  OTEL_BSP_EXPORT_TIMEOUT: integer.min(1).default(OTEL.OTEL_BSP_EXPORT_TIMEOUT),
  OTEL_BSP_MAX_QUEUE_SIZE: integer.min(1).default(OTEL.OTEL_BSP_MAX_QUEUE_SIZE),
  OTEL_BSP_MAX_EXPORT_BATCH_SIZE: integer.min(1).default(OTEL.OTEL_BSP_MAX_EXPORT_BATCH_SIZE),
  // GET /metrics for Prometheus (src/metrics/); the token, when set, is required to read it.
  METRICS_ENABLED: bool.default(false),
  METRICS_TOKEN: optionalText,
});

export type ParsedEnvironment = z.infer<typeof environmentSchema>;
