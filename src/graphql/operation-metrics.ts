// GraphQL requests counted by operation and outcome. The operation is named by its root field
// (`tokenAuth`, `me`), one of the schema's, never by the client's operation name: clients choose
// names freely, so labelling by them would let anyone add series without end. An operation with
// several root fields is `multiple`; one that does not parse or names no field of the schema is
// `invalid`. Outcomes: ok, errors (GraphQL errors or a payload's `success: false`), rejected
// (refused before running: syntax, validation, a malformed request).
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import {
  Kind,
  parse,
  type DocumentNode,
  type GraphQLSchema,
  type ParseOptions,
  type SelectionSetNode,
} from "graphql";
import { LRUCache } from "lru-cache";
import type { Deps } from "../deps.js";
import { LATENCY_BUCKETS_SECONDS } from "../metrics/registry.js";

export type OperationOutcome = "ok" | "errors" | "rejected";

const INVALID = "invalid";
const MULTIPLE = "multiple";
/** Query texts remembered with their label, counted in characters (hostile texts are long). */
const LABEL_CACHE_CHARACTERS = 1_000_000;

export interface OperationMetrics {
  /** Records what the request ran; answered requests without a note are counted by status. */
  note(
    request: FastifyRequest,
    operation: { query: string; operationName?: string | undefined } | undefined,
    outcome: OperationOutcome | { data?: unknown; errors?: readonly unknown[] | undefined },
  ): void;
  /** Adds the hook that observes every answered request of `scope` (the /graphql routes). */
  observe(scope: FastifyInstance): void;
}

export function createOperationMetrics(
  deps: Pick<Deps, "metrics">,
  schema: GraphQLSchema,
  parseOptions: ParseOptions,
): OperationMetrics | undefined {
  if (!deps.metrics.isEnabled) return undefined;
  const labels = ["operation", "outcome"] as const;
  const requests = deps.metrics.counter({
    name: "gatehouse_graphql_requests_total",
    help: "GraphQL requests by operation (root field) and outcome (ok, errors, rejected)",
    labelNames: labels,
  });
  const duration = deps.metrics.histogram({
    name: "gatehouse_graphql_request_duration_seconds",
    help: "GraphQL requests by operation and outcome, from arrival to the answer",
    labelNames: labels,
    buckets: LATENCY_BUCKETS_SECONDS,
  });
  const rootFields = new Set(
    [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()].flatMap(
      (type) => Object.keys(type?.getFields() ?? {}),
    ),
  );
  for (const field of ["__schema", "__type"]) rootFields.add(field);
  const cache = new LRUCache<string, string>({
    maxSize: LABEL_CACHE_CHARACTERS,
    sizeCalculation: (_label, key) => Math.max(1, key.length),
  });
  const labelOf = (query: string, operationName: string | undefined): string => {
    const key = `${operationName ?? ""}\0${query}`;
    let label = cache.get(key);
    if (label === undefined) {
      label = operationLabel(query, operationName, rootFields, parseOptions);
      if (key.length <= LABEL_CACHE_CHARACTERS) cache.set(key, label);
    }
    return label;
  };
  const notes = new WeakMap<FastifyRequest, { operation: string; outcome: OperationOutcome }>();
  return {
    note(request, operation, outcome) {
      notes.set(request, {
        operation:
          operation === undefined ? INVALID : labelOf(operation.query, operation.operationName),
        outcome: typeof outcome === "string" ? outcome : resultOutcome(outcome),
      });
    },
    observe(scope) {
      scope.addHook("onResponse", (request: FastifyRequest, reply: FastifyReply, done) => {
        // Unnoted: refused before an operation was read (bad JSON, a wrong method, too large), or
        // no operation at all (GraphiQL's page, a CORS preflight), which is not counted.
        const noted = notes.get(request) ?? unnotedOutcome(reply.statusCode);
        if (noted !== undefined) {
          requests.inc(noted);
          duration.observe(noted, reply.elapsedTime / 1000);
        }
        done();
      });
    },
  };
}

function unnotedOutcome(
  statusCode: number,
): { operation: string; outcome: OperationOutcome } | undefined {
  if (statusCode < 400) return undefined;
  return { operation: INVALID, outcome: statusCode < 500 ? "rejected" : "errors" };
}

/** SPEC §6: expected failures are a payload's `success: false` and its `errors`, not GraphQL's. */
function resultOutcome(result: { data?: unknown; errors?: readonly unknown[] | undefined }) {
  if (result.errors !== undefined && result.errors.length > 0) return "errors";
  const data = result.data;
  if (typeof data !== "object" || data === null) return "ok";
  const failed = Object.values(data).some(
    (payload) =>
      typeof payload === "object" &&
      payload !== null &&
      (payload as { success?: unknown }).success === false,
  );
  return failed ? "errors" : "ok";
}

function operationLabel(
  query: string,
  operationName: string | undefined,
  rootFields: ReadonlySet<string>,
  parseOptions: ParseOptions,
): string {
  let document: DocumentNode;
  try {
    document = parse(query, parseOptions);
  } catch {
    return INVALID;
  }
  const operations = document.definitions.filter(
    (definition) => definition.kind === Kind.OPERATION_DEFINITION,
  );
  const operation =
    operationName === undefined
      ? operations.length === 1
        ? operations[0]
        : undefined
      : operations.find((candidate) => candidate.name?.value === operationName);
  if (operation === undefined) return INVALID;
  const fields = new Set<string>();
  collectRootFields(document, operation.selectionSet, fields, new Set());
  fields.delete("__typename");
  const [only] = fields;
  if (fields.size > 1) return MULTIPLE;
  if (only === undefined) return "__typename";
  return rootFields.has(only) ? only : INVALID;
}

/** The root fields, through inline fragments and fragment spreads (each fragment once). */
function collectRootFields(
  document: DocumentNode,
  selectionSet: SelectionSetNode,
  fields: Set<string>,
  visited: Set<string>,
): void {
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) fields.add(selection.name.value);
    else if (selection.kind === Kind.INLINE_FRAGMENT)
      collectRootFields(document, selection.selectionSet, fields, visited);
    else if (!visited.has(selection.name.value)) {
      visited.add(selection.name.value);
      const fragment = document.definitions.find(
        (definition) =>
          definition.kind === Kind.FRAGMENT_DEFINITION &&
          definition.name.value === selection.name.value,
      );
      if (fragment?.kind === Kind.FRAGMENT_DEFINITION)
        collectRootFields(document, fragment.selectionSet, fields, visited);
    }
  }
}
