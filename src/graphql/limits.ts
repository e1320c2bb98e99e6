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
  type ParseOptions,
  type ValidationContext,
  type ValidationRule,
} from "graphql";
import type { Config } from "../config/config.js";
import { queryCostRule } from "./query-cost.js";

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

export function graphqlValidationRules(config: Config): ValidationRule[] {
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
      maxCost: limits.maxCost,
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
