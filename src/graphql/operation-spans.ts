// The GraphQL operation's span, a child of the request's: named `mutation register` (the
// operation's type, then its name, or its root fields when it has none), with
// graphql.operation.type and graphql.operation.name. Its name is known only once Mercurius has
// parsed the document (from its cache), so the span starts as `graphql` and the preExecution hook
// names it. Field names come from a validated document: they are the schema's, not the caller's
// text. Variables are never recorded.
import { SpanStatusCode, trace } from "@opentelemetry/api";
import type { FastifyInstance } from "fastify";
import { getOperationAST, Kind, type DocumentNode, type OperationDefinitionNode } from "graphql";
import type { Deps } from "../deps.js";
import { inSpan } from "../tracing/spans.js";

/** The operation name each traced call asked for, by the context object it ran with. */
const operationNames = new WeakMap<object, string | undefined>();

const MAX_NAMED_FIELDS = 3;

function spanName(operation: OperationDefinitionNode): string {
  if (operation.name !== undefined) return `${operation.operation} ${operation.name.value}`;
  const fields = operation.selectionSet.selections.flatMap((selection) =>
    selection.kind === Kind.FIELD ? [selection.name.value] : [],
  );
  const named = [...new Set(fields)].slice(0, MAX_NAMED_FIELDS).join(",");
  return named === "" ? operation.operation : `${operation.operation} ${named}`;
}

/** Runs one GraphQL call inside the operation's span (the call itself when tracing is off). */
export function inOperationSpan<T extends { errors?: readonly unknown[] | undefined }>(
  deps: Pick<Deps, "tracing">,
  graphqlContext: object,
  operationName: string | undefined,
  run: () => Promise<T>,
): Promise<T> {
  const tracer = deps.tracing.tracer;
  if (tracer === undefined) return run();
  operationNames.set(graphqlContext, operationName);
  return inSpan(tracer, "graphql", {}, async (span) => {
    const result = await run();
    // Expected failures are payloads (success: false); an `errors` list is a refused or failed
    // operation.
    if (result.errors !== undefined && result.errors.length > 0) {
      span.setStatus({ code: SpanStatusCode.ERROR });
    }
    return result;
  });
}

function nameOperationSpan(document: DocumentNode, graphqlContext: object): void {
  const span = trace.getActiveSpan();
  const operation = getOperationAST(document, operationNames.get(graphqlContext));
  if (span === undefined || operation === null || operation === undefined) return;
  span.updateName(spanName(operation));
  span.setAttribute("graphql.operation.type", operation.operation);
  if (operation.name !== undefined) {
    span.setAttribute("graphql.operation.name", operation.name.value);
  }
}

/** Registers the hook that names the span; nothing while tracing is off. */
export function registerOperationSpanNames(app: FastifyInstance, deps: Pick<Deps, "tracing">) {
  if (deps.tracing.tracer === undefined) return;
  void app.register((scope, _options, done) => {
    scope.graphql.addHook("preExecution", (_schema, document, graphqlContext) => {
      nameOperationSpan(document, graphqlContext);
      return Promise.resolve();
    });
    done();
  });
}
