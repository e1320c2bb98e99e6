// The shape of Gatehouse's configuration: what loadConfig (config.ts) builds from the environment.
import type { UserFieldDeclaration } from "./user-fields.js";
import type { ConfiguredWebhook } from "./webhooks.js";

export type ScalarName = "String" | "Int" | "Float" | "Boolean" | "ID";
type UserQueryAccess = "staff" | "authenticated" | "public";
type ApiStyle = "graphql" | "relay";
export type JwtAlgorithm =
  "HS256" | "HS384" | "HS512" | "RS256" | "RS384" | "RS512" | "ES256" | "ES384" | "ES512" | "EdDSA";

export interface PasswordValidatorSetting {
  name:
    | "UserAttributeSimilarityValidator"
    | "MinimumLengthValidator"
    | "CommonPasswordValidator"
    | "NumericPasswordValidator";
  options: Record<string, unknown>;
}

export type MailTransportConfig =
  | { kind: "console" }
  | {
      kind: "smtp";
      host: string;
      port: number;
      user: string | undefined;
      password: string | undefined;
      useTls: boolean;
      useSsl: boolean;
    };

export type TraceSamplerName =
  | "always_on"
  | "always_off"
  | "traceidratio"
  | "parentbased_always_on"
  | "parentbased_always_off"
  | "parentbased_traceidratio";

/** The OTEL_* settings (config/tracing.ts), handed to the SDK as explicit values. */
export interface TracingConfig {
  /** Where spans are POSTed as OTLP/HTTP JSON (OTEL_EXPORTER_OTLP_[TRACES_]ENDPOINT). */
  tracesUrl: string;
  /** OTEL_SERVICE_NAME: the `service.name` every span carries. */
  serviceName: string;
  /** OTEL_EXPORTER_OTLP_HEADERS: sent with every export (a collector's credentials). */
  headers: Record<string, string>;
  timeoutMillis: number;
  compression: "none" | "gzip";
  /** OTEL_RESOURCE_ATTRIBUTES: added to every span's resource (service.name excepted). */
  resourceAttributes: Record<string, string>;
  /** OTEL_TRACES_SAMPLER; `ratio` (OTEL_TRACES_SAMPLER_ARG) for the traceidratio ones. */
  sampler: { name: TraceSamplerName; ratio?: number };
  /** OTEL_BSP_*: the batch span processor's queue. */
  batch: {
    scheduledDelayMillis: number;
    exportTimeoutMillis: number;
    maxQueueSize: number;
    maxExportBatchSize: number;
  };
}

/** SPEC §11.4 RATE_LIMITS: the counters a request may be charged to. */
export type RateLimitRuleName =
  "signInPerIdentifier" | "signInPerIp" | "emailPerAddress" | "emailPerIp" | "tokenPerIp";

/** At most `limit` attempts in each fixed window of `windowSeconds`. */
export interface RateLimitRule {
  limit: number;
  windowSeconds: number;
}

export type EmailKind =
  | "activation"
  | "activationResend"
  | "secondaryEmailActivation"
  | "passwordReset"
  | "passwordSet"
  | "signIn";

export interface Config {
  environment: "development" | "production" | "test";
  debug: boolean;
  compatMode: boolean;
  http: {
    /** Server processes sharing the port (`gatehouse serve --workers`), WORKERS resolved. */
    workers: number;
    host: string;
    port: number;
    bodyLimitBytes: number;
    allowedHosts: string[];
    corsAllowedOrigins: string[];
    graphiql: boolean;
    trustProxy: boolean;
  };
  // --- HTTP and GraphQL hardening (limits, timeouts, security headers) ---
  /** Limits every GraphQL document must pass (src/graphql/limits.ts). */
  graphqlLimits: {
    maxDepth: number;
    maxAliases: number;
    maxDirectives: number;
    maxTokens: number;
    maxCost: number;
    /**
     * GRAPHQL_MAX_COST unset: maxCost is 50 × RELAY_CONNECTION_MAX_LIMIT, raised where needed so
     * GraphiQL's introspection query fits (limits.ts).
     */
    maxCostIsDerived: boolean;
    introspection: boolean;
  };
  /** Node's server limits and the HSTS header (src/http/). */
  httpHardening: {
    headerLimitBytes: number;
    requestTimeoutSeconds: number;
    connectionTimeoutSeconds: number;
    keepAliveTimeoutSeconds: number;
    hstsMaxAgeSeconds: number;
  };
  // --- end of HTTP and GraphQL hardening ---
  database: {
    url: string;
    kind: "sqlite" | "postgres";
    migrateOnStart: boolean;
    /** "transaction": behind a transaction-mode pooler, so no state may outlive a transaction. */
    pooler: "none" | "transaction";
    /** Connections this process opens at most (PostgreSQL). */
    poolSize: number;
    connectTimeoutSeconds: number;
    /** Server-side statement_timeout of direct connections; 0 when a pooler sits between. */
    statementTimeoutSeconds: number;
  };
  secretKey: string;
  site: { domain: string | undefined; name: string | undefined };
  accounts: {
    /** Django's USERNAME_FIELD: the natural key tokens name and sign-in looks up. */
    usernameField: string;
    emailField: string;
    loginAllowedFields: string[];
    allowLoginNotVerified: boolean;
    allowLoginWithSecondaryEmail: boolean;
    /** ALLOW_EMAIL_SIGN_IN: sendSignInEmail and signInWithEmailToken are in the schema. */
    allowEmailSignIn: boolean;
    allowDeleteAccount: boolean;
    allowPasswordlessRegistration: boolean;
    sendActivationEmail: boolean;
    sendPasswordSetEmail: boolean;
    registerMutationFields: Record<string, ScalarName>;
    registerMutationFieldsOptional: Record<string, ScalarName>;
    updateMutationFields: Record<string, ScalarName>;
    userNodeExcludeFields: string[];
    userNodeFilterFields: Record<string, string[]>;
    /** USER_FIELDS: the project's own columns on the user model. */
    userFields: UserFieldDeclaration[];
    /** ADMIN_USER_LIST_FIELDS: the admin user list's columns, built-in or declared fields. */
    adminUserListFields: string[];
    preventUserEnumeration: boolean;
    userQueryAccess: UserQueryAccess;
    apiStyle: ApiStyle;
    relayConnectionMaxLimit: number;
    passwordValidators: PasswordValidatorSetting[];
  };
  actionTokens: {
    activationTtlSeconds: number;
    passwordResetTtlSeconds: number;
    secondaryEmailTtlSeconds: number;
    passwordSetTtlSeconds: number;
    signInTtlSeconds: number;
    /** Accept tokens minted without the `fp` state binding (Django links), SPEC §7.3. */
    acceptUnboundTokens: boolean;
  };
  jwt: {
    /** The claim that names the user: USERNAME_FIELD, as django-graphql-jwt's payload has it. */
    usernameClaim: string;
    algorithm: JwtAlgorithm;
    secretKey: string;
    /** JWT_PRIVATE_KEY as PKCS #8 PEM (a JWK is converted); unset: keys are stored and rotated. */
    privateKey: string | undefined;
    /** JWT_PUBLIC_KEY as SPKI PEM. */
    publicKey: string | undefined;
    /** The kid of a JWT_PRIVATE_KEY given as a JWK. */
    keyId: string | undefined;
    verifyExpiration: boolean;
    leewaySeconds: number;
    audience: string | undefined;
    issuer: string | undefined;
    expirationDeltaSeconds: number;
    allowRefresh: boolean;
    refreshExpirationDeltaSeconds: number;
    longRunningRefreshToken: boolean;
    refreshTokenBytes: number;
    reuseRefreshTokens: boolean;
    authHeaderPrefix: string;
    cookieAuth: boolean;
    cookieName: string;
    refreshTokenCookieName: string;
    cookieSecure: boolean;
    cookiePath: string;
    cookieDomain: string | undefined;
    cookieSameSite: "Lax" | "Strict" | "None";
  };
  mail: {
    from: string;
    transport: MailTransportConfig;
    asyncTask: boolean;
    templateDir: string | undefined;
    subjectTemplates: Record<EmailKind, string>;
    bodyTemplates: Record<EmailKind, string>;
    paths: Record<EmailKind, string>;
    templateVariables: Record<string, unknown>;
    maxDeliveryAttempts: number;
  };
  passwordHashing: {
    memoryCostKiB: number;
    timeCost: number;
    parallelism: number;
    maxConcurrentHashes: number;
  };
  rateLimits: {
    enabled: boolean;
    rules: Record<RateLimitRuleName, RateLimitRule>;
  };
  secondFactor: {
    /** TOTP_ISSUER: the name authenticator apps list the account under. */
    totpIssuer: string;
    /** TOTP_ENCRYPTION_KEY, else SECRET_KEY: what the TOTP secrets' key is derived from (HKDF). */
    encryptionKey: string;
  };
  /** Passkeys (WebAuthn); undefined while WEBAUTHN_RP_ID is unset, when the schema has none. */
  passkeys:
    | {
        /** WEBAUTHN_RP_ID: the domain passkeys are bound to. */
        relyingPartyId: string;
        /** WEBAUTHN_RP_NAME: what the browser's passkey prompt names the service. */
        relyingPartyName: string;
        /** WEBAUTHN_ORIGINS: the pages allowed to run the ceremonies. */
        origins: string[];
      }
    | undefined;
  webhooks: {
    /** WEBHOOKS: subscriptions the setting owns (the admin adds others). */
    configured: ConfiguredWebhook[];
    /** WEBHOOK_MAX_ATTEMPTS: after this many failed attempts a delivery is marked failed. */
    maxAttempts: number;
    /** WEBHOOK_RETRY_BASE_SECONDS: the first retry's delay; each next one doubles it. */
    retryBaseSeconds: number;
    /** WEBHOOK_RETRY_MAX_SECONDS: no delay between attempts grows beyond this. */
    retryMaxSeconds: number;
    /** WEBHOOK_TIMEOUT_SECONDS: how long a receiver has to answer one attempt. */
    timeoutSeconds: number;
    /**
     * WEBHOOK_ALLOWED_NETWORKS: where deliveries may connect — `*`, `external`, `private`,
     * `loopback` and CIDR blocks (config/webhook-networks.ts).
     */
    allowedNetworks: string[];
  };
  /** RATE_LIMIT_LOOPBACK_EXEMPT: requests from a loopback address skip the per-IP rules. */
  rateLimitLoopbackExempt: boolean;
  /** Where rate-limit counters are shared; unset: the database. */
  redisUrl: string | undefined;
  /** Prefixes every Redis key, so deployments (or test runs) can share one Redis. */
  redisKeyPrefix: string;
  logLevel: string;
  /** LOG_FORMAT: "auto" writes readable lines to a terminal and JSON lines anywhere else. */
  logFormat: "auto" | "pretty" | "json";
  /** OpenTelemetry traces; undefined (off) while no OTLP endpoint is set. */
  tracing: TracingConfig | undefined;
  /** GET /metrics (METRICS_ENABLED); `token` (METRICS_TOKEN), when set, is asked as a Bearer token. */
  metrics: { enabled: boolean; token: string | undefined };
}
