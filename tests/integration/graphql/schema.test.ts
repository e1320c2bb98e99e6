// The printed schema: committed in schema.graphql (`npm run schema:write` updates it), equal to the
// reference's up to ordering, descriptions and SPEC §4's additive fields, and the relay style of
// SPEC §10.
import { readFileSync } from "node:fs";
import {
  buildASTSchema,
  lexicographicSortSchema,
  parse,
  printSchema,
  visit,
  type FieldDefinitionNode,
  type GraphQLObjectType,
  type GraphQLSchema,
  type ObjectTypeDefinitionNode,
} from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../../src/config/config.js";
import { printedSchema } from "../../../src/graphql/schema.js";
import { STRONG_PASSWORD } from "../../support/builders.js";
import { startTestApp, unique, type TestApp } from "../../support/test-app.js";

const COMMITTED_SCHEMA = new URL("../../../schema.graphql", import.meta.url);
const REFERENCE_SCHEMA = new URL(
  "../../../../shared/conformance/reference-schema.graphql",
  import.meta.url,
);

/** Fields SPEC §4 lets us add to the reference's types (django-graphql-jwt ≥ 0.3.1 clients). */
const ADDITIVE_FIELDS: Record<string, string[]> = {
  ObtainJSONWebToken: ["refreshExpiresIn", "payload"],
  RefreshToken: ["refreshExpiresIn"],
};

/** SDL sorted, without descriptions, and without the given additive fields. */
function comparable(sdl: string, withoutFields: Record<string, string[]> = {}): string {
  const document = visit(parse(sdl), {
    enter(node) {
      return "description" in node ? { ...node, description: undefined } : undefined;
    },
    ObjectTypeDefinition: {
      leave(node: ObjectTypeDefinitionNode) {
        const dropped = withoutFields[node.name.value] ?? [];
        return {
          ...node,
          description: undefined,
          fields: node.fields?.filter(
            (field: FieldDefinitionNode) => !dropped.includes(field.name.value),
          ),
        };
      },
    },
  });
  return printSchema(lexicographicSortSchema(buildASTSchema(document)));
}

function schemaOf(env: Record<string, string>): GraphQLSchema {
  return buildASTSchema(parse(printedSchema(loadConfig(env))));
}

describe("printed schema", () => {
  it("equals the committed schema.graphql (run `npm run schema:write` after a change)", () => {
    expect(printedSchema(loadConfig({}))).toBe(readFileSync(COMMITTED_SCHEMA, "utf8"));
  });

  it("equals the reference schema up to ordering, descriptions and the allowed additive fields", () => {
    const ours = comparable(printedSchema(loadConfig({})), ADDITIVE_FIELDS);
    expect(ours).toBe(comparable(readFileSync(REFERENCE_SCHEMA, "utf8")));
  });

  it("has the allowed additive token fields", () => {
    const schema = schemaOf({});
    const obtain = schema.getType("ObtainJSONWebToken") as GraphQLObjectType;
    const refresh = schema.getType("RefreshToken") as GraphQLObjectType;
    expect(String(obtain.getFields().refreshExpiresIn?.type)).toBe("Int");
    expect(String(obtain.getFields().payload?.type)).toBe("GenericScalar");
    expect(String(refresh.getFields().refreshExpiresIn?.type)).toBe("Int");
  });
});

describe("relay style schema", () => {
  const plain = schemaOf({});
  const relay = schemaOf({ GRAPHQL_API_STYLE: "relay" });

  it("takes register's arguments as one RegisterInput and returns RegisterPayload", () => {
    const register = relay.getMutationType()?.getFields().register;
    expect(register?.args.map((arg) => `${arg.name}: ${String(arg.type)}`)).toEqual([
      "input: RegisterInput!",
    ]);
    expect(String(register?.type)).toBe("RegisterPayload");
    const payload = relay.getType("RegisterPayload") as GraphQLObjectType;
    expect(String(payload.getFields().clientMutationId?.type)).toBe("String");
  });

  it("gives every mutation an <Output>Input with the plain arguments and an <Output>Payload with the plain fields", () => {
    const plainMutations = Object.values(plain.getMutationType()?.getFields() ?? {});
    expect(plainMutations).toHaveLength(18);
    for (const mutation of plainMutations) {
      const typeName = String(mutation.type);
      const relayMutation = relay.getMutationType()?.getFields()[mutation.name];
      expect(
        relayMutation?.args.map((arg) => `${arg.name}: ${String(arg.type)}`),
        mutation.name,
      ).toEqual([`input: ${typeName}Input!`]);
      expect(String(relayMutation?.type), mutation.name).toBe(`${typeName}Payload`);

      const input = relay.getType(`${typeName}Input`) as unknown as {
        getFields(): Record<string, { type: unknown }>;
      };
      const inputFields = Object.entries(input.getFields()).map(
        ([name, field]) => `${name}: ${String(field.type)}`,
      );
      const plainArgs = mutation.args.map((arg) => `${arg.name}: ${String(arg.type)}`);
      expect(inputFields.sort(), mutation.name).toEqual(
        [...plainArgs, "clientMutationId: String"].sort(),
      );

      const payloadFields = Object.values(
        (relay.getType(`${typeName}Payload`) as GraphQLObjectType).getFields(),
      );
      const plainFields = Object.values((plain.getType(typeName) as GraphQLObjectType).getFields());
      expect(
        payloadFields.map((field) => `${field.name}: ${String(field.type)}`).sort(),
        mutation.name,
      ).toEqual(
        [
          ...plainFields.map((field) => `${field.name}: ${String(field.type)}`),
          "clientMutationId: String",
        ].sort(),
      );
    }
  });

  it("keeps the queries of the plain style", () => {
    const queries = (schema: GraphQLSchema) =>
      Object.values(schema.getQueryType()?.getFields() ?? {}).map(
        (field) =>
          `${field.name}(${field.args.map((arg) => `${arg.name}: ${String(arg.type)}`).join(", ")}): ${String(field.type)}`,
      );
    expect(queries(relay)).toEqual(queries(plain));
  });
});

describe("relay style API", () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp("sqlite", { GRAPHQL_API_STYLE: "relay" });
  });
  afterAll(async () => {
    await app.close();
  });

  // Regression: SPEC §10 [FIX] — the reference treats clientMutationId as a login identifier.
  it("logs in with tokenAuth when a clientMutationId is given", async () => {
    const username = unique("relay");
    const registered = await app.gql(
      `mutation ($input: RegisterInput!) { register(input: $input) { success errors clientMutationId } }`,
      {
        input: {
          email: `${username}@example.com`,
          username,
          password1: STRONG_PASSWORD,
          password2: STRONG_PASSWORD,
          clientMutationId: "r-1",
        },
      },
    );
    expect(registered.body.data?.register).toEqual({
      success: true,
      errors: null,
      clientMutationId: "r-1",
    });

    const login = await app.gql(
      `mutation ($input: ObtainJSONWebTokenInput!) {
        tokenAuth(input: $input) { success errors token clientMutationId user { username } }
      }`,
      { input: { username, password: STRONG_PASSWORD, clientMutationId: "login-1" } },
    );
    expect(login.body.data?.tokenAuth).toMatchObject({
      success: true,
      errors: null,
      clientMutationId: "login-1",
      user: { username },
    });
    expect((login.body.data?.tokenAuth as { token: unknown }).token).toEqual(expect.any(String));
  });

  it("answers a null clientMutationId when none is sent", async () => {
    const response = await app.gql(
      `mutation { verifyAccount(input: { token: "nonsense" }) { success clientMutationId } }`,
    );
    expect(response.body.data?.verifyAccount).toEqual({ success: false, clientMutationId: null });
  });
});
