// Declared user fields (USER_FIELDS) through the API, as graphene-django exposes a model's fields:
// the printed schema of the sample declaration (tests/fixtures/user-fields-sample.*), each type's
// round trip register → me → updateAccount → users filter, Django's validation errors with
// nothing left behind, and the ordered lookups (lt/lte/gt/gte) on numbers, dates and times.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseEnv } from "node:util";
import {
  buildASTSchema,
  lexicographicSortSchema,
  parse,
  printSchema,
  type GraphQLArgument,
  type GraphQLObjectType,
  type GraphQLSchema,
} from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../../src/config/config.js";
import { printedSchema } from "../../../src/graphql/schema.js";
import {
  choiceEnumName,
  choiceEnumValues,
  pythonJsonDumps,
} from "../../../src/graphql/types/user-fields.js";
import { answerOf } from "../../support/answers.js";
import { STRONG_PASSWORD } from "../../support/builders.js";
import { VERIFY_ACCOUNT } from "../../support/operations.js";
import { startTestApp, testDatabases, unique, type TestApp } from "../../support/test-app.js";

const PROJECT_ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const FIXTURES = new URL("../../fixtures/", import.meta.url);
const SAMPLE_SDL = readFileSync(new URL("user-fields-sample.graphql", FIXTURES), "utf8");
/** The sample's settings, as `npm run schema:write-user-fields-sample` reads them. */
const SAMPLE_SETTINGS = parseEnv(readFileSync(new URL("user-fields-sample.env", FIXTURES), "utf8"));
const SAMPLE_ENV: Record<string, string> = {
  ...(SAMPLE_SETTINGS as Record<string, string>),
  USER_FIELDS_FILE: fileURLToPath(new URL("user-fields-sample.json", FIXTURES)),
};
const SAMPLE_SCHEMA: GraphQLSchema = buildASTSchema(parse(SAMPLE_SDL));

/** SDL as printSchema writes it: the fixture is kept in Prettier's layout, the CLI prints its own. */
function canonicalSdl(sdl: string): string {
  return printSchema(lexicographicSortSchema(buildASTSchema(parse(sdl))));
}

const DECLARED_SELECTION =
  "title bio workEmail homepage handle newsletter age shoeSize tier followerCount rating " +
  "balance birthDate lastSeen externalId preferences";

function runPrintSchema(
  env: Record<string, string>,
): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "src/cli/main.ts", "print-schema"], {
      cwd: PROJECT_ROOT,
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env },
    });
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (out += chunk));
    child.on("error", reject);
    child.on("close", (code) => {
      resolve({ code, out });
    });
  });
}

/** An operation on `field` declaring exactly the given variables, typed as the sample's schema. */
function operation(
  kind: "query" | "mutation",
  field: string,
  variables: Record<string, unknown>,
  selection: string,
): string {
  const root = (kind === "query" ? SAMPLE_SCHEMA.getQueryType() : SAMPLE_SCHEMA.getMutationType())!;
  const args: readonly GraphQLArgument[] = root.getFields()[field]!.args;
  const used = Object.keys(variables).map((name) => {
    const arg = args.find((candidate) => candidate.name === name);
    if (arg === undefined) throw new Error(`${field} has no argument ${name}`);
    return arg;
  });
  const declarations = used.map((arg) => `$${arg.name}: ${String(arg.type)}`).join(", ");
  const passed = used.map((arg) => `${arg.name}: $${arg.name}`).join(", ");
  return `${kind} (${declarations}) { ${field}(${passed}) { ${selection} } }`;
}

function nodeFields(schema: GraphQLSchema): Record<string, string> {
  const node = schema.getType("UserNode") as GraphQLObjectType;
  return Object.fromEntries(
    Object.values(node.getFields()).map((field) => [field.name, String(field.type)]),
  );
}

describe("the schema of declared user fields", () => {
  it("prints the sample declaration as committed (`npm run schema:write-user-fields-sample`)", async () => {
    expect(canonicalSdl(printedSchema(loadConfig(SAMPLE_ENV)))).toBe(canonicalSdl(SAMPLE_SDL));
    // The CLI, as an operator runs it, with the settings file's relative USER_FIELDS_FILE.
    const printed = await runPrintSchema(SAMPLE_SETTINGS as Record<string, string>);
    expect(printed.code).toBe(0);
    expect(canonicalSdl(printed.out)).toBe(canonicalSdl(SAMPLE_SDL));
  });

  it("gives each declared field graphene-django's type, required unless null (or blank, for an enum)", () => {
    expect(nodeFields(SAMPLE_SCHEMA)).toMatchObject({
      title: "UserTitle",
      bio: "String!",
      workEmail: "String",
      homepage: "String!",
      handle: "String",
      newsletter: "Boolean!",
      age: "Int",
      shoeSize: "Int!",
      tier: "UserTier!",
      followerCount: "BigInt",
      rating: "Float",
      balance: "Decimal!",
      birthDate: "Date",
      lastSeen: "DateTime",
      externalId: "UUID",
      preferences: "JSONString",
    });
  });

  it("names enums and their values as graphene-django 2 does, labels as descriptions", () => {
    const values = (name: string) =>
      Object.fromEntries(
        (
          SAMPLE_SCHEMA.getType(name) as unknown as {
            getValues(): { name: string; description: string }[];
          }
        )
          .getValues()
          .map((value) => [value.name, value.description]),
      );
    expect(values("UserTitle")).toEqual({
      MR: "Mr",
      MS: "Ms",
      DR: "Dr",
      A_1ST_CLASS: "First class",
    });
    expect(values("UserTier")).toEqual({ A_1: "Bronze", A_2: "Silver", A_3: "Gold" });
  });

  it("names enums with graphene's to_camel_case and values with convert_choice_name", () => {
    expect(choiceEnumName({ name: "marital_status" })).toBe("UserMaritalStatus");
    expect(choiceEnumName({ name: "address_2fa" })).toBe("UserAddress2fa");
    const names = choiceEnumValues(
      ["a-b", "A B", 1, "", "Zoë", "__x"].map((value) => ({ value, label: String(value) })),
    ).map((value) => value.name);
    // A repeat gets _<names so far>; no GraphQL name (a digit first, empty, __) gets A_.
    expect(names).toEqual(["A_B", "A_B_1", "A_1", "A_", "ZOE", "A___X"]);
  });

  it("writes JSONString as Python's json.dumps does", () => {
    expect(pythonJsonDumps({ a: [1, "é\u007f", true], b: null, c: { d: 2.5 } })).toBe(
      '{"a": [1, "\\u00e9\\u007f", true], "b": null, "c": {"d": 2.5}}',
    );
  });

  it("types filters by the field: its scalar, a list of it for in, Boolean for isnull", () => {
    const users = SAMPLE_SCHEMA.getQueryType()!.getFields().users!;
    const types = Object.fromEntries(users.args.map((arg) => [arg.name, String(arg.type)]));
    expect(types).toMatchObject({
      age_Lt: "Int",
      age_In: "[Int]",
      age_Isnull: "Boolean",
      followerCount_Gt: "BigInt",
      balance_Gt: "Decimal",
      birthDate_Lt: "Date",
      lastSeen_Gt: "DateTime",
      externalId_In: "[UUID]",
      title: "String",
      title_In: "[String]",
      tier_In: "[Int]",
      preferences_Isnull: "Boolean",
      id_Lt: "String",
    });
  });

  it("hides a declared field USER_NODE_EXCLUDE_FIELDS names", () => {
    const config = loadConfig({ ...SAMPLE_ENV, USER_NODE_EXCLUDE_FIELDS: "password,bio,title" });
    const schema = buildASTSchema(parse(printedSchema(config)));
    expect(nodeFields(schema)).not.toHaveProperty("bio");
    expect(schema.getType("UserTitle")).toBeUndefined();
  });

  it("adds no scalar or enum without a declaration that needs it", () => {
    const schema = buildASTSchema(parse(printedSchema(loadConfig({}))));
    for (const name of ["BigInt", "Decimal", "Date", "UUID", "JSONString", "UserTitle"])
      expect(schema.getType(name), name).toBeUndefined();
  });

  it("still refuses a filter on a field the model lacks, or a lookup its type has not", () => {
    expect(() =>
      loadConfig({ ...SAMPLE_ENV, USER_NODE_FILTER_FIELDS: '{"shoe_colour": ["exact"]}' }),
    ).toThrow('USER_NODE_FILTER_FIELDS: the user model has no field "shoe_colour" to filter on');
    expect(() =>
      loadConfig({
        ...SAMPLE_ENV,
        USER_NODE_FILTER_FIELDS: '{"bio": ["lt"], "newsletter": ["gt"]}',
      }),
    ).toThrow(
      /"bio" \(a TextField\) has no lookup "lt"[\s\S]*"newsletter" \(a BooleanField\) has no lookup "gt"/,
    );
  });
});

interface TypeCase {
  field: string;
  /** The register argument's value (register's scalars: see the sample's settings). */
  registered: unknown;
  /** What UserNode answers after register. */
  registeredNode: unknown;
  /** The updateAccount argument (a String: UPDATE_MUTATION_FIELDS is a list). */
  updated: string;
  updatedNode: unknown;
  /** A filter that finds the updated value, and one that does not. */
  finds: Record<string, unknown>;
  misses: Record<string, unknown>;
}

let serial = 0;
const shortName = (prefix: string) => `${prefix}${String((serial += 1))}x${String(process.pid)}`;

const TYPE_CASES: (() => TypeCase)[] = [
  () => ({
    field: "title",
    registered: "mr",
    registeredNode: "MR",
    updated: "1st-class",
    updatedNode: "A_1ST_CLASS",
    finds: { title: "1st-class" },
    misses: { title: "mr" },
  }),
  () => ({
    field: "bio",
    registered: "Writes compilers",
    registeredNode: "Writes compilers",
    updated: "  Writes poems ",
    updatedNode: "Writes poems",
    finds: { bio_Icontains: "POEMS" },
    misses: { bio_Icontains: "compilers" },
  }),
  () => {
    const name = shortName("ada");
    return {
      field: "workEmail",
      registered: `${name}@work.example`,
      registeredNode: `${name}@work.example`,
      updated: `${name}@Home.example`,
      updatedNode: `${name}@Home.example`,
      finds: { workEmail_Iexact: `${name.toUpperCase()}@HOME.EXAMPLE` },
      misses: { workEmail: `${name}@work.example` },
    };
  },
  () => ({
    field: "homepage",
    registered: "https://example.com/~ada",
    registeredNode: "https://example.com/~ada",
    updated: "http://example.org/ada",
    updatedNode: "http://example.org/ada",
    finds: { homepage_Istartswith: "HTTP://EXAMPLE.ORG/" },
    misses: { homepage_Istartswith: "https://" },
  }),
  () => {
    const handle = shortName("h-");
    return {
      field: "handle",
      registered: handle,
      registeredNode: handle,
      updated: `${handle}_b`,
      updatedNode: `${handle}_b`,
      finds: { handle: `${handle}_b` },
      misses: { handle },
    };
  },
  () => ({
    field: "newsletter",
    registered: true,
    registeredNode: true,
    updated: "false",
    updatedNode: false,
    finds: { newsletter: false },
    misses: { newsletter: true },
  }),
  () => ({
    field: "age",
    registered: "36",
    registeredNode: 36,
    updated: " 37 ",
    updatedNode: 37,
    finds: { age: 37 },
    misses: { age: 36 },
  }),
  () => ({
    field: "shoeSize",
    registered: 38,
    registeredNode: 38,
    updated: "39",
    updatedNode: 39,
    finds: { shoeSize_Gte: 39 },
    misses: { shoeSize: 38 },
  }),
  () => ({
    field: "tier",
    registered: 2,
    registeredNode: "A_2",
    updated: "3",
    updatedNode: "A_3",
    finds: { tier: 3 },
    misses: { tier_In: [1, 2] },
  }),
  () => ({
    field: "followerCount",
    registered: "9007199254740991",
    registeredNode: 9007199254740991,
    updated: "-5",
    updatedNode: -5,
    finds: { followerCount: -5 },
    misses: { followerCount_Gt: -5 },
  }),
  () => ({
    field: "rating",
    registered: 4.5,
    registeredNode: 4.5,
    updated: "-0.25",
    updatedNode: -0.25,
    finds: { rating_Lt: 0 },
    misses: { rating_Gt: 0 },
  }),
  () => ({
    field: "balance",
    registered: "12.5",
    registeredNode: "12.50",
    updated: "-3.1",
    updatedNode: "-3.10",
    finds: { balance: "-3.1" },
    misses: { balance: "12.5" },
  }),
  () => ({
    field: "birthDate",
    registered: "1815-12-10",
    registeredNode: "1815-12-10",
    updated: "1906-12-09",
    updatedNode: "1906-12-09",
    finds: { birthDate: "1906-12-09" },
    misses: { birthDate_Lt: "1906-12-09" },
  }),
  () => ({
    field: "lastSeen",
    registered: "2024-05-01T10:20:30.123Z",
    registeredNode: "2024-05-01T10:20:30.123000+00:00",
    updated: "2024-06-01 12:00:00+02:00",
    updatedNode: "2024-06-01T10:00:00+00:00",
    finds: { lastSeen_Gt: "2024-05-15T00:00:00Z" },
    misses: { lastSeen_Lt: "2024-06-01T10:00:00Z" },
  }),
  () => ({
    field: "externalId",
    registered: "{A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11}",
    registeredNode: "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
    updated: "6ba7b8109dad11d180b400c04fd430c8",
    updatedNode: "6ba7b810-9dad-11d1-80b4-00c04fd430c8",
    finds: { externalId: "6BA7B810-9DAD-11D1-80B4-00C04FD430C8" },
    misses: { externalId_In: ["a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"] },
  }),
  () => ({
    field: "preferences",
    // jsonb orders keys by length, then bytes: these are already in that order.
    registered: '{"name": "Zoë", "langs": ["en", "fr"], "theme": "dark"}',
    registeredNode: '{"name": "Zo\\u00eb", "langs": ["en", "fr"], "theme": "dark"}',
    updated: "[1, 2.5, null, true]",
    updatedNode: "[1, 2.5, null, true]",
    finds: { preferences_Isnull: false },
    misses: { preferences_Isnull: true },
  }),
];

describe.each(testDatabases())("declared user fields on %s", (database) => {
  let app: TestApp;
  let staffToken: string;

  beforeAll(async () => {
    app = await startTestApp(database, SAMPLE_ENV);
    const staff = await register({});
    staffToken = staff.token;
    await app.deps.db
      .updateTable("users")
      .set({ is_staff: true })
      .where("username", "=", staff.username)
      .execute();
  });
  afterAll(async () => {
    await app.close();
  });

  async function registerAnswer(username: string, values: Record<string, unknown>) {
    const variables = {
      email: `${username}@example.com`,
      username,
      password1: STRONG_PASSWORD,
      password2: STRONG_PASSWORD,
      ...values,
    };
    const response = await app.gql(
      operation("mutation", "register", variables, "success errors token"),
      variables,
    );
    return answerOf(response, "register") as { success: boolean; errors: unknown; token: string };
  }

  /** A verified user registered with the given declared fields. */
  async function register(values: Record<string, unknown>, username = unique("uf")) {
    const answer = await registerAnswer(username, values);
    expect(answer).toMatchObject({ success: true, errors: null });
    const activation = await app.mailToken(`${username}@example.com`);
    const verified = await app.gql(VERIFY_ACCOUNT, { token: activation });
    expect(verified.body.data?.verifyAccount).toEqual({ success: true, errors: null });
    return { username, token: answer.token };
  }

  async function update(token: string, values: Record<string, unknown>) {
    const response = await app.gql(
      operation("mutation", "updateAccount", values, "success errors"),
      values,
      { token },
    );
    return answerOf(response, "updateAccount") as { success: boolean; errors: unknown };
  }

  async function me(token: string): Promise<Record<string, unknown>> {
    const response = await app.gql(
      `{ me { username firstName ${DECLARED_SELECTION} } }`,
      {},
      { token },
    );
    return answerOf(response, "me") as Record<string, unknown>;
  }

  /** The usernames starting with `prefix` that the filters find, as the staff caller. */
  async function usersFound(prefix: string, filters: Record<string, unknown>) {
    const variables = { ...filters, username_Istartswith: prefix };
    const response = await app.gql(
      operation("query", "users", variables, "edges { node { username } }"),
      variables,
      { token: staffToken },
    );
    const users = answerOf(response, "users") as { edges: { node: { username: string } }[] };
    return users.edges.map((edge) => edge.node.username);
  }

  async function userCount(): Promise<number> {
    const row = await app.deps.db
      .selectFrom("users")
      .select((eb) => eb.fn.countAll<number | string>().as("count"))
      .executeTakeFirstOrThrow();
    return Number(row.count);
  }

  describe.each(TYPE_CASES.map((make) => [make().field, make] as const))("%s", (_field, make) => {
    it("round-trips: register → me → updateAccount → me → the users filter", async () => {
      const type = make();
      const user = await register({ [type.field]: type.registered });
      expect((await me(user.token))[type.field]).toEqual(type.registeredNode);

      expect(await update(user.token, { [type.field]: type.updated })).toEqual({
        success: true,
        errors: null,
      });
      expect((await me(user.token))[type.field]).toEqual(type.updatedNode);

      expect(await usersFound(user.username, type.finds)).toEqual([user.username]);
      expect(await usersFound(user.username, type.misses)).toEqual([]);
    });
  });

  it("stores the declared defaults for fields register is not given", async () => {
    const user = await register({});
    expect(await me(user.token)).toMatchObject({
      title: null,
      bio: "",
      workEmail: null,
      homepage: "",
      handle: null,
      newsletter: false,
      age: null,
      shoeSize: 0,
      tier: "A_1",
      followerCount: null,
      rating: null,
      balance: "0.00",
      birthDate: null,
      lastSeen: null,
      externalId: null,
      preferences: null,
    });
  });

  const detail = (message: string, code: string) => [{ message, code }];
  const REFUSED: [string, Record<string, unknown>, Record<string, unknown>][] = [
    [
      "max_length",
      { handle: "h".repeat(21) },
      { handle: detail("Ensure this value has at most 20 characters (it has 21).", "max_length") },
    ],
    [
      "an invalid email",
      { workEmail: "not-an-address" },
      { workEmail: detail("Enter a valid email address.", "invalid") },
    ],
    [
      "an invalid URL",
      { homepage: "example.com" },
      { homepage: detail("Enter a valid URL.", "invalid") },
    ],
    [
      "an invalid slug",
      { handle: "no spaces" },
      {
        handle: detail(
          "Enter a valid \u201cslug\u201d consisting of letters, numbers, underscores or hyphens.",
          "invalid",
        ),
      },
    ],
    [
      "an invalid whole number",
      { age: "3.5" },
      { age: detail("Enter a whole number.", "invalid") },
    ],
    [
      "an invalid BigInt",
      { followerCount: "many" },
      { followerCount: detail("Enter a whole number.", "invalid") },
    ],
    ["an invalid number", { balance: "1,5" }, { balance: detail("Enter a number.", "invalid") }],
    [
      "an invalid date",
      { birthDate: "1815-02-30" },
      { birthDate: detail("Enter a valid date.", "invalid") },
    ],
    [
      "an invalid date/time",
      { lastSeen: "yesterday" },
      { lastSeen: detail("Enter a valid date/time.", "invalid") },
    ],
    [
      "an invalid UUID",
      { externalId: "1234" },
      { externalId: detail("Enter a valid UUID.", "invalid") },
    ],
    [
      "invalid JSON",
      { preferences: "{oops" },
      { preferences: detail("Enter a valid JSON.", "invalid") },
    ],
    [
      "a text value not among the choices",
      { title: "sir" },
      {
        title: detail(
          "Select a valid choice. sir is not one of the available choices.",
          "invalid_choice",
        ),
      },
    ],
    [
      "a number not among the choices",
      { tier: 7 },
      {
        tier: detail(
          "Select a valid choice. 7 is not one of the available choices.",
          "invalid_choice",
        ),
      },
    ],
    [
      "a blank required field",
      { bio: "   " },
      { bio: detail("This field is required.", "required") },
    ],
    [
      "a value under the minimum",
      { shoeSize: -1 },
      { shoeSize: detail("Ensure this value is greater than or equal to 0.", "min_value") },
    ],
    [
      "a value over the maximum",
      { age: "2147483648" },
      { age: detail("Ensure this value is less than or equal to 2147483647.", "max_value") },
    ],
    [
      "too many digits",
      { balance: "1234567" },
      { balance: detail("Ensure that there are no more than 6 digits in total.", "max_digits") },
    ],
    [
      "too many decimal places",
      { balance: "1.234" },
      {
        balance: detail(
          "Ensure that there are no more than 2 decimal places.",
          "max_decimal_places",
        ),
      },
    ],
    [
      "too many digits before the point",
      { balance: "12345.6" },
      {
        balance: detail(
          "Ensure that there are no more than 4 digits before the decimal point.",
          "max_whole_digits",
        ),
      },
    ],
  ];

  it.each(REFUSED)(
    "refuses register with %s, under the argument, creating no user",
    async (_case, values, errors) => {
      const before = await userCount();
      expect(await registerAnswer(unique("uf"), values)).toEqual({
        success: false,
        errors,
        token: null,
      });
      expect(await userCount()).toBe(before);
    },
  );

  it.each(REFUSED)(
    "refuses updateAccount with %s and changes nothing",
    async (_case, values, errors) => {
      const user = await register({ handle: shortName("r-"), age: "30", balance: "1.5" });
      const before = await me(user.token);
      // String arguments here: UPDATE_MUTATION_FIELDS is a list.
      const asText = Object.fromEntries(
        Object.entries(values).map(([name, value]) => [name, String(value)]),
      );
      expect(await update(user.token, { ...asText, firstName: "Changed" })).toEqual({
        success: false,
        errors,
      });
      expect(await me(user.token)).toEqual(before);
    },
  );

  it("refuses a value another user holds in a unique field, on register and on update", async () => {
    const handle = shortName("taken-");
    const externalId = "0f0e0d0c-0b0a-4908-8706-050403020100";
    await register({ handle, externalId });
    const before = await userCount();
    expect(
      await registerAnswer(unique("uf"), { handle, externalId: externalId.toUpperCase() }),
    ).toEqual({
      success: false,
      errors: {
        handle: detail("User with this Handle already exists.", "unique"),
        externalId: detail("User with this External id already exists.", "unique"),
      },
      token: null,
    });
    expect(await userCount()).toBe(before);

    const other = await register({ handle: shortName("free-") });
    const otherBefore = await me(other.token);
    expect(await update(other.token, { handle })).toEqual({
      success: false,
      errors: { handle: detail("User with this Handle already exists.", "unique") },
    });
    expect(await me(other.token)).toEqual(otherBefore);
    // Its own value is no clash.
    expect(await update(other.token, { handle: otherBefore.handle })).toEqual({
      success: true,
      errors: null,
    });
  });

  it("empties a nullable field on an explicit null, and leaves absent arguments alone", async () => {
    const user = await register({
      age: "41",
      workEmail: `${shortName("w")}@example.com`,
      title: "ms",
      preferences: '{"a": 1}',
    });
    const before = await me(user.token);
    expect(await update(user.token, { age: null, workEmail: null })).toEqual({
      success: true,
      errors: null,
    });
    expect(await me(user.token)).toEqual({ ...before, age: null, workEmail: null });

    // A blank field with choices empties to "", which UserNode answers as null (no choice).
    expect(await update(user.token, { title: null, preferences: null })).toEqual({
      success: true,
      errors: null,
    });
    expect(await me(user.token)).toEqual({
      ...before,
      age: null,
      workEmail: null,
      title: null,
      preferences: null,
    });
    expect(await usersFound(user.username, { age_Isnull: true, title_Isnull: false })).toEqual([
      user.username,
    ]);
  });

  it("refuses an explicit null for a field that may not be blank", async () => {
    const user = await register({ bio: "Keeps this" });
    expect(await update(user.token, { bio: null })).toEqual({
      success: false,
      errors: { bio: detail("This field is required.", "required") },
    });
    expect((await me(user.token)).bio).toBe("Keeps this");
  });

  describe("ordered lookups", () => {
    const prefix = unique("ord");
    const people = [
      {
        name: `${prefix}a`,
        values: {
          age: "20",
          balance: "9.75",
          birthDate: "1990-01-31",
          lastSeen: "2024-01-01T00:00:00Z",
          rating: 1,
          followerCount: "10",
        },
      },
      {
        name: `${prefix}b`,
        values: {
          age: "30",
          balance: "10.5",
          birthDate: "2000-02-29",
          lastSeen: "2024-01-01T00:00:00.001Z",
          rating: 2.5,
          followerCount: "9007199254740990",
        },
      },
      {
        name: `${prefix}c`,
        values: {
          age: "40",
          balance: "100",
          birthDate: "2010-12-01",
          lastSeen: "2025-01-01T00:00:00+05:00",
          rating: 10,
          followerCount: "-10",
        },
      },
      { name: `${prefix}d`, values: {} },
    ];
    const [a, b, c, d] = people.map((person) => person.name) as [string, string, string, string];

    beforeAll(async () => {
      for (const person of people) await register(person.values, person.name);
    });

    it.each([
      ["age_Lt", 30, [a]],
      ["age_Lte", 30, [a, b]],
      ["age_Gt", 30, [c]],
      ["age_Gte", 30, [b, c]],
      ["age_In", [20, 40, 99], [a, c]],
      ["age_Isnull", true, [d]],
      ["age_Isnull", false, [a, b, c]],
      // Numerically, not as SQLite's text: "100.00" < "9.75" as text.
      ["balance_Gt", "9.9", [b, c]],
      ["balance_Lt", "10.50", [a, d]],
      ["balance_In", ["100", "9.750"], [a, c]],
      ["birthDate_Lt", "2000-02-29", [a]],
      ["birthDate_Gt", "1999-12-31", [b, c]],
      ["birthDate_In", ["2000-02-29", "2010-12-01"], [b, c]],
      ["birthDate_Isnull", true, [d]],
      ["lastSeen_Gt", "2024-01-01T00:00:00Z", [b, c]],
      // c was seen at 2024-12-31T19:00:00Z: not before itself.
      ["lastSeen_Lt", "2024-12-31T20:00:00+01:00", [a, b]],
      ["rating_Gt", 2, [b, c]],
      ["rating_Lt", 2.5, [a]],
      ["followerCount_Gt", 10, [b]],
    ] as const)("%s %j", async (argument, value, expected) => {
      expect(await usersFound(prefix, { [argument]: value })).toEqual(expected);
    });

    it("orders the built-in id too", async () => {
      const all = await usersFound(prefix, {});
      expect(all).toEqual([a, b, c, d]);
      const pkOf = async (username: string) => {
        const row = await app.deps.db
          .selectFrom("users")
          .select("id")
          .where("username", "=", username)
          .executeTakeFirstOrThrow();
        return String(row.id);
      };
      expect(await usersFound(prefix, { id_Lt: await pkOf(c) })).toEqual([a, b]);
      expect(await usersFound(prefix, { id_Gte: await pkOf(b) })).toEqual([b, c, d]);
      expect(await usersFound(prefix, { id: await pkOf(d) })).toEqual([d]);
      expect(await usersFound(prefix, { id: "not a number" })).toEqual([]);
    });

    it("refuses a filter value its scalar cannot read", async () => {
      for (const [argument, value] of [
        ["birthDate_Lt", "2000-02-30"],
        ["balance_Gt", "ten"],
        ["externalId", "nope"],
        ["followerCount_Gt", "1.5"],
      ] as const) {
        const variables = { [argument]: value, username_Istartswith: prefix };
        const response = await app.gql(
          operation("query", "users", variables, "edges { node { username } }"),
          variables,
          { token: staffToken },
        );
        expect(response.body.errors?.length, argument).toBe(1);
      }
    });
  });
});
