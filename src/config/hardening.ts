// HTTP and GraphQL hardening: the limits every GraphQL document must pass, Node's server limits
// and timeouts, HSTS, and the secrets production refuses. Defaults are explained in .env.example.
import { DEVELOPMENT_SECRET, type ParsedEnvironment } from "./environment-schema.js";
import type { Config } from "./types.js";

/** Cost allowed per unit of RELAY_CONNECTION_MAX_LIMIT: about two full pages of users. */
const COST_PER_PAGE_ITEM = 50;
const ONE_YEAR_SECONDS = 365 * 86_400;

export function hardeningConfig(
  e: ParsedEnvironment,
): Pick<Config, "graphqlLimits" | "httpHardening"> {
  const isProduction = e.NODE_ENV === "production";
  return {
    graphqlLimits: {
      maxDepth: e.GRAPHQL_MAX_DEPTH,
      maxAliases: e.GRAPHQL_MAX_ALIASES,
      maxDirectives: e.GRAPHQL_MAX_DIRECTIVES,
      maxTokens: e.GRAPHQL_MAX_TOKENS,
      maxCost: e.GRAPHQL_MAX_COST ?? COST_PER_PAGE_ITEM * e.RELAY_CONNECTION_MAX_LIMIT,
      maxCostIsDerived: e.GRAPHQL_MAX_COST === undefined,
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

/**
 * The loopback exemption is for a developer's machine. In production it would exempt whatever
 * reaches the server through a local proxy or tunnel; with TRUST_PROXY the client address comes
 * from X-Forwarded-For, which a client can set to 127.0.0.1 when the proxy appends to it.
 */
export function rateLimitProblems(e: ParsedEnvironment): string[] {
  if (e.RATE_LIMIT_LOOPBACK_EXEMPT !== true) return [];
  const problems: string[] = [];
  if (e.NODE_ENV === "production")
    problems.push("RATE_LIMIT_LOOPBACK_EXEMPT cannot be on in production");
  if (e.TRUST_PROXY)
    problems.push(
      "RATE_LIMIT_LOOPBACK_EXEMPT cannot be on with TRUST_PROXY (a forwarded address may claim to be 127.0.0.1)",
    );
  return problems;
}

export function hardeningProductionProblems(e: ParsedEnvironment): string[] {
  // The development default is public (it is in the source): refuse it as a production secret.
  const problems: string[] = [];
  if (e.SECRET_KEY === DEVELOPMENT_SECRET) {
    problems.push("SECRET_KEY must not be the development default");
  }
  if (e.JWT_SECRET_KEY === DEVELOPMENT_SECRET) {
    problems.push("JWT_SECRET_KEY must not be the development default");
  }
  // One leaked key must not give away both: SECRET_KEY also signs action links and keys the rate
  // limit HMACs, and a JWT key may have to be shared with a service that verifies tokens.
  if (e.JWT_SECRET_KEY !== undefined && e.JWT_SECRET_KEY === e.SECRET_KEY) {
    problems.push("JWT_SECRET_KEY must differ from SECRET_KEY");
  }
  return problems;
}
