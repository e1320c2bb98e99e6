// The printed schema: committed in schema.graphql (`npm run schema:write` updates it), equal to the
// reference's up to ordering, descriptions and SPEC §4's additive fields, and the relay style of
// SPEC §10.
import { readFileSync } from "node:fs";
import {
  buildASTSchema,
  Kind,
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
// A verbatim copy of the shared conformance suite's reference-schema.graphql (printed from the
// reference, django-graphql-auth 0.3.16): the tests need nothing outside this repository.
const REFERENCE_SCHEMA = new URL("../../fixtures/reference-schema.graphql", import.meta.url);

/**
 * What we add to the reference's schema: fields SPEC §4 allows (django-graphql-jwt ≥ 0.3.1
 * clients), and the operations and fields of features the reference never had (sessions, second
 * factor, passkeys). A client written for the reference sees every one of its own types, fields
 * and arguments unchanged; additions are listed here one by one, so none slips in unnoticed.
 */
const ADDITIVE_FIELDS: Record<string, string[]> = {
  ObtainJSONWebToken: ["refreshExpiresIn", "payload"],
  RefreshToken: ["refreshExpiresIn"],
  // Sessions and the second factor (issue 16).
  Query: ["sessions"],
  Mutation: [
    "revokeSession",
    "revokeOtherSessions",
    "setupTotp",
    "confirmTotp",
    "disableTotp",
    "regenerateRecoveryCodes",
  ],
  UserNode: ["twoFactorEnabled"],
};
/** Types that exist only for those features. */
const ADDITIVE_TYPES: string[] = [
  // Sessions (issue 16).
  "SessionNode",
  "RevokeSession",
  "RevokeOtherSessions",
  // The second factor (issue 16).
  "SetupTotp",
  "ConfirmTotp",
  "DisableTotp",
  "RegenerateRecoveryCodes",
];
/** Arguments added to the reference's fields (`Type.field`: names). */
const ADDITIVE_ARGUMENTS: Record<string, string[]> = {
  // The second factor (issue 16).
  "Mutation.tokenAuth": ["otp"],
};

/** SDL sorted, without descriptions, and without the given additive fields, types and args. */
function comparable(
  sdl: string,
  additions: {
    fields?: Record<string, string[]>;
    types?: string[];
    arguments?: Record<string, string[]>;
  } = {},
): string {
  const withoutFields = additions.fields ?? {};
  const withoutTypes = new Set(additions.types ?? []);
  const withoutArguments = additions.arguments ?? {};
  const document = visit(parse(sdl), {
    enter(node) {
      if (
        (node.kind === Kind.INPUT_OBJECT_TYPE_DEFINITION ||
          node.kind === Kind.ENUM_TYPE_DEFINITION ||
          node.kind === Kind.SCALAR_TYPE_DEFINITION) &&
        withoutTypes.has(node.name.value)
      )
        return null;
      return "description" in node ? { ...node, description: undefined } : undefined;
    },
    ObjectTypeDefinition: {
      // A kind's own visitor replaces the generic `enter` above for that kind, so additive object
      // types are dropped here.
      leave(node: ObjectTypeDefinitionNode) {
        if (withoutTypes.has(node.name.value)) return null;
        const dropped = withoutFields[node.name.value] ?? [];
        return {
          ...node,
          description: undefined,
          fields: node.fields
            ?.filter((field: FieldDefinitionNode) => !dropped.includes(field.name.value))
            .map((field: FieldDefinitionNode) => {
              const droppedArguments =
                withoutArguments[`${node.name.value}.${field.name.value}`] ?? [];
              return {
                ...field,
                arguments: field.arguments?.filter(
                  (argument) => !droppedArguments.includes(argument.name.value),
                ),
              };
            }),
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
    const ours = comparable(printedSchema(loadConfig({})), {
      fields: ADDITIVE_FIELDS,
      types: ADDITIVE_TYPES,
      arguments: ADDITIVE_ARGUMENTS,
    });
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
    // The reference's 18, and the sessions' 2 and the second factor's 4 (issue 16).
    expect(plainMutations).toHaveLength(24);
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
