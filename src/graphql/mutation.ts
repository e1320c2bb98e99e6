// Defines a mutation in the configured API style (SPEC §10): plain arguments returning <Type>,
// or relay's single `input: <Type>Input!` returning <Type>Payload with clientMutationId echoed.
import type { ScalarName } from "../config/config.js";
import type { Builder, GraphQLContext } from "./builder.js";
import { asPayload, type PayloadValue } from "./errors.js";
import { passkeyNodeRef } from "./types/passkey.js";
import type { UserNodeRef } from "./types/user.js";
import { useScalar } from "./types/user-fields.js";

export interface ArgumentSpec {
  type: ScalarName | "JSONString";
  required: boolean;
}

export type OutputType =
  | "String"
  | "Int"
  | "Boolean"
  | "GenericScalar"
  | "ExpectedErrorType"
  | "UserNode"
  | "[String]"
  | "JSONString"
  | "PasskeyNode";

/** The schema type of an output field. */
function outputType(builder: Builder, type: OutputType, userNode: UserNodeRef) {
  switch (type) {
    case "UserNode":
      return userNode;
    case "PasskeyNode":
      return passkeyNodeRef(builder);
    case "[String]":
      return ["String"] as const;
    case "JSONString":
      return useScalar(builder, "JSONString");
    case "String":
    case "Int":
    case "Boolean":
    case "GenericScalar":
    case "ExpectedErrorType":
      return type;
  }
}

/** The schema type of an argument. */
function argumentType(builder: Builder, type: ArgumentSpec["type"]) {
  return type === "JSONString" ? useScalar(builder, "JSONString") : type;
}

export interface MutationSpec {
  /** The mutation field, e.g. `tokenAuth`. */
  field: string;
  /** The output type name of SPEC §4, e.g. `ObtainJSONWebToken`. */
  typeName: string;
  description: string;
  args: Record<string, ArgumentSpec>;
  /** Output fields in order, success and errors included. */
  outputs: Record<string, OutputType>;
  run(
    args: Record<string, unknown>,
    ctx: GraphQLContext,
    // eslint-disable-next-line @typescript-eslint/no-invalid-void-type -- outputs-less mutations just await
  ): Promise<Record<string, unknown> | undefined | void>;
}

type Resolvable = unknown;

/** Output values may be thunks: a refresh token is minted only when its field is selected. */
async function outputValue(payload: PayloadValue, field: string): Promise<Resolvable> {
  const value = payload[field];
  return typeof value === "function" ? await (value as () => Promise<unknown>)() : value;
}

function definePayloadType(
  builder: Builder,
  spec: MutationSpec,
  name: string,
  userNode: UserNodeRef,
  isRelay: boolean,
) {
  return builder.objectRef<PayloadValue>(name).implement({
    description: spec.description,
    fields: (t) => {
      const fields: Record<string, ReturnType<typeof t.field>> = {};
      for (const [field, type] of Object.entries(spec.outputs)) {
        fields[field] = t.field({
          type: outputType(builder, type, userNode) as "String",
          nullable: true,
          resolve: (payload) => outputValue(payload, field) as never,
        });
      }
      if (isRelay) {
        fields.clientMutationId = t.field({
          type: "String",
          nullable: true,
          resolve: (payload) => payload.clientMutationId as string | null,
        });
      }
      return fields;
    },
  });
}

export function defineMutation(
  builder: Builder,
  spec: MutationSpec,
  userNode: UserNodeRef,
  style: "graphql" | "relay",
): void {
  const outputNames = Object.keys(spec.outputs).filter(
    (name) => name !== "success" && name !== "errors",
  );
  const run = (args: Record<string, unknown>, ctx: GraphQLContext) =>
    asPayload(outputNames, () => spec.run(args, ctx));
  if (style === "graphql") {
    const payload = definePayloadType(builder, spec, spec.typeName, userNode, false);
    builder.mutationField(spec.field, (t) =>
      t.field({
        type: payload,
        nullable: true,
        description: spec.description,
        args: Object.fromEntries(
          Object.entries(spec.args).map(([name, arg]) => [
            name,
            t.arg({ type: argumentType(builder, arg.type) as "String", required: arg.required }),
          ]),
        ),
        resolve: (_root, args, ctx) => run(args as Record<string, unknown>, ctx),
      }),
    );
    return;
  }
  const payload = definePayloadType(builder, spec, `${spec.typeName}Payload`, userNode, true);
  const input = builder.inputType(`${spec.typeName}Input`, {
    fields: (t) => ({
      ...Object.fromEntries(
        Object.entries(spec.args).map(([name, arg]) => [
          name,
          t.field({ type: argumentType(builder, arg.type) as "String", required: arg.required }),
        ]),
      ),
      clientMutationId: t.string(),
    }),
  });
  builder.mutationField(spec.field, (t) =>
    t.field({
      type: payload,
      nullable: true,
      description: spec.description,
      args: { input: t.arg({ type: input, required: true }) },
      resolve: async (_root, args, ctx) => {
        const { clientMutationId, ...fields } = args.input as Record<string, unknown>;
        // SPEC §10 [FIX]: clientMutationId is echoed, never treated as an argument.
        const result = await run(fields, ctx);
        return { ...result, clientMutationId: clientMutationId ?? null };
      },
    }),
  );
}
