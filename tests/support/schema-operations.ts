// Every query and mutation field of a running server, read from its introspection, so tests that
// call "every operation" also cover operations added later without being edited.
import {
  buildClientSchema,
  getIntrospectionQuery,
  getNamedType,
  isLeafType,
  isNonNullType,
  isObjectType,
  type GraphQLField,
  type GraphQLObjectType,
  type GraphQLOutputType,
  type IntrospectionQuery,
} from "graphql";

export interface OperationArgument {
  name: string;
  /** The declared type as written in a variable definition, e.g. `String!`. */
  type: string;
  isRequired: boolean;
}

export interface SchemaOperation {
  kind: "query" | "mutation";
  field: string;
  args: OperationArgument[];
  /** A selection set of the output's fields (with nested objects), `""` for a leaf type. */
  selection: string;
}

export async function schemaOperations(graphqlUrl: string): Promise<SchemaOperation[]> {
  const response = await fetch(graphqlUrl, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query: getIntrospectionQuery() }),
  });
  const body = (await response.json()) as { data: IntrospectionQuery };
  const schema = buildClientSchema(body.data);
  const operations: SchemaOperation[] = [];
  for (const [kind, root] of [
    ["query", schema.getQueryType()],
    ["mutation", schema.getMutationType()],
  ] as const) {
    if (root == null) continue;
    for (const field of Object.values(root.getFields())) {
      operations.push({
        kind,
        field: field.name,
        args: field.args.map((arg) => ({
          name: arg.name,
          type: String(arg.type),
          isRequired: isNonNullType(arg.type),
        })),
        selection: selectionOf(field.type, 3),
      });
    }
  }
  return operations;
}

function selectionOf(type: GraphQLOutputType, depth: number): string {
  const named = getNamedType(type);
  if (isLeafType(named)) return "";
  if (!isObjectType(named) || depth === 0) return "{ __typename }";
  return `{ ${fieldsOf(named, depth).join(" ")} }`;
}

function fieldsOf(type: GraphQLObjectType, depth: number): string[] {
  const selected: string[] = [];
  for (const field of Object.values(type.getFields()) as GraphQLField<unknown, unknown>[]) {
    if (field.args.some((arg) => isNonNullType(arg.type))) continue;
    const nested = selectionOf(field.type, depth - 1);
    selected.push(nested === "" ? field.name : `${field.name} ${nested}`);
  }
  return selected;
}
