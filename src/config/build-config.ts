// Turns the parsed environment into the nested Config, one builder per section. Settings that
// depend on others (NODE_ENV, COMPAT_MODE, SECRET_KEY, the CPU count) get their defaults here.
import { configuredJwtKeys } from "./jwt-keys.js";
import type { UserFieldDeclaration } from "./user-fields.js";
import { DEVELOPMENT_SECRET, type ParsedEnvironment } from "./environment-schema.js";
import { hardeningConfig } from "./hardening.js";
import { readWebhookNetworks } from "./webhook-networks.js";
import { readConfiguredWebhooks } from "./webhooks.js";
import { tracingConfig } from "./tracing.js";
import type { Config, EmailKind } from "./types.js";

export function buildConfig(
  e: ParsedEnvironment,
  cpuCount: number,
  userFields: UserFieldDeclaration[] = [],
): Config {
  const isDevelopment = e.NODE_ENV !== "production";
  const secretKey = e.SECRET_KEY ?? (isDevelopment ? DEVELOPMENT_SECRET : "");
  return {
    environment: e.NODE_ENV,
    debug: e.DEBUG,
    compatMode: e.COMPAT_MODE,
    http: httpConfig(e, cpuCount),
    ...hardeningConfig(e),
    database: databaseConfig(e),
    secretKey,
    site: { domain: e.SITE_DOMAIN, name: e.SITE_NAME },
    accounts: accountsConfig(e, userFields),
    actionTokens: actionTokensConfig(e),
    jwt: jwtConfig(e, secretKey),
    mail: mailConfig(e),
    passwordHashing: passwordHashingConfig(e, cpuCount),
    rateLimits: rateLimitsConfig(e),
    // A developer's own machine sends every request from 127.0.0.1: without this, ten mails an
    // hour lock them out. Never behind a proxy, where every client would look local.
    rateLimitLoopbackExempt:
      e.RATE_LIMIT_LOOPBACK_EXEMPT ?? (e.NODE_ENV === "development" && !e.TRUST_PROXY),
    secondFactor: {
      totpIssuer: e.TOTP_ISSUER,
      encryptionKey: e.TOTP_ENCRYPTION_KEY ?? secretKey,
    },
    passkeys: passkeysConfig(e),
    webhooks: {
      configured: readConfiguredWebhooks(e.WEBHOOKS, e.NODE_ENV !== "production").webhooks,
      maxAttempts: e.WEBHOOK_MAX_ATTEMPTS,
      retryBaseSeconds: e.WEBHOOK_RETRY_BASE_SECONDS,
      retryMaxSeconds: e.WEBHOOK_RETRY_MAX_SECONDS,
      timeoutSeconds: e.WEBHOOK_TIMEOUT_SECONDS,
      allowedNetworks: readWebhookNetworks(e.WEBHOOK_ALLOWED_NETWORKS, e.NODE_ENV === "production")
        .networks,
    },
    redisUrl: e.REDIS_URL,
    redisKeyPrefix: e.REDIS_KEY_PREFIX,
    logLevel: e.LOG_LEVEL,
    logFormat: e.LOG_FORMAT,
    tracing: tracingConfig(e),
    metrics: { enabled: e.METRICS_ENABLED, token: e.METRICS_TOKEN },
  };
}

function passkeysConfig(e: ParsedEnvironment): Config["passkeys"] {
  if (e.WEBAUTHN_RP_ID === undefined) return undefined;
  return {
    relyingPartyId: e.WEBAUTHN_RP_ID,
    relyingPartyName: e.WEBAUTHN_RP_NAME ?? e.SITE_NAME ?? "Gatehouse",
    origins: (e.WEBAUTHN_ORIGINS ?? `https://${e.WEBAUTHN_RP_ID}`)
      .split(",")
      .map((origin) => origin.trim())
      .filter((origin) => origin !== ""),
  };
}

function httpConfig(e: ParsedEnvironment, cpuCount: number): Config["http"] {
  // One process per core in production; one in development, where a debugger or `tsx watch`
  // expects a single process.
  const workers = e.WORKERS ?? (e.NODE_ENV === "production" ? "auto" : 1);
  return {
    workers: workers === "auto" ? Math.max(1, cpuCount) : workers,
    host: e.HOST,
    port: e.PORT,
    bodyLimitBytes: e.BODY_LIMIT_BYTES,
    allowedHosts: e.ALLOWED_HOSTS,
    corsAllowedOrigins: e.CORS_ALLOWED_ORIGINS,
    // A browser IDE carrying the admin's CSRF token is a development tool: production opts in.
    graphiql: e.GRAPHIQL ?? e.NODE_ENV !== "production",
    trustProxy: e.TRUST_PROXY,
  };
}

function databaseConfig(e: ParsedEnvironment): Config["database"] {
  const { url, isPgbouncerUrl } = withoutPoolerHint(e.DATABASE_URL);
  const pooler =
    e.DATABASE_POOLER === "auto" || e.DATABASE_POOLER === undefined
      ? isPgbouncerUrl
        ? "transaction"
        : "none"
      : e.DATABASE_POOLER;
  return {
    url,
    kind: /^postgres(ql)?:/i.test(e.DATABASE_URL) ? "postgres" : "sqlite",
    migrateOnStart: e.MIGRATE_ON_START,
    pooler,
    poolSize: e.DATABASE_POOL_SIZE ?? 10,
    connectTimeoutSeconds: e.DATABASE_CONNECT_TIMEOUT ?? 5,
    // A pooler does not pass startup parameters on, so the timeout belongs to the database role.
    statementTimeoutSeconds: pooler === "transaction" ? 0 : (e.DATABASE_STATEMENT_TIMEOUT ?? 30),
  };
}

/**
 * PgBouncer listens on 6432 by default, and `pgbouncer=true` is the URL flag other clients
 * (Prisma) read; either marks a pooler whose transaction mode breaks named statements. The flag
 * is ours, not the driver's, so it is removed from the URL.
 */
function withoutPoolerHint(databaseUrl: string): { url: string; isPgbouncerUrl: boolean } {
  if (!/^postgres(ql)?:/i.test(databaseUrl)) return { url: databaseUrl, isPgbouncerUrl: false };
  let parsed: URL;
  try {
    parsed = new URL(databaseUrl);
  } catch {
    return { url: databaseUrl, isPgbouncerUrl: false };
  }
  const hasFlag = parsed.searchParams.get("pgbouncer") === "true";
  if (hasFlag) parsed.searchParams.delete("pgbouncer");
  return {
    url: hasFlag ? parsed.toString() : databaseUrl,
    isPgbouncerUrl: hasFlag || parsed.port === "6432",
  };
}

/**
 * A project that signs in by another field than username (USERNAME_FIELD=email, say) registers
 * and signs in with it by default, and its UserNode hides the username it never chose.
 */
function identityDefaults(e: ParsedEnvironment) {
  const byUsername = e.USERNAME_FIELD === "username";
  return {
    loginAllowedFields: byUsername
      ? ["email", "username"]
      : [...new Set(["email", e.USERNAME_FIELD])],
    registerMutationFields: Object.fromEntries(
      [...new Set(["email", e.USERNAME_FIELD])].map((field) => [field, "String" as const]),
    ),
    userNodeExcludeFields: byUsername
      ? ["password", "is_superuser"]
      : ["password", "is_superuser", "username"],
  };
}

function accountsConfig(
  e: ParsedEnvironment,
  userFields: UserFieldDeclaration[],
): Config["accounts"] {
  const defaults = identityDefaults(e);
  return {
    usernameField: e.USERNAME_FIELD,
    emailField: e.EMAIL_FIELD,
    loginAllowedFields: e.LOGIN_ALLOWED_FIELDS ?? defaults.loginAllowedFields,
    allowLoginNotVerified: e.ALLOW_LOGIN_NOT_VERIFIED,
    allowLoginWithSecondaryEmail: e.ALLOW_LOGIN_WITH_SECONDARY_EMAIL,
    allowEmailSignIn: e.ALLOW_EMAIL_SIGN_IN,
    allowDeleteAccount: e.ALLOW_DELETE_ACCOUNT,
    allowPasswordlessRegistration: e.ALLOW_PASSWORDLESS_REGISTRATION,
    sendActivationEmail: e.SEND_ACTIVATION_EMAIL,
    sendPasswordSetEmail: e.SEND_PASSWORD_SET_EMAIL,
    registerMutationFields: e.REGISTER_MUTATION_FIELDS ?? defaults.registerMutationFields,
    registerMutationFieldsOptional: e.REGISTER_MUTATION_FIELDS_OPTIONAL,
    updateMutationFields: e.UPDATE_MUTATION_FIELDS,
    userNodeExcludeFields: [
      ...new Set(["password", ...(e.USER_NODE_EXCLUDE_FIELDS ?? defaults.userNodeExcludeFields)]),
    ],
    userNodeFilterFields: e.USER_NODE_FILTER_FIELDS,
    userFields,
    adminUserListFields: e.ADMIN_USER_LIST_FIELDS,
    // SPEC §11.4: COMPAT_MODE restores the reference's answers where a client may rely on them.
    preventUserEnumeration: e.PREVENT_USER_ENUMERATION ?? !e.COMPAT_MODE,
    userQueryAccess: e.USER_QUERY_ACCESS ?? (e.COMPAT_MODE ? "public" : "staff"),
    apiStyle: e.GRAPHQL_API_STYLE,
    relayConnectionMaxLimit: e.RELAY_CONNECTION_MAX_LIMIT,
    passwordValidators: e.PASSWORD_VALIDATORS,
  };
}

function actionTokensConfig(e: ParsedEnvironment): Config["actionTokens"] {
  return {
    activationTtlSeconds: e.EXPIRATION_ACTIVATION_TOKEN,
    passwordResetTtlSeconds: e.EXPIRATION_PASSWORD_RESET_TOKEN,
    secondaryEmailTtlSeconds: e.EXPIRATION_SECONDARY_EMAIL_ACTIVATION_TOKEN,
    passwordSetTtlSeconds: e.EXPIRATION_PASSWORD_SET_TOKEN,
    signInTtlSeconds: e.EXPIRATION_SIGN_IN_TOKEN,
    acceptUnboundTokens: e.COMPAT_MODE,
  };
}

function jwtConfig(e: ParsedEnvironment, secretKey: string): Config["jwt"] {
  return {
    usernameClaim: e.USERNAME_FIELD,
    algorithm: e.JWT_ALGORITHM,
    secretKey: e.JWT_SECRET_KEY ?? secretKey,
    ...configuredJwtKeys(e),
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
    cookieSecure: e.JWT_COOKIE_SECURE ?? e.NODE_ENV === "production",
    cookiePath: e.JWT_COOKIE_PATH,
    cookieDomain: e.JWT_COOKIE_DOMAIN,
    cookieSameSite: e.JWT_COOKIE_SAMESITE,
  };
}

function mailConfig(e: ParsedEnvironment): Config["mail"] {
  return {
    from: e.EMAIL_FROM ?? e.DEFAULT_FROM_EMAIL,
    transport: mailTransportConfig(e),
    asyncTask: e.EMAIL_ASYNC_TASK,
    templateDir: e.EMAIL_TEMPLATE_DIR,
    subjectTemplates: emailKinds([
      e.EMAIL_SUBJECT_ACTIVATION,
      e.EMAIL_SUBJECT_ACTIVATION_RESEND,
      e.EMAIL_SUBJECT_SECONDARY_EMAIL_ACTIVATION,
      e.EMAIL_SUBJECT_PASSWORD_RESET,
      e.EMAIL_SUBJECT_PASSWORD_SET,
      e.EMAIL_SUBJECT_SIGN_IN,
    ]),
    bodyTemplates: emailKinds([
      e.EMAIL_TEMPLATE_ACTIVATION,
      e.EMAIL_TEMPLATE_ACTIVATION_RESEND,
      e.EMAIL_TEMPLATE_SECONDARY_EMAIL_ACTIVATION,
      e.EMAIL_TEMPLATE_PASSWORD_RESET,
      e.EMAIL_TEMPLATE_PASSWORD_SET,
      e.EMAIL_TEMPLATE_SIGN_IN,
    ]),
    paths: emailKinds([
      e.ACTIVATION_PATH_ON_EMAIL,
      e.ACTIVATION_PATH_ON_EMAIL,
      e.ACTIVATION_SECONDARY_EMAIL_PATH_ON_EMAIL,
      e.PASSWORD_RESET_PATH_ON_EMAIL,
      e.PASSWORD_SET_PATH_ON_EMAIL,
      e.SIGN_IN_PATH_ON_EMAIL,
    ]),
    templateVariables: e.EMAIL_TEMPLATE_VARIABLES,
    maxDeliveryAttempts: e.EMAIL_MAX_DELIVERY_ATTEMPTS,
  };
}

function mailTransportConfig(e: ParsedEnvironment): Config["mail"]["transport"] {
  if (e.EMAIL_HOST === undefined) return { kind: "console" };
  return {
    kind: "smtp",
    host: e.EMAIL_HOST,
    port: e.EMAIL_PORT,
    user: e.EMAIL_HOST_USER,
    password: e.EMAIL_HOST_PASSWORD,
    useTls: e.EMAIL_USE_TLS,
    useSsl: e.EMAIL_USE_SSL,
  };
}

function emailKinds(
  values: [string, string, string, string, string, string],
): Record<EmailKind, string> {
  return {
    activation: values[0],
    activationResend: values[1],
    secondaryEmailActivation: values[2],
    passwordReset: values[3],
    passwordSet: values[4],
    signIn: values[5],
  };
}

function passwordHashingConfig(e: ParsedEnvironment, cpuCount: number): Config["passwordHashing"] {
  return {
    memoryCostKiB: e.PASSWORD_HASH_MEMORY_KIB,
    timeCost: e.PASSWORD_HASH_TIME_COST,
    parallelism: e.PASSWORD_HASH_PARALLELISM,
    // Hashing shares libuv's pool with file and DNS work; keep it to the cores (STACK.md).
    maxConcurrentHashes: e.PASSWORD_HASH_CONCURRENCY ?? Math.max(1, cpuCount),
  };
}

function rateLimitsConfig(e: ParsedEnvironment): Config["rateLimits"] {
  return {
    enabled: e.RATE_LIMITS,
    rules: {
      signInPerIdentifier: e.RATE_LIMIT_LOGIN_PER_IDENTIFIER,
      signInPerIp: e.RATE_LIMIT_LOGIN_PER_IP,
      emailPerAddress: e.RATE_LIMIT_EMAIL_PER_ADDRESS,
      emailPerIp: e.RATE_LIMIT_EMAIL_PER_IP,
      tokenPerIp: e.RATE_LIMIT_TOKEN_MUTATIONS_PER_IP,
    },
  };
}
