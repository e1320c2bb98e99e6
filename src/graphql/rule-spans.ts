// A span around each root field's resolver, the account rule a query or mutation runs
// (`rule register`), so the database queries and mails it causes nest under it. One wrapper over
// the built schema covers every operation, however it was defined. Arguments are never recorded.
import type { Tracer } from "@opentelemetry/api";
import type { GraphQLFieldResolver, GraphQLObjectType, GraphQLSchema } from "graphql";
import { inSpan } from "../tracing/spans.js";

function traceFields(type: GraphQLObjectType | null | undefined, tracer: Tracer): void {
  if (type === null || type === undefined) return;
  for (const field of Object.values(type.getFields())) {
    const resolve = field.resolve;
    if (resolve === undefined) continue;
    const attributes = { "graphql.field.name": field.name, "graphql.field.type": type.name };
    const traced: GraphQLFieldResolver<unknown, unknown> = (source, args, context, info) =>
      inSpan(tracer, `rule ${field.name}`, attributes, () =>
        Promise.resolve(resolve(source, args, context, info)),
      );
    field.resolve = traced;
  }
}

/** Wraps the root fields' resolvers of a freshly built schema, before it is served. */
export function withRuleSpans(schema: GraphQLSchema, tracer: Tracer | undefined): GraphQLSchema {
  if (tracer === undefined) return schema;
  traceFields(schema.getQueryType(), tracer);
  traceFields(schema.getMutationType(), tracer);
  return schema;
}
