// Requests that Mercurius would otherwise turn into internal errors (found by
// tests/integration/security/hostile-input.test.ts): the client's malformed document answers
// 400 with a syntax error like any other, and GET gets the answer POST gets (SPEC §3.1).
import {
  getOperationAST,
  GraphQLError,
  OperationTypeNode,
  parse,
  type GraphQLFormattedError,
  type ParseOptions,
} from "graphql";

// Where JSON text can start; a GraphQL document's `{` is followed by a name, never `"` or `}`.
const JSON_START = /^[\t\n\r ]*(?:[[\d"-]|\{[\t\n\r ]*["}]|true|false|null)/;

/**
 * Mercurius runs a query that fails to parse as GraphQL but parses as JSON as a ready-made AST
 * (an undocumented input), which reaches graphql-js unchecked and fails inside it. No JSON text
 * is a GraphQL document, so such a query gets the parser's own syntax error instead.
 */
export function jsonQueryError(query: string): GraphQLFormattedError | undefined {
  if (!JSON_START.test(query)) return undefined;
  try {
    JSON.parse(query);
  } catch {
    return undefined;
  }
  try {
    parse(query);
  } catch (error) {
    if (error instanceof GraphQLError) return error.toJSON();
  }
  return { message: "Syntax Error: Expected a GraphQL document." };
}

/**
 * A parse or validation error as the answer shows it. graphql's recursive parser overflows the
 * stack on deeply nested list or object literals (a few kilobytes of `[`) before
 * GRAPHQL_MAX_TOKENS stops it; Mercurius then reports the RangeError as a syntax error, which
 * has no toJSON. Anything else unexpected is rethrown, to be logged and masked.
 */
export function formattedParseError(error: unknown): GraphQLFormattedError {
  if (error instanceof GraphQLError) return error.toJSON();
  if (error instanceof RangeError)
    return { message: "Syntax Error: Document is nested too deeply." };
  throw error;
}

/**
 * SPEC §3.1: a mutation sent by GET answers 405. Mercurius checks this itself when it is given
 * the reply, but fails with a TypeError (a 500) when no operation can be chosen (an unknown
 * operationName, or several operations and none named). Checked here instead, as the reference
 * does: only an operation that is found and is not a query is refused; the rest is left to
 * parsing and execution, whose errors are the ones a POST gets.
 */
export function isMutationOverGet(
  query: string,
  operationName: string | undefined,
  parseOptions: ParseOptions,
): boolean {
  try {
    const kind = getOperationAST(parse(query, parseOptions), operationName)?.operation;
    return kind !== undefined && kind !== OperationTypeNode.QUERY;
  } catch {
    return false;
  }
}
