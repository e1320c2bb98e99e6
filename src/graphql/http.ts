// GraphQL over HTTP exactly as SPEC §3.1 describes the reference's view: GET and POST on
// /graphql and /graphql/, JSON, application/graphql and form bodies, its status codes and
// messages, GraphiQL for browsers. Mercurius runs the operations (parse/validate cache).
import { randomBytes } from "node:crypto";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import mercurius from "mercurius";
import {
  GraphQLError,
  type GraphQLFormattedError,
  type GraphQLSchema,
  type ParseOptions,
} from "graphql";
import type { Deps } from "../deps.js";
import type { GraphQLContext } from "./builder.js";
import { mayUseTokenCookies } from "./cookie-credentials.js";
import { INTERNAL_ERROR_MESSAGE, isPublicError, UNAVAILABLE_MESSAGE } from "./errors.js";
import {
  loadGraphiqlAssets,
  registerGraphiqlAssets,
  type GraphiqlAssets,
} from "./graphiql-assets.js";
import { graphiqlContentSecurityPolicy, graphiqlPage } from "./graphiql-page.js";
import { errorBody, HttpError, readOperation, wantsGraphiql } from "./http-request.js";
import { graphqlParseOptions, graphqlValidationRules, withoutSuggestions } from "./limits.js";
import { createOperationMetrics, type OperationMetrics } from "./operation-metrics.js";
import { formattedParseError } from "./query-text.js";
import { inOperationSpan, registerOperationSpanNames } from "./operation-spans.js";
import { requestContext } from "./request-context.js";
import { withRuleSpans } from "./rule-spans.js";
import { buildSchema } from "./schema.js";

export function registerGraphQL(app: FastifyInstance, deps: Deps): void {
  const parseOptions = graphqlParseOptions(deps.config);
  const schema = registerMercurius(app, deps, parseOptions);
  const graphiqlAssets = deps.config.http.graphiql ? loadGraphiqlAssets() : undefined;
  const metrics = createOperationMetrics(deps, schema, parseOptions);
  const handler = graphqlHandler(app, deps, { parseOptions, graphiqlAssets, metrics });
  void app.register((scope, _options, done) => {
    metrics?.observe(scope);
    if (graphiqlAssets !== undefined) registerGraphiqlAssets(scope, graphiqlAssets);
    acceptTextBodies(scope);
    scope.setErrorHandler((error, request, reply) => answerError(deps, error, request, reply));
    for (const url of ["/graphql", "/graphql/"]) {
      scope.route({ method: ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"], url, handler });
    }
    done();
  });
}

function registerMercurius(
  app: FastifyInstance,
  deps: Deps,
  parseOptions: ParseOptions,
): GraphQLSchema {
  const schema = withRuleSpans(buildSchema(deps.config), deps.tracing.tracer);
  void app.register(mercurius, {
    schema,
    routes: false,
    graphiql: false,
    jit: 1,
    // Checked once per distinct document: mercurius caches the verdict, good or bad.
    validationRules: graphqlValidationRules(deps.config, schema, deps.log),
    graphql: { parseOptions },
    errorFormatter: (execution, context) => {
      const log = (context as unknown as { reply?: FastifyReply }).reply?.log ?? deps.log;
      const isUnavailableError = (error: GraphQLError) =>
        !isPublicError(error) && deps.isDatabaseUnavailable(error.originalError ?? error);
      const errors = execution.errors.map((error) => {
        if (isPublicError(error)) return error.toJSON();
        const cause = error.originalError ?? error;
        const unavailable = isUnavailableError(error);
        if (unavailable) log.warn({ err: cause }, "database unavailable");
        else log.error({ err: cause }, "unexpected error in a GraphQL resolver");
        return new GraphQLError(unavailable ? UNAVAILABLE_MESSAGE : INTERNAL_ERROR_MESSAGE, {
          path: error.path ?? null,
          nodes: error.nodes ?? null,
        }).toJSON();
      });
      // 503 says the request may be retried: the database could not serve it.
      const statusCode = execution.errors.some(isUnavailableError) ? 503 : 200;
      return { statusCode, response: { data: execution.data ?? null, errors } };
    },
  });
  registerOperationSpanNames(app, deps);
  return schema;
}

function graphqlHandler(
  app: FastifyInstance,
  deps: Deps,
  options: {
    parseOptions: ParseOptions;
    graphiqlAssets: GraphiqlAssets | undefined;
    metrics: OperationMetrics | undefined;
  },
) {
  const { parseOptions, graphiqlAssets, metrics } = options;
  const allowedOrigins: ReadonlySet<string> = new Set(deps.config.http.corsAllowedOrigins);
  const hideSuggestions = !deps.config.graphqlLimits.introspection;
  return async (request: FastifyRequest, reply: FastifyReply) => {
    if (request.method !== "GET" && request.method !== "POST") {
      return reply
        .code(405)
        .header("allow", "GET, POST")
        .send(errorBody("GraphQL only supports GET and POST requests."));
    }
    if (graphiqlAssets !== undefined && wantsGraphiql(request)) {
      return sendGraphiql(reply, graphiqlAssets);
    }
    const operation = readOperation(request, parseOptions);
    if ("syntaxError" in operation) {
      metrics?.note(request, undefined, "rejected");
      return reply.code(400).send({ errors: [operation.syntaxError] });
    }
    const context = await requestContext(deps, request, reply, allowedOrigins);
    try {
      const graphqlContext = request.method === "GET" ? { ...context, reply: undefined } : context;
      const result = await inOperationSpan(deps, graphqlContext, operation.operationName, () =>
        app.graphql(
          operation.query,
          graphqlContext as never,
          operation.variables,
          operation.operationName,
        ),
      );
      metrics?.note(request, operation, result);
      if (context.cookies.length > 0) {
        // Login CSRF: the rule, and why the operation still runs, are in cookie-credentials.ts.
        if (mayUseTokenCookies(request, allowedOrigins)) {
          setTokenCookies(reply, deps, context.cookies);
        } else {
          request.log.info("token cookies withheld: the request came from no trusted page");
        }
      }
      return await reply.send(result);
    } catch (error) {
      // Mercurius's own errors refuse the document (syntax, validation); others failed running it.
      const isRefusal = (error as { code?: string }).code?.startsWith("MER_ERR_") === true;
      metrics?.note(request, operation, isRefusal ? "rejected" : "errors");
      return answerMercuriusError(reply, error, hideSuggestions);
    }
  };
}

function sendGraphiql(reply: FastifyReply, assets: GraphiqlAssets): FastifyReply {
  const nonce = randomBytes(16).toString("base64");
  return reply
    .type("text/html; charset=utf-8")
    .header("content-security-policy", graphiqlContentSecurityPolicy(nonce))
    .send(graphiqlPage(reply.generateCsrf(), nonce, assets));
}

/** Sets the cookies the operation's mutations asked for, with the JWT_COOKIE_* flags. */
function setTokenCookies(reply: FastifyReply, deps: Deps, cookies: GraphQLContext["cookies"]) {
  const jwt = deps.config.jwt;
  for (const cookie of cookies) {
    void reply.setCookie(cookie.name, cookie.value, {
      httpOnly: true,
      secure: jwt.cookieSecure,
      sameSite: jwt.cookieSameSite.toLowerCase() as "lax" | "strict" | "none",
      path: jwt.cookiePath,
      maxAge: cookie.maxAgeSeconds,
      ...(jwt.cookieDomain === undefined ? {} : { domain: jwt.cookieDomain }),
    });
  }
}

/** Mercurius's refusals, answered as the reference answers them; anything else is rethrown. */
function answerMercuriusError(
  reply: FastifyReply,
  error: unknown,
  hideSuggestions: boolean,
): FastifyReply {
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

/** Bodies are read as text here so that bad JSON gets the reference's 400 answer. */
function acceptTextBodies(scope: FastifyInstance): void {
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
}

function answerError(deps: Deps, error: unknown, request: FastifyRequest, reply: FastifyReply) {
  if (error instanceof HttpError)
    return reply.code(error.statusCode).send(errorBody(error.message));
  const status = (error as { statusCode?: number }).statusCode;
  if (status !== undefined && status >= 400 && status < 500) {
    return reply
      .code(status)
      .send(errorBody(status === 413 ? "Request body is too large." : (error as Error).message));
  }
  if (deps.isDatabaseUnavailable(error)) {
    request.log.warn({ err: error }, "database unavailable");
    return reply.code(503).header("retry-after", "1").send(errorBody(UNAVAILABLE_MESSAGE));
  }
  request.log.error({ err: error }, "unexpected error on /graphql");
  return reply.code(500).send(errorBody(INTERNAL_ERROR_MESSAGE));
}
