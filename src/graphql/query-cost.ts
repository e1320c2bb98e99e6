// A static cost for each operation, checked once per document at validation (mercurius caches the
// verdict), so one request cannot ask for an unbounded amount of work through aliases and pages:
//   - every field costs 1, introspection and __typename included;
//   - a list page (a field with a `first` or `last` argument, e.g. `users`) costs 1 plus n times
//     the cost of its selection, where n is the smaller literal `first`/`last`, capped at
//     RELAY_CONNECTION_MAX_LIMIT; a variable or an absent argument counts as that cap, since a
//     cached verdict must hold for any variables;
//   - a field of an introspection type that returns objects (`types`, `fields`, `args`, `ofType`…)
//     costs 1 plus the estimated number of those objects times the cost of its selection, the
//     estimates being the schema's own numbers (introspection-cost.ts);
//   - a fragment costs what its fields cost wherever it is spread (computed once per fragment and
//     place in an introspection selection).
// Estimates may be fractional (an average); the total is rounded up.
// See OWASP's GraphQL Cheat Sheet, "Query Cost Analysis".
import {
  GraphQLError,
  Kind,
  TypeInfo,
  ValidationContext,
  getIntrospectionQuery,
  parse,
  SchemaMetaFieldDef,
  TypeMetaFieldDef,
  TypeNameMetaFieldDef,
  getNamedType,
  isCompositeType,
  isIntrospectionType,
  isObjectType,
  isInterfaceType,
  type FieldNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLSchema,
  type SelectionSetNode,
  type ValidationRule,
} from "graphql";
import {
  introspectionFieldSize,
  OUTSIDE_LISTS,
  type IntrospectionPlace,
} from "./introspection-cost.js";

export interface QueryCostOptions {
  maxCost: number;
  /** The most items one page may hold (RELAY_CONNECTION_MAX_LIMIT). */
  pageSizeLimit: number;
}

function fieldDefinition(
  schema: GraphQLSchema,
  parentType: GraphQLCompositeType | undefined,
  name: string,
): GraphQLField<unknown, unknown> | undefined {
  if (name === TypeNameMetaFieldDef.name) return TypeNameMetaFieldDef;
  if (parentType !== undefined && parentType === schema.getQueryType()) {
    if (name === SchemaMetaFieldDef.name) return SchemaMetaFieldDef;
    if (name === TypeMetaFieldDef.name) return TypeMetaFieldDef;
  }
  if (isObjectType(parentType) || isInterfaceType(parentType)) return parentType.getFields()[name];
  return undefined;
}

/** How many items a page field may return: 1 for any field that is not a page. */
function pageSize(
  field: FieldNode,
  definition: GraphQLField<unknown, unknown> | undefined,
  limit: number,
): number {
  const pageArguments = ["first", "last"];
  if (definition?.args.some((arg) => pageArguments.includes(arg.name)) !== true) return 1;
  let size = limit;
  for (const argument of field.arguments ?? []) {
    if (!pageArguments.includes(argument.name.value)) continue;
    if (argument.value.kind === Kind.INT) {
      size = Math.min(size, Math.max(0, Number(argument.value.value)));
    }
  }
  return size;
}

function operationCostCalculator(context: ValidationContext, options: QueryCostOptions) {
  const schema = context.getSchema();
  const fragmentCosts = new Map<string, number>();
  const visiting = new Set<string>();

  const typeNamed = (name: string | undefined): GraphQLCompositeType | undefined => {
    const type = name === undefined ? undefined : schema.getType(name);
    return isCompositeType(type) ? type : undefined;
  };

  const fragmentCost = (name: string, place: IntrospectionPlace): number => {
    const key = `${name} ${String(place.inList)} ${place.ofTypeDepth}`;
    const known = fragmentCosts.get(key);
    if (known !== undefined) return known;
    const fragment = context.getFragment(name);
    // Unknown fragments and cycles are reported by graphql's own rules; they add nothing here.
    if (fragment === null || fragment === undefined || visiting.has(name)) return 0;
    visiting.add(name);
    const type = typeNamed(fragment.typeCondition.name.value);
    const cost = selectionCost(fragment.selectionSet, type, place);
    visiting.delete(name);
    fragmentCosts.set(key, cost);
    return cost;
  };

  /** How many items the field returns, and where its selection is, for an introspection type. */
  const fieldSize = (
    field: FieldNode,
    definition: GraphQLField<unknown, unknown> | undefined,
    parentType: GraphQLCompositeType | undefined,
    place: IntrospectionPlace,
  ): { count: number; below: IntrospectionPlace } => {
    if (parentType !== undefined && isIntrospectionType(parentType)) {
      return introspectionFieldSize(schema, parentType.name, field.name.value, place);
    }
    return { count: pageSize(field, definition, options.pageSizeLimit), below: OUTSIDE_LISTS };
  };

  const selectionCost = (
    selectionSet: SelectionSetNode,
    parentType: GraphQLCompositeType | undefined,
    place: IntrospectionPlace,
  ): number => {
    let total = 0;
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FRAGMENT_SPREAD) {
        total += fragmentCost(selection.name.value, place);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const type = selection.typeCondition
          ? typeNamed(selection.typeCondition.name.value)
          : parentType;
        total += selectionCost(selection.selectionSet, type, place);
      } else {
        const definition = fieldDefinition(schema, parentType, selection.name.value);
        const childType = definition === undefined ? undefined : getNamedType(definition.type);
        const size = fieldSize(selection, definition, parentType, place);
        const children =
          selection.selectionSet === undefined
            ? 0
            : selectionCost(
                selection.selectionSet,
                isCompositeType(childType) ? childType : undefined,
                size.below,
              );
        total += 1 + size.count * children;
      }
    }
    return total;
  };

  return selectionCost;
}

export function queryCostRule(options: QueryCostOptions): ValidationRule {
  return (context) => {
    const selectionCost = operationCostCalculator(context, options);
    const schema = context.getSchema();
    return {
      OperationDefinition(operation) {
        const rootType = schema.getRootType(operation.operation) ?? undefined;
        const cost = Math.ceil(selectionCost(operation.selectionSet, rootType, OUTSIDE_LISTS));
        if (cost > options.maxCost) {
          context.reportError(
            new GraphQLError(`Query cost limit of ${options.maxCost} exceeded, found ${cost}.`, {
              nodes: operation,
            }),
          );
        }
        return false;
      },
    };
  };
}

/** GraphiQL's introspection query, every option on: what a schema explorer asks for. */
const FULL_INTROSPECTION = parse(
  getIntrospectionQuery({
    descriptions: true,
    specifiedByUrl: true,
    directiveIsRepeatable: true,
    schemaDescription: true,
    inputValueDeprecation: true,
    oneOf: true,
  }),
);

/** What GraphiQL's introspection query costs on `schema`: it grows with every type and field. */
export function introspectionQueryCost(schema: GraphQLSchema, pageSizeLimit: number): number {
  const context = new ValidationContext(schema, FULL_INTROSPECTION, new TypeInfo(schema), () => {});
  const selectionCost = operationCostCalculator(context, { maxCost: Infinity, pageSizeLimit });
  let cost = 0;
  for (const definition of FULL_INTROSPECTION.definitions) {
    if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
    cost += selectionCost(
      definition.selectionSet,
      schema.getQueryType() ?? undefined,
      OUTSIDE_LISTS,
    );
  }
  return Math.ceil(cost);
}
