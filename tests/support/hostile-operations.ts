// Hostile GraphQL requests built from a server's own operations (schema-operations.ts): each
// argument gets a hostile value of its type, of any type, or a plausible one (so one bad value
// among good ones gets past the early checks), passed as a variable or inline, with or without
// a valid token.
import fc from "fast-check";
import type { RegisteredUser } from "./builders.js";
import {
  headerValue,
  hostileString,
  hostileValue,
  toGraphqlLiteral,
  toJsonText,
  type HostileValue,
} from "./hostile-values.js";
import type { SchemaOperation } from "./schema-operations.js";

const WRONG_TYPES = ["String", "String!", "Int", "Float", "Boolean!", "ID", "[String]", "[[Int!]]"];

type ArgumentValue =
  /** A hostile value of the argument's own type, so it gets past GraphQL's coercion. */
  | { kind: "typed"; value: HostileValue }
  /** A hostile value of any JSON type. */
  | { kind: "any"; value: HostileValue }
  | { kind: "plausible" };

interface ArgumentCase {
  name: string;
  value: ArgumentValue;
  passing: "variable" | "inline" | "absent";
  /** A variable's declared type when it is not the argument's own. */
  wrongType: string | undefined;
}

export interface OperationCase {
  operation: SchemaOperation;
  args: ArgumentCase[];
  auth: { kind: "none" } | { kind: "pool" } | { kind: "header"; value: string };
  /** The pool user whose token and data the case uses. */
  user: number;
  /** A fresh name for operations that create an account. */
  freshName: string;
}

const globalId = (pk: number) => Buffer.from(`UserNode:${pk}`).toString("base64");
const cursor = (index: number) => Buffer.from(`arrayconnection:${index}`).toString("base64");

/** A signed-in user whose token, password and links hostile cases may use. */
export interface PoolUser extends RegisteredUser {
  pk: number;
}

/** A value a real client would send for this argument: lets one hostile value get deep. */
function plausibleValue(
  operation: SchemaOperation,
  argument: string,
  user: PoolUser,
  freshName: string,
): unknown {
  if (operation.field === "register" && argument === "username") return freshName;
  if (operation.field === "register" && argument === "email") return `${freshName}@example.org`;
  if (/^(password|password1|password2|oldPassword)$/.test(argument)) return user.password;
  if (/^newPassword[12]$/.test(argument)) return "Fresh-Horse-77";
  if (argument === "refreshToken") return user.refreshToken;
  if (argument === "token") {
    return operation.field === "verifyToken" ? user.token : user.activationToken;
  }
  if (argument === "id") return globalId(user.pk);
  if (argument === "after" || argument === "before") return cursor(0);
  if (["first", "last", "offset"].includes(argument)) return 1;
  if (argument.startsWith("is") || argument.startsWith("status_A")) return true;
  if (argument === "status_Verified") return true;
  if (/email/i.test(argument)) return user.email;
  if (/username/i.test(argument)) return user.username.slice(0, 6);
  return "Ada";
}

const INT_TEXTS = fc.oneof(
  fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }).map(String),
  fc.constantFrom("0", "-1", "1", "100", "101", "2147483647", "-2147483648"),
);

/** A hostile value the declared type accepts (`String!` → any string, `Int` → any 32-bit int). */
function typedValue(type: string): fc.Arbitrary<HostileValue> {
  const named = type.replace(/[[\]!]/g, "");
  const value: fc.Arbitrary<HostileValue> =
    named === "Int"
      ? INT_TEXTS.map((text) => ({ kind: "number", text }))
      : named === "Float"
        ? fc
            .double({ noNaN: true, noDefaultInfinity: true })
            .map((n) => ({ kind: "number", text: JSON.stringify(n) }))
        : named === "Boolean"
          ? fc.boolean().map((bool) => ({ kind: "boolean", value: bool }))
          : hostileString.map((text) => ({ kind: "string", value: text }));
  return type.startsWith("[")
    ? fc.array(value, { maxLength: 4 }).map((items) => ({ kind: "list", items }))
    : value;
}

function argumentCase(operation: SchemaOperation): fc.Arbitrary<ArgumentCase[]> {
  return fc.tuple(
    ...operation.args.map((arg) =>
      fc.record({
        name: fc.constant(arg.name),
        value: fc.oneof(
          {
            arbitrary: typedValue(arg.type).map((value) => ({ kind: "typed" as const, value })),
            weight: 4,
          },
          { arbitrary: hostileValue.map((value) => ({ kind: "any" as const, value })), weight: 1 },
          { arbitrary: fc.constant({ kind: "plausible" as const }), weight: 3 },
        ),
        passing: fc.oneof(
          { arbitrary: fc.constant("variable" as const), weight: 6 },
          { arbitrary: fc.constant("inline" as const), weight: 2 },
          { arbitrary: fc.constant("absent" as const), weight: arg.isRequired ? 1 : 3 },
        ),
        wrongType: fc.option(fc.constantFrom(...WRONG_TYPES), { freq: 8, nil: undefined }),
      }),
    ),
  );
}

export function operationCases(
  operations: SchemaOperation[],
  poolSize: number,
): fc.Arbitrary<OperationCase> {
  return fc.constantFrom(...operations).chain((operation) =>
    fc.record({
      operation: fc.constant(operation),
      args: argumentCase(operation),
      auth: fc.oneof(
        { arbitrary: fc.constant({ kind: "none" as const }), weight: 2 },
        { arbitrary: fc.constant({ kind: "pool" as const }), weight: 3 },
        {
          arbitrary: fc
            .oneof(
              headerValue,
              headerValue.map((value) => `JWT ${value}`),
            )
            .map((value) => ({ kind: "header" as const, value })),
          weight: 1,
        },
      ),
      user: fc.nat({ max: poolSize - 1 }),
      freshName: fc.stringMatching(/^[a-z][a-z0-9_]{5,12}$/),
    }),
  );
}

/** The request body (JSON text, so deep and raw numbers survive) and the headers of a case. */
export function operationRequest(testCase: OperationCase, pool: PoolUser[]) {
  const user = pool[testCase.user]!;
  const definitions: string[] = [];
  const argumentTexts: string[] = [];
  const variables: string[] = [];
  const { operation } = testCase;
  testCase.args.forEach((arg, index) => {
    if (arg.passing === "absent") return;
    const declared = operation.args[index]!.type;
    const valueText =
      arg.value.kind === "plausible"
        ? JSON.stringify(plausibleValue(operation, arg.name, user, testCase.freshName))
        : toJsonText(arg.value.value);
    if (arg.passing === "inline" && arg.value.kind !== "plausible") {
      argumentTexts.push(`${arg.name}: ${toGraphqlLiteral(arg.value.value)}`);
      return;
    }
    const variable = `v${index}`;
    const type = arg.value.kind === "any" ? (arg.wrongType ?? declared) : declared;
    definitions.push(`$${variable}: ${type}`);
    argumentTexts.push(`${arg.name}: $${variable}`);
    variables.push(`${JSON.stringify(variable)}:${valueText}`);
  });
  const head = definitions.length === 0 ? "" : `(${definitions.join(", ")})`;
  const args = argumentTexts.length === 0 ? "" : `(${argumentTexts.join(", ")})`;
  const query = `${operation.kind} Fuzz${head} { ${operation.field}${args} ${operation.selection} }`;
  const body = `{"query":${JSON.stringify(query)},"variables":{${variables.join(",")}},"operationName":"Fuzz"}`;
  const headers: [string, string][] = [["Content-Type", "application/json"]];
  if (testCase.auth.kind === "pool") headers.push(["Authorization", `JWT ${user.token}`]);
  if (testCase.auth.kind === "header") headers.push(["Authorization", testCase.auth.value]);
  return { body, headers };
}
