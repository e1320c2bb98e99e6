// users(...) (SPEC §4.3): filters named from USER_NODE_FILTER_FIELDS, relay pagination, and
// the USER_QUERY_ACCESS rule.
import type { Config } from "../../config/config.js";
import {
  canListUsers,
  countMatchingUsers,
  isFilterableField,
  listMatchingUsers,
  type FilterLookup,
  type UserFilter,
} from "../../accounts/users.js";
import type { UserFieldDeclaration } from "../../accounts/fields/user-fields.js";
import type { User } from "../../accounts/types.js";
import type { Builder } from "../builder.js";
import { offsetToCursor, planSlice } from "../connection.js";
import { PublicGraphQLError } from "../errors.js";
import type { UserNodeRef } from "../types/user.js";
import { scalarOf, useScalar, type DeclaredScalar } from "../types/user-fields.js";

const PERMISSION_DENIED = "You do not have permission to perform this action";
const BOOLEAN_FIELDS = new Set([
  "is_active",
  "is_staff",
  "is_superuser",
  "status__verified",
  "status__archived",
]);
const LOOKUPS = new Set<string>([
  "exact",
  "iexact",
  "contains",
  "icontains",
  "startswith",
  "istartswith",
  "endswith",
  "iendswith",
  "in",
  "isnull",
  "lt",
  "lte",
  "gt",
  "gte",
]);
/** Lookups that match a text pattern: their argument is text whatever the field's type. */
const PATTERN_LOOKUPS = new Set([
  "iexact",
  "contains",
  "icontains",
  "startswith",
  "istartswith",
  "endswith",
  "iendswith",
]);

/** SPEC §4.3's naming rule: `status__secondary_email` → `status_SecondaryEmail`. */
export function filterArgumentName(field: string, lookup: string): string {
  const path = lookup === "exact" ? field : `${field}__${lookup}`;
  const [head = "", ...rest] = path.split("_");
  return (
    head +
    rest
      .map((piece) => (piece === "" ? "_" : piece.charAt(0).toUpperCase() + piece.slice(1)))
      .join("")
  );
}

interface FilterArgument {
  name: string;
  field: string;
  lookup: FilterLookup;
  /** The argument's type: `list` is `[type!]` for a built-in field, `[type]` for a declared one. */
  type: DeclaredScalar;
  list: boolean;
  declaration?: UserFieldDeclaration;
}

/**
 * A declared field's argument as graphene-django 3 types a filter: the field's own scalar (the
 * choice's value for a field with choices, as register and updateAccount take it), a list of it
 * for `in`, Boolean for `isnull`, text for the pattern lookups.
 */
function declaredArgumentType(field: UserFieldDeclaration, lookup: string): DeclaredScalar {
  if (lookup === "isnull") return "Boolean";
  return PATTERN_LOOKUPS.has(lookup) ? "String" : scalarOf(field.type);
}

export function filterArguments(config: Config): FilterArgument[] {
  const result: FilterArgument[] = [];
  for (const [field, lookups] of Object.entries(config.accounts.userNodeFilterFields)) {
    const declaration = config.accounts.userFields.find((declared) => declared.name === field);
    if (declaration === undefined && !isFilterableField(field))
      throw new Error(`USER_NODE_FILTER_FIELDS: unknown field "${field}"`);
    for (const lookup of lookups) {
      if (!LOOKUPS.has(lookup))
        throw new Error(`USER_NODE_FILTER_FIELDS: unknown lookup "${lookup}"`);
      const type =
        declaration !== undefined
          ? declaredArgumentType(declaration, lookup)
          : lookup !== "in" && (lookup === "isnull" || BOOLEAN_FIELDS.has(field))
            ? "Boolean"
            : "String";
      result.push({
        name: filterArgumentName(field, lookup),
        field,
        lookup: lookup as FilterLookup,
        type,
        list: lookup === "in",
        ...(declaration === undefined ? {} : { declaration }),
      });
    }
  }
  return result;
}

interface Edge {
  node: User;
  cursor: string;
}

interface Connection {
  edges: Edge[];
  pageInfo: {
    hasNextPage: boolean;
    hasPreviousPage: boolean;
    startCursor: string | null;
    endCursor: string | null;
  };
}

function defineConnectionTypes(builder: Builder, userNode: UserNodeRef) {
  const pageInfo = builder.objectRef<Connection["pageInfo"]>("PageInfo").implement({
    fields: (t) => ({
      hasNextPage: t.exposeBoolean("hasNextPage", { nullable: false }),
      hasPreviousPage: t.exposeBoolean("hasPreviousPage", { nullable: false }),
      startCursor: t.exposeString("startCursor", { nullable: true }),
      endCursor: t.exposeString("endCursor", { nullable: true }),
    }),
  });
  const edge = builder.objectRef<Edge>("UserNodeEdge").implement({
    fields: (t) => ({
      node: t.field({ type: userNode, nullable: true, resolve: (e) => e.node }),
      cursor: t.exposeString("cursor", { nullable: false }),
    }),
  });
  return builder.objectRef<Connection>("UserNodeConnection").implement({
    fields: (t) => ({
      pageInfo: t.field({ type: pageInfo, nullable: false, resolve: (c) => c.pageInfo }),
      edges: t.field({
        type: [edge],
        nullable: { list: false, items: true },
        resolve: (c) => c.edges,
      }),
    }),
  });
}

export function defineUsersQuery(builder: Builder, userNode: UserNodeRef, config: Config): void {
  const connection = defineConnectionTypes(builder, userNode);
  const filters = filterArguments(config);
  builder.queryField("users", (t) =>
    t.field({
      type: connection,
      nullable: true,
      description: "Users matching every given filter, by ascending id",
      args: {
        offset: t.arg.int(),
        before: t.arg.string(),
        after: t.arg.string(),
        first: t.arg.int(),
        last: t.arg.int(),
        ...Object.fromEntries(
          filters.map((filter) => {
            const type = useScalar(builder, filter.type) as "String";
            return [
              filter.name,
              filter.list
                ? t.arg({
                    type: [type],
                    required: { list: false, items: filter.declaration === undefined },
                  })
                : t.arg({ type, required: false }),
            ];
          }),
        ),
      },
      resolve: async (_root, args, ctx) => {
        if (!canListUsers(ctx.deps, ctx.viewer)) throw new PublicGraphQLError(PERMISSION_DENIED);
        const values = args as Record<string, unknown>;
        const active: UserFilter[] = filters
          .filter(
            (filter) =>
              values[filter.name] !== undefined &&
              values[filter.name] !== null &&
              values[filter.name] !== "",
          )
          .map((filter) => ({
            field: filter.field,
            lookup: filter.lookup,
            value: values[filter.name],
            ...(filter.declaration === undefined ? {} : { declaration: filter.declaration }),
          }));
        const maxLimit = ctx.deps.config.accounts.relayConnectionMaxLimit;
        const pagination = {
          first: args.first,
          last: args.last,
          after: args.after,
          before: args.before,
          offset: args.offset,
        };
        // Argument errors come before any query, as in the reference.
        planSlice(pagination, 0, "users", maxLimit);
        const { plan, users } = await pageOfUsers(ctx.deps, active, pagination, maxLimit);
        const edges = users.map((node, index) => ({
          node,
          cursor: offsetToCursor(plan.start + index),
        }));
        return {
          edges,
          pageInfo: {
            hasNextPage: plan.hasNextPage,
            hasPreviousPage: plan.hasPreviousPage,
            startCursor: edges[0]?.cursor ?? null,
            endCursor: edges.at(-1)?.cursor ?? null,
          },
        };
      },
    }),
  );
}

type Pagination = Parameters<typeof planSlice>[0];

/**
 * The page the reference's slicing picks. Only `last` and `before` count from the end of the
 * list and need its length; a forward page fetches one row more than it shows instead, which
 * answers hasNextPage the same way without counting every match (on a large table the count cost
 * more than the page).
 */
async function pageOfUsers(
  deps: Parameters<typeof listMatchingUsers>[0],
  filters: readonly UserFilter[],
  pagination: Pagination,
  maxLimit: number,
): Promise<{ plan: ReturnType<typeof planSlice>; users: User[] }> {
  const countsFromEnd =
    (pagination.last !== undefined && pagination.last !== null) ||
    (pagination.before !== undefined && pagination.before !== null && pagination.before !== "");
  if (countsFromEnd) {
    const plan = planSlice(pagination, await countMatchingUsers(deps, filters), "users", maxLimit);
    const users = await listMatchingUsers(deps, filters, {
      offset: plan.start,
      limit: plan.end - plan.start,
    });
    return { plan, users };
  }
  const unbounded = planSlice(pagination, Number.MAX_SAFE_INTEGER, "users", maxLimit);
  const pageSize = unbounded.end - unbounded.start;
  const fetched = await listMatchingUsers(deps, filters, {
    offset: unbounded.start,
    limit: pageSize + 1,
  });
  // Any length past the page gives the same plan as the true one; so does the exact length.
  const knownLength =
    fetched.length > pageSize ? unbounded.start + pageSize + 1 : unbounded.start + fetched.length;
  const plan = planSlice(pagination, knownLength, "users", maxLimit);
  return { plan, users: fetched.slice(0, plan.end - plan.start) };
}
