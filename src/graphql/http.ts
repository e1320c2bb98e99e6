// GraphQL over HTTP exactly as SPEC §3.1 describes the reference's view: GET and POST on
// /graphql and /graphql/, JSON, application/graphql and form bodies, its status codes and
// messages, GraphiQL for browsers. Mercurius runs the operations (parse/validate cache).
import { randomBytes } from "node:crypto";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import mercurius from "mercurius";
import { GraphQLError, type GraphQLFormattedError } from "graphql";
import { ADMIN_SESSION_COOKIE, adminViewerForSession } from "../accounts/staff/access.js";
import { authenticateAccessToken } from "../accounts/sessions.js";
import type { User } from "../accounts/types.js";
import type { Deps } from "../deps.js";
import type { GraphQLContext } from "./builder.js";
import { hasValidCsrfToken, mayUseTokenCookies } from "./cookie-credentials.js";
import { INTERNAL_ERROR_MESSAGE, isPublicError } from "./errors.js";
import { graphiqlContentSecurityPolicy, graphiqlPage } from "./graphiql-page.js";
import { graphqlParseOptions, graphqlValidationRules, withoutSuggestions } from "./limits.js";
import { formattedParseError, isMutationOverGet, jsonQueryError } from "./query-text.js";
import { buildSchema } from "./schema.js";

interface GraphQLParams {
  query: unknown;
  variables: unknown;
  operationName: unknown;
}

class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
  }
}

function errorBody(message: string) {
  return { errors: [{ message }] };
}

/**
 * SPEC §3.2 steps 1–2: the token of the Authorization header, else of the JWT cookie when it
 * counts for this request (JWT_COOKIE_AUTH and the rule of cookie-credentials.ts).
 */
export function presentedAccessToken(
  deps: Deps,
  request: FastifyRequest,
  options: { useCookie: boolean },
): string | undefined {
  const header = request.headers.authorization;
  if (header !== undefined) {
    const parts = header.trim().split(/\s+/);
    const [prefix, token] = parts;
    if (parts.length !== 2 || prefix === undefined || token === undefined) return undefined;
    const lower = prefix.toLowerCase();
    return lower === deps.config.jwt.authHeaderPrefix.toLowerCase() || lower === "bearer"
      ? token
      : undefined;
  }
  return options.useCookie ? request.cookies[deps.config.jwt.cookieName] : undefined;
}

/**
 * SPEC §3.2: a token when one is presented; otherwise a logged-in admin session, but only
 * together with the matching CSRF token, so a cross-site request cannot ride on the session.
 */
async function resolveViewer(
  deps: Deps,
  request: FastifyRequest,
  options: { useCookie: boolean },
): Promise<User | undefined> {
  const token = presentedAccessToken(deps, request, options);
  if (token !== undefined) return authenticateAccessToken(deps, token);
  const session = request.cookies[ADMIN_SESSION_COOKIE];
  if (session === undefined || !hasValidCsrfToken(request)) return undefined;
  return (await adminViewerForSession(deps, session))?.user;
}

function parseJsonBody(body: unknown): Record<string, unknown> {
  if (typeof body !== "string") return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new HttpError(400, "POST body sent invalid JSON.");
  }
  // One operation per request: a JSON array (a batch, as some clients send) is refused whole.
  if (Array.isArray(parsed)) {
    throw new HttpError(400, "Batched queries are not supported: send one operation per request.");
  }
  if (typeof parsed !== "object" || parsed === null) {
    throw new HttpError(400, "POST body sent invalid JSON.");
  }
  return parsed as Record<string, unknown>;
}

function readParams(request: FastifyRequest): GraphQLParams {
  const query = request.query as Record<string, unknown>;
  let body: Record<string, unknown> = {};
  if (request.method === "POST") {
    const type = (request.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase();
    if (type === "application/graphql") body = { query: request.body };
    else if (type === "application/json") body = parseJsonBody(request.body);
    else if (typeof request.body === "object" && request.body !== null)
      body = request.body as Record<string, unknown>;
  }
  return {
    query: body.query ?? query.query,
    variables: body.variables ?? query.variables,
    operationName: body.operationName ?? query.operationName,
  };
}

function parseVariables(raw: unknown): Record<string, unknown> | undefined {
  if (raw === undefined || raw === null || raw === "") return undefined;
  let value: unknown = raw;
  if (typeof raw === "string") {
    try {
      value = JSON.parse(raw) as unknown;
    } catch {
      throw new HttpError(400, "Variables are invalid JSON.");
    }
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new HttpError(400, "Variables are invalid JSON.");
  }
  return value as Record<string, unknown>;
}

function wantsGraphiql(request: FastifyRequest): boolean {
  const query = request.query as Record<string, unknown>;
  return (
    request.method === "GET" &&
    !("raw" in query) &&
    (request.headers.accept ?? "").includes("text/html")
  );
}

function formatErrors(
  errors: readonly GraphQLError[],
  options: { hideSuggestions: boolean },
): GraphQLFormattedError[] {
  return errors.map((error) => {
    const formatted = formattedParseError(error);
    return options.hideSuggestions
      ? { ...formatted, message: withoutSuggestions(formatted.message) }
      : formatted;
  });
}

export function registerGraphQL(app: FastifyInstance, deps: Deps): void {
  const schema = buildSchema(deps.config);
  const allowedOrigins: ReadonlySet<string> = new Set(deps.config.http.corsAllowedOrigins);
  const hideSuggestions = !deps.config.graphqlLimits.introspection;
  const parseOptions = graphqlParseOptions(deps.config);
  void app.register(mercurius, {
    schema,
    routes: false,
    graphiql: false,
    jit: 1,
    // Checked once per distinct document: mercurius caches the verdict, good or bad.
    validationRules: graphqlValidationRules(deps.config),
    graphql: { parseOptions },
    errorFormatter: (execution, context) => {
      const log = (context as unknown as { reply?: FastifyReply }).reply?.log ?? deps.log;
      const errors = execution.errors.map((error) => {
        if (isPublicError(error)) return error.toJSON();
        log.error({ err: error.originalError ?? error }, "unexpected error in a GraphQL resolver");
        return new GraphQLError(INTERNAL_ERROR_MESSAGE, {
          path: error.path ?? null,
          nodes: error.nodes ?? null,
        }).toJSON();
      });
      return { statusCode: 200, response: { data: execution.data ?? null, errors } };
    },
  });

  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    if (request.method !== "GET" && request.method !== "POST") {
      return reply
        .code(405)
        .header("allow", "GET, POST")
        .send(errorBody("GraphQL only supports GET and POST requests."));
    }
    if (deps.config.http.graphiql && wantsGraphiql(request)) {
      const nonce = randomBytes(16).toString("base64");
      return reply
        .type("text/html; charset=utf-8")
        .header("content-security-policy", graphiqlContentSecurityPolicy(nonce))
        .send(graphiqlPage(reply.generateCsrf(), nonce));
    }
    const params = readParams(request);
    if (typeof params.query !== "string" || params.query.trim() === "") {
      throw new HttpError(400, "Must provide query string.");
    }
    const jsonError = jsonQueryError(params.query);
    if (jsonError !== undefined) return reply.code(400).send({ errors: [jsonError] });
    const variables = parseVariables(params.variables);
    const operationName =
      typeof params.operationName === "string" && params.operationName !== ""
        ? params.operationName
        : undefined;
    // Checked here, not by Mercurius (which gets no reply for GET): see query-text.ts.
    const isGet = request.method === "GET";
    if (isGet && isMutationOverGet(params.query, operationName, parseOptions)) {
      throw new HttpError(405, "Can only perform a mutation operation from a POST request.");
    }
    const useCookie = deps.config.jwt.cookieAuth && mayUseTokenCookies(request, allowedOrigins);
    const context: GraphQLContext & { reply: FastifyReply } = {
      deps,
      viewer: await resolveViewer(deps, request, { useCookie }),
      origin: {
        host: request.headers.host,
        isSecure: request.protocol === "https",
        ip: request.ip,
      },
      cookies: [],
      presentedRefreshTokenCookie: useCookie
        ? request.cookies[deps.config.jwt.refreshTokenCookieName]
        : undefined,
      reply,
    };
    try {
      const result = await app.graphql(
        params.query,
        (isGet ? { ...context, reply: undefined } : context) as never,
        variables,
        operationName,
      );
      for (const cookie of context.cookies) {
        void reply.setCookie(cookie.name, cookie.value, {
          httpOnly: true,
          secure: deps.config.jwt.cookieSecure,
          sameSite: deps.config.jwt.cookieSameSite.toLowerCase() as "lax" | "strict" | "none",
          path: deps.config.jwt.cookiePath,
          maxAge: cookie.maxAgeSeconds,
          ...(deps.config.jwt.cookieDomain === undefined
            ? {}
            : { domain: deps.config.jwt.cookieDomain }),
        });
      }
      return await reply.send(result);
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === "MER_ERR_METHOD_NOT_ALLOWED") {
        throw new HttpError(405, "Can only perform a mutation operation from a POST request.");
      }
      const errors = (error as { errors?: unknown }).errors;
      if (code === "MER_ERR_GQL_VALIDATION" && Array.isArray(errors)) {
        return reply
          .code(400)
          .send({ errors: formatErrors(errors as GraphQLError[], { hideSuggestions }) });
      }
      throw error;
    }
  };

  void app.register((scope, _options, done) => {
    // Bodies are read as text here so that bad JSON gets the reference's 400 answer.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser(
      ["application/json", "application/graphql", "text/plain"],
      { parseAs: "string" },
      (_request, body, next) => {
        next(null, body);
      },
    );
    scope.addContentTypeParser(
      "application/x-www-form-urlencoded",
      { parseAs: "string" },
      (_request, body, next) => {
        next(null, Object.fromEntries(new URLSearchParams(String(body))));
      },
    );
    scope.setErrorHandler((error, request, reply) => {
      if (error instanceof HttpError)
        return reply.code(error.statusCode).send(errorBody(error.message));
      const status = (error as { statusCode?: number }).statusCode;
      if (status !== undefined && status >= 400 && status < 500) {
        return reply
          .code(status)
          .send(
            errorBody(status === 413 ? "Request body is too large." : (error as Error).message),
          );
      }
      request.log.error({ err: error }, "unexpected error on /graphql");
      return reply.code(500).send(errorBody(INTERNAL_ERROR_MESSAGE));
    });
    for (const url of ["/graphql", "/graphql/"]) {
      scope.route({ method: ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"], url, handler });
    }
    done();
  });
}
