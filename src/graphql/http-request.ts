// The GraphQL operation an HTTP request carries (SPEC §3.1): query, variables and operation name
// from the query string or from a JSON, application/graphql or form body, refused with the
// reference's status codes and messages when there is none to run.
import type { FastifyRequest } from "fastify";
import type { GraphQLFormattedError, ParseOptions } from "graphql";
import { isMutationOverGet, jsonQueryError } from "./query-text.js";

export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
  }
}

export function errorBody(message: string) {
  return { errors: [{ message }] };
}

export interface Operation {
  query: string;
  variables: Record<string, unknown> | undefined;
  operationName: string | undefined;
}

interface GraphQLParams {
  query: unknown;
  variables: unknown;
  operationName: unknown;
}

/**
 * The operation to run, or the syntax error a JSON query gets (see query-text.ts). Throws an
 * HttpError when the request names no runnable operation.
 */
export function readOperation(
  request: FastifyRequest,
  parseOptions: ParseOptions,
): Operation | { syntaxError: GraphQLFormattedError } {
  const params = readParams(request);
  if (typeof params.query !== "string" || params.query.trim() === "") {
    throw new HttpError(400, "Must provide query string.");
  }
  const jsonError = jsonQueryError(params.query);
  if (jsonError !== undefined) return { syntaxError: jsonError };
  const variables = parseVariables(params.variables);
  const operationName =
    typeof params.operationName === "string" && params.operationName !== ""
      ? params.operationName
      : undefined;
  // Checked here, not by Mercurius (which gets no reply for GET): see query-text.ts.
  if (request.method === "GET" && isMutationOverGet(params.query, operationName, parseOptions)) {
    throw new HttpError(405, "Can only perform a mutation operation from a POST request.");
  }
  return { query: params.query, variables, operationName };
}

export function wantsGraphiql(request: FastifyRequest): boolean {
  const query = request.query as Record<string, unknown>;
  return (
    request.method === "GET" &&
    !("raw" in query) &&
    (request.headers.accept ?? "").includes("text/html")
  );
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
