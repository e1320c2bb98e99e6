// How many objects an introspection field returns, for query-cost.ts. With each field selected
// counted once, GraphiQL's `__schema` query cost about two hundred however much it answered, and
// fifteen aliased copies of it passed (under 6 KB in, the whole schema fifteen times out);
// weighed like pages, each costs about what it answers. The estimates are the schema's own
// numbers, computed once per schema:
//   - a list under an object that is itself one item of a list (`types { fields }`, `fields
//     { args }`) holds the schema's average, so `types { fields }` weighs the schema's field
//     count; a list under a lone object (`__type(name:) { fields }`) holds the schema's maximum;
//   - `ofType` returns an object only as deep as types are wrapped (`[String!]!` is three deep):
//     at each depth it weighs the share of the schema's type references wrapped that deep.
// GraphiQL's introspection query then costs what it answers, to within a few fields (about 2,800
// on the default schema, 3,600 in relay style); the derived GRAPHQL_MAX_COST fits one copy, never
// two (limits.ts).
import {
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isObjectType,
  isUnionType,
  type GraphQLArgument,
  type GraphQLSchema,
} from "graphql";

/** Where in an introspection selection a field is: below a list item, and how deep in ofType. */
export interface IntrospectionPlace {
  inList: boolean;
  ofTypeDepth: number;
}

export const OUTSIDE_LISTS: IntrospectionPlace = { inList: false, ofTypeDepth: 0 };

interface ListSize {
  average: number;
  max: number;
}

interface SchemaSizes {
  /** By "Parent.field": the introspection fields that return lists of objects. */
  lists: ReadonlyMap<string, ListSize>;
  /** By depth d ≥ 1: of the references wrapped at least d − 1 deep, the share wrapped d deep. */
  ofTypeShare: readonly ListSize[];
}

const sizesBySchema = new WeakMap<GraphQLSchema, SchemaSizes>();

function listSize(counts: readonly number[], items: number): ListSize {
  const total = counts.reduce((sum, count) => sum + count, 0);
  return { average: items === 0 ? 0 : total / items, max: Math.max(0, ...counts) };
}

/** How many wrappers a type reference has, read from its SDL: `[String!]!` has three. */
function wrappingDepth(type: { toString(): string }): number {
  return type.toString().replace(/[^[!]/g, "").length;
}

/** How deep each type reference of the schema (field, argument, input field) is wrapped. */
function wrappingDepths(schema: GraphQLSchema): number[] {
  const depths: number[] = [];
  const addArgs = (args: readonly GraphQLArgument[]) => {
    for (const arg of args) depths.push(wrappingDepth(arg.type));
  };
  for (const type of Object.values(schema.getTypeMap())) {
    if (isObjectType(type) || isInterfaceType(type)) {
      for (const field of Object.values(type.getFields())) {
        depths.push(wrappingDepth(field.type));
        addArgs(field.args);
      }
    }
    if (isInputObjectType(type)) {
      for (const field of Object.values(type.getFields())) depths.push(wrappingDepth(field.type));
    }
  }
  for (const directive of schema.getDirectives()) addArgs(directive.args);
  return depths;
}

function ofTypeShares(schema: GraphQLSchema): ListSize[] {
  const depths = wrappingDepths(schema);
  const shares: ListSize[] = [{ average: 1, max: 1 }];
  for (let depth = 1; depth <= Math.max(0, ...depths); depth += 1) {
    const wrappedBefore = depths.filter((wrapped) => wrapped >= depth - 1).length;
    const wrapped = depths.filter((wrapped) => wrapped >= depth).length;
    shares.push({ average: wrapped / wrappedBefore, max: 1 });
  }
  return shares;
}

function listSizes(schema: GraphQLSchema): Map<string, ListSize> {
  const types = Object.values(schema.getTypeMap());
  const directives = schema.getDirectives();
  const counts = {
    fields: [] as number[],
    args: [] as number[],
    interfaces: [] as number[],
    possibleTypes: [] as number[],
    enumValues: [] as number[],
    inputFields: [] as number[],
  };
  for (const type of types) {
    if (isObjectType(type) || isInterfaceType(type)) {
      const fields = Object.values(type.getFields());
      counts.fields.push(fields.length);
      counts.interfaces.push(type.getInterfaces().length);
      counts.args.push(...fields.map((field) => field.args.length));
    }
    if (isInterfaceType(type) || isUnionType(type)) {
      counts.possibleTypes.push(schema.getPossibleTypes(type).length);
    }
    if (isEnumType(type)) counts.enumValues.push(type.getValues().length);
    if (isInputObjectType(type)) counts.inputFields.push(Object.keys(type.getFields()).length);
  }
  const fieldCount = counts.fields.reduce((sum, count) => sum + count, 0);
  return new Map<string, ListSize>([
    ["__Schema.types", { average: types.length, max: types.length }],
    ["__Schema.directives", { average: directives.length, max: directives.length }],
    // Per type of the schema: `types { fields }` asks every type, scalars and enums included.
    ["__Type.fields", listSize(counts.fields, types.length)],
    ["__Type.interfaces", listSize(counts.interfaces, types.length)],
    ["__Type.possibleTypes", listSize(counts.possibleTypes, types.length)],
    ["__Type.enumValues", listSize(counts.enumValues, types.length)],
    ["__Type.inputFields", listSize(counts.inputFields, types.length)],
    ["__Field.args", listSize(counts.args, fieldCount)],
    [
      "__Directive.args",
      listSize(
        directives.map((directive) => directive.args.length),
        directives.length,
      ),
    ],
  ]);
}

function sizesOf(schema: GraphQLSchema): SchemaSizes {
  let sizes = sizesBySchema.get(schema);
  if (sizes === undefined) {
    sizes = { lists: listSizes(schema), ofTypeShare: ofTypeShares(schema) };
    sizesBySchema.set(schema, sizes);
  }
  return sizes;
}

/**
 * For a field of an introspection type: how many objects it returns (an estimate, possibly
 * fractional: see the top of this file) and the place of its selection.
 */
export function introspectionFieldSize(
  schema: GraphQLSchema,
  parentTypeName: string,
  fieldName: string,
  place: IntrospectionPlace,
): { count: number; below: IntrospectionPlace } {
  const sizes = sizesOf(schema);
  const pick = (size: ListSize | undefined) => (place.inList ? size?.average : size?.max) ?? 0;
  if (parentTypeName === "__Type" && fieldName === "ofType") {
    const depth = place.ofTypeDepth + 1;
    return {
      count: pick(sizes.ofTypeShare[depth]),
      below: { inList: place.inList, ofTypeDepth: depth },
    };
  }
  const list = sizes.lists.get(`${parentTypeName}.${fieldName}`);
  if (list !== undefined) return { count: pick(list), below: { inList: true, ofTypeDepth: 0 } };
  return { count: 1, below: { inList: place.inList, ofTypeDepth: 0 } };
}
