// The Pothos builder, the request context and the three custom scalars of SPEC §4 (the scalars
// of declared user fields are in types/user-fields.ts).
import SchemaBuilder from "@pothos/core";
import { GraphQLError, Kind, type ValueNode } from "graphql";
import type { ErrorMap } from "../accounts/errors.js";
import type { RequestOrigin, User } from "../accounts/types.js";
import type { Deps } from "../deps.js";

export interface GraphQLContext {
  deps: Deps;
  /** The authenticated caller (SPEC §3.2), resolved once per request. */
  viewer: User | undefined;
  /** The session of the caller's access token (none for an admin session or older tokens). */
  viewerSessionId: string | undefined;
  origin: RequestOrigin;
  /** Set by mutations that must also set cookies (JWT_COOKIE_AUTH). */
  cookies: { name: string; value: string; maxAgeSeconds: number }[];
  presentedRefreshTokenCookie: string | undefined;
}

export interface SchemaTypes {
  Context: GraphQLContext;
  Scalars: {
    DateTime: { Input: Date; Output: Date };
    GenericScalar: { Input: unknown; Output: unknown };
    ExpectedErrorType: { Input: ErrorMap; Output: ErrorMap };
    // Defined only when a declared user field needs them (types/user-fields.ts).
    BigInt: { Input: number; Output: number };
    Decimal: { Input: string; Output: string };
    Date: { Input: string; Output: string };
    UUID: { Input: string; Output: string };
    JSONString: { Input: unknown; Output: unknown };
  };
}

export type Builder = PothosSchemaTypes.SchemaBuilder<
  PothosSchemaTypes.ExtendDefaultTypes<SchemaTypes>
>;

/** Python's datetime.isoformat() for an aware UTC time: microseconds, omitted when zero. */
export function formatDateTime(date: Date): string {
  const iso = date.toISOString();
  const milliseconds = date.getUTCMilliseconds();
  const fraction = milliseconds === 0 ? "" : `.${String(milliseconds).padStart(3, "0")}000`;
  return `${iso.slice(0, 19)}${fraction}+00:00`;
}

function literalValue(node: ValueNode): unknown {
  switch (node.kind) {
    case Kind.STRING:
    case Kind.BOOLEAN:
    case Kind.ENUM:
      return node.value;
    case Kind.INT:
    case Kind.FLOAT:
      return Number(node.value);
    case Kind.NULL:
      return null;
    case Kind.LIST:
      return node.values.map(literalValue);
    case Kind.OBJECT:
      return Object.fromEntries(
        node.fields.map((field) => [field.name.value, literalValue(field.value)]),
      );
    case Kind.VARIABLE:
      return undefined;
  }
}

export function createBuilder(): Builder {
  const builder = new SchemaBuilder<SchemaTypes>({});
  builder.scalarType("DateTime", {
    description: "ISO-8601 date and time with offset, as Python's isoformat() writes it",
    serialize: (value) => formatDateTime(value),
    parseValue: (value) => {
      const date = new Date(String(value));
      if (Number.isNaN(date.getTime())) throw new GraphQLError("Invalid DateTime");
      return date;
    },
  });
  builder.scalarType("GenericScalar", {
    description: "Any JSON value",
    serialize: (value) => value,
    parseValue: (value) => value,
    parseLiteral: literalValue,
  });
  builder.scalarType("ExpectedErrorType", {
    description:
      'Errors of a mutation: {"field": [{"message": ..., "code": ...}]}, "nonFieldErrors" for the rest',
    serialize: (value) => value,
    parseValue: (value) => value as ErrorMap,
  });
  builder.queryType({});
  builder.mutationType({});
  return builder;
}
