// The cost limit and GraphiQL's introspection query: unset, the limit grows with the schema so
// schema explorers keep working; set below what introspection costs, the server says so at start.
import { Writable } from "node:stream";
import { getIntrospectionQuery, parse, validate } from "graphql";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../../src/config/config.js";
import { effectiveMaxCost, graphqlValidationRules } from "../../../src/graphql/limits.js";
import { introspectionQueryCost } from "../../../src/graphql/query-cost.js";
import { buildSchema } from "../../../src/graphql/schema.js";

function capturedLogger() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { log: pino(stream), lines };
}

const INTROSPECTION = parse(getIntrospectionQuery({ descriptions: true, oneOf: true }));

describe("GRAPHQL_MAX_COST and introspection", () => {
  it("costs GraphiQL's query at what it answers: more in relay style, more with more fields", () => {
    const plain = buildSchema(loadConfig({}));
    const relay = buildSchema(loadConfig({ GRAPHQL_API_STYLE: "relay" }));
    const withFields = buildSchema(
      loadConfig({
        USER_FIELDS: JSON.stringify({
          nickname: { type: "CharField", max_length: 40, blank: true, default: "" },
          birthday: { type: "DateField", null: true, blank: true },
        }),
      }),
    );
    const cost = (schema: typeof plain) => introspectionQueryCost(schema, 100);
    expect(cost(plain)).toBeGreaterThan(1000);
    expect(cost(relay)).toBeGreaterThan(cost(plain));
    expect(cost(withFields)).toBeGreaterThan(cost(plain));
  });

  it("unset, fits GraphiQL's query even with small pages, and never two copies of it", () => {
    for (const env of [{}, { RELAY_CONNECTION_MAX_LIMIT: "10" }, { GRAPHQL_API_STYLE: "relay" }]) {
      const config = loadConfig(env);
      const schema = buildSchema(config);
      const introspection = introspectionQueryCost(schema, config.accounts.relayConnectionMaxLimit);
      const limit = effectiveMaxCost(config, schema);
      expect(limit).toBeGreaterThanOrEqual(introspection);
      expect(limit).toBeGreaterThanOrEqual(config.graphqlLimits.maxCost);
      expect(validate(schema, INTROSPECTION, graphqlValidationRules(config, schema))).toEqual([]);
    }
    const small = loadConfig({ RELAY_CONNECTION_MAX_LIMIT: "10" });
    const schema = buildSchema(small);
    expect(effectiveMaxCost(small, schema)).toBeLessThan(
      2 * introspectionQueryCost(schema, small.accounts.relayConnectionMaxLimit),
    );
  });

  it("set, is kept as set, and a limit that shuts introspection out is said at start", () => {
    const { log, lines } = capturedLogger();
    const config = loadConfig({ GRAPHQL_MAX_COST: "300" });
    const schema = buildSchema(config);
    expect(effectiveMaxCost(config, schema, log)).toBe(300);
    expect(lines.join("")).toMatch(
      /GRAPHQL_MAX_COST \(300\) is below what GraphiQL's introspection query costs on this schema \(\d+\)/,
    );
    const errors = validate(schema, INTROSPECTION, graphqlValidationRules(config, schema));
    expect(errors.map((error) => error.message)).toEqual([
      expect.stringMatching(/^Query cost limit of 300 exceeded/),
    ]);
  });

  it("says nothing when introspection is off, whatever the limit", () => {
    const { log, lines } = capturedLogger();
    const config = loadConfig({ GRAPHQL_MAX_COST: "300", GRAPHQL_INTROSPECTION: "false" });
    expect(effectiveMaxCost(config, buildSchema(config), log)).toBe(300);
    expect(lines).toEqual([]);
  });
});
