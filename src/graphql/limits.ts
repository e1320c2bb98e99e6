// The limits every GraphQL document must pass before it runs (GRAPHQL_MAX_* settings), so one
// request cannot make the server parse, validate or resolve without bound. Depth, aliases and
// directives use graphql-armor's rules, tokens graphql's own parser limit, cost our rule in
// query-cost.ts. Each failure is a validation error: HTTP 400 with a message naming the limit.
// See OWASP's GraphQL Cheat Sheet, "Denial of Service".
import { maxAliasesRule } from "@escape.tech/graphql-armor-max-aliases";
import { maxDepthRule } from "@escape.tech/graphql-armor-max-depth";
import { maxDirectivesRule } from "@escape.tech/graphql-armor-max-directives";
import {
  GraphQLError,
  NoSchemaIntrospectionCustomRule,
  type GraphQLSchema,
  type ParseOptions,
  type ValidationContext,
  type ValidationRule,
} from "graphql";
import type { Config } from "../config/config.js";
import type { Logger } from "pino";
import { introspectionQueryCost, queryCostRule } from "./query-cost.js";

/**
 * graphql-armor throws its errors out of validate() unless told otherwise, which would make a
 * 500; reporting them keeps them ordinary validation errors. Its messages start with "Syntax
 * Error:", which they are not, so that prefix goes.
 */
const armorOptions = {
  propagateOnRejection: false,
  onReject: [
    (context: ValidationContext | null, error: GraphQLError) => {
      context?.reportError(new GraphQLError(error.message.replace(/^Syntax Error: /, "")));
    },
  ],
};

/** Room for one introspection query, not two: copies of it are the cheapest heavy request. */
const INTROSPECTION_HEADROOM = 1.25;

/**
 * GRAPHQL_MAX_COST, or when unset 50 × RELAY_CONNECTION_MAX_LIMIT raised to fit GraphiQL's
 * introspection query, whose cost grows with the schema (USER_FIELDS, new operations): explorers
 * keep working as the schema grows or pages shrink. A GRAPHQL_MAX_COST that shuts introspection
 * out while it is on is the operator's choice, said once at start.
 */
export function effectiveMaxCost(config: Config, schema: GraphQLSchema, log?: Logger): number {
  const limits = config.graphqlLimits;
  if (!limits.introspection) return limits.maxCost;
  const introspection = introspectionQueryCost(schema, config.accounts.relayConnectionMaxLimit);
  if (limits.maxCostIsDerived) {
    return Math.max(limits.maxCost, Math.ceil(introspection * INTROSPECTION_HEADROOM));
  }
  if (introspection > limits.maxCost) {
    log?.warn(
      `GRAPHQL_MAX_COST (${String(limits.maxCost)}) is below what GraphiQL's introspection query costs on this schema (${String(introspection)}): schema explorers will be refused`,
    );
  }
  return limits.maxCost;
}

export function graphqlValidationRules(
  config: Config,
  schema: GraphQLSchema,
  log?: Logger,
): ValidationRule[] {
  const limits = config.graphqlLimits;
  const rules: ValidationRule[] = [
    // Introspection counts too: __type and __schema nest without end (STACK.md: armor skips
    // __schema by default). Spreads add no level of their own, as in mercurius' queryDepth.
    maxDepthRule({
      n: limits.maxDepth,
      ignoreIntrospection: false,
      flattenFragments: true,
      ...armorOptions,
    }),
    // armor lets `__typename` aliases through by default (STACK.md): count them too.
    maxAliasesRule({ n: limits.maxAliases, allowList: [], ...armorOptions }),
    maxDirectivesRule({ n: limits.maxDirectives, ...armorOptions }),
    queryCostRule({
      maxCost: effectiveMaxCost(config, schema, log),
      pageSizeLimit: config.accounts.relayConnectionMaxLimit,
    }),
  ];
  if (!limits.introspection) rules.push(NoSchemaIntrospectionCustomRule);
  return rules;
}

/** graphql's parser stops after this many tokens, before building a huge document. */
export function graphqlParseOptions(config: Config): ParseOptions {
  return { maxLexicalTokens: config.graphqlLimits.maxTokens };
}

/**
 * With introspection off, "Did you mean …?" hints would still spell out the schema field by
 * field; they go too.
 */
export function withoutSuggestions(message: string): string {
  return message.replace(/ Did you mean .*\?$/, "");
}
