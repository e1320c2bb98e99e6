// The GraphQL limits (GRAPHQL_MAX_* settings, src/graphql/limits.ts): every document over one gets
// HTTP 400 with a message naming the limit, never a 500, and the defaults let through every query
// the project, the conformance suite and GraphiQL send.
import { getIntrospectionQuery, Kind, parse, print } from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { aRegisteredUser } from "../../support/builders.js";
import * as operations from "../../support/operations.js";
import { startTestApp, type TestApp } from "../../support/test-app.js";

// The conformance suite's most expensive operation (shared/conformance/scenarios/operations.json).
const CONFORMANCE_USERS = `query Users($first: Int, $last: Int, $after: String, $before: String, $offset: Int, $email: String, $username: String, $username_Icontains: String, $username_Istartswith: String, $isActive: Boolean, $status_Verified: Boolean, $status_Archived: Boolean, $status_SecondaryEmail: String) {
  users(first: $first, last: $last, after: $after, before: $before, offset: $offset, email: $email, username: $username, username_Icontains: $username_Icontains, username_Istartswith: $username_Istartswith, isActive: $isActive, status_Archived: $status_Archived, status_Verified: $status_Verified, status_SecondaryEmail: $status_SecondaryEmail) {
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { username email verified archived isActive secondaryEmail } }
  }
}`;

/** A full page of users with every field: cost 1 + 100 × (5 + 16) = 2101 at the default cap. */
function fullUsersPage(alias: string, first: string | number = 100): string {
  return `${alias}: users(first: ${first}) {
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { id pk username email firstName lastName isActive isStaff dateJoined lastLogin verified archived secondaryEmail } }
  }`;
}

function aliases(count: number, field: string): string {
  return Array.from({ length: count }, (_, index) => `a${index}: ${field}`).join(" ");
}

/** `ofType` nested `levels` times: depth levels + 1. */
function ofTypeChain(levels: number): string {
  let selection = "name";
  for (let level = 0; level < levels; level += 1) selection = `ofType { ${selection} }`;
  return selection;
}

/** An introspection query of depth levels + 2 (graphql's own rule bounds only list nesting). */
function nestedTypeQuery(levels: number): string {
  return `{ __type(name: "Query") { ${ofTypeChain(levels)} } }`;
}

/** GraphiQL's introspection query with its `__schema` field asked `copies` times, aliased. */
function aliasedIntrospection(copies: number): string {
  const document = parse(getIntrospectionQuery());
  const [operation, ...fragments] = document.definitions;
  if (operation?.kind !== Kind.OPERATION_DEFINITION) throw new Error("no operation first");
  const [schemaField] = operation.selectionSet.selections;
  if (schemaField?.kind !== Kind.FIELD) throw new Error("no __schema field first");
  const selections = Array.from({ length: copies }, (_, index) => ({
    ...schemaField,
    alias: { kind: Kind.NAME, value: `s${index}` } as const,
  }));
  const copied = { ...operation, selectionSet: { ...operation.selectionSet, selections } };
  return print({ ...document, definitions: [copied, ...fragments] });
}

function expectRefusal(
  response: Awaited<ReturnType<TestApp["gql"]>>,
  message: string | RegExp,
): void {
  expect(response.status).toBe(400);
  expect(response.body).not.toHaveProperty("data");
  const messages = (response.body.errors ?? []).map((error) => error.message);
  expect(messages).toContainEqual(
    typeof message === "string" ? message : expect.stringMatching(message),
  );
}

describe("GraphQL limits at their defaults", () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp("sqlite", { USER_QUERY_ACCESS: "public" });
  });
  afterAll(async () => {
    await app.close();
  });

  it("has the documented defaults", () => {
    expect(app.config.graphqlLimits).toEqual({
      maxDepth: 16,
      maxAliases: 15,
      maxDirectives: 50,
      maxTokens: 2000,
      maxCost: 5000,
      maxCostIsDerived: true,
      introspection: true,
    });
  });

  it("accepts GraphiQL's introspection query, with every option on", async () => {
    for (const query of [
      getIntrospectionQuery(),
      getIntrospectionQuery({
        descriptions: true,
        specifiedByUrl: true,
        directiveIsRepeatable: true,
        schemaDescription: true,
        inputValueDeprecation: true,
        oneOf: true,
      }),
    ]) {
      const response = await app.gql(query);
      expect(response.status).toBe(200);
      expect(response.body.errors).toBeUndefined();
      expect(response.body.data?.__schema).toMatchObject({ queryType: { name: "Query" } });
    }
  });

  it("weighs introspection lists by the schema's sizes: 15 aliased copies of GraphiQL's query are refused", async () => {
    const query = aliasedIntrospection(15);
    expect(query.length).toBeLessThan(8 * 1024);
    const response = await app.gql(query);
    expect(response.status).toBe(400);
    expect(response.body).not.toHaveProperty("data");
    const messages = (response.body.errors ?? []).map((error) => error.message);
    // Only the cost limit: the copies pass the alias, depth and token limits.
    expect(messages).toEqual([
      expect.stringMatching(/^Query cost limit of 5000 exceeded, found \d+\.$/),
    ]);
    const found = Number(/found (\d+)/.exec(messages[0] ?? "")?.[1]);
    expect(found).toBeGreaterThan(15 * 1000);
    // One copy fits with room to spare, two do not: the limit leaves room for one query.
    expect((await app.gql(aliasedIntrospection(1))).status).toBe(200);
    expect((await app.gql(aliasedIntrospection(2))).status).toBe(400);
  });

  it("accepts every operation the integration tests send (validation only)", async () => {
    for (const [name, query] of Object.entries(operations)) {
      const response = await app.gql(query, {});
      const limitErrors = (response.body.errors ?? []).filter((error) =>
        /limit of \d+ exceeded|more th\w+ \d+ tokens/.test(error.message),
      );
      expect(limitErrors, name).toEqual([]);
    }
  });

  it("accepts the conformance suite's users query, with first unset or at the cap", async () => {
    const user = await aRegisteredUser(app);
    for (const variables of [{}, { first: 100 }, { username: user.username }]) {
      const response = await app.gql(CONFORMANCE_USERS, variables);
      expect(response.status).toBe(200);
      expect(response.body.errors).toBeUndefined();
    }
  });

  it("accepts two full pages of users with every field", async () => {
    const response = await app.gql(`{ ${fullUsersPage("a")} ${fullUsersPage("b")} }`);
    expect(response.status).toBe(200);
    expect(response.body.errors).toBeUndefined();
  });

  it("refuses a query deeper than the limit, introspection included", async () => {
    const accepted = await app.gql(nestedTypeQuery(14));
    expect(accepted).toEqual({ status: 200, body: { data: { __type: { ofType: null } } } });
    expectRefusal(
      await app.gql(nestedTypeQuery(15)),
      "Query depth limit of 16 exceeded, found 17.",
    );
  });

  it("counts the depth under __schema too (graphql-armor skips it by default)", async () => {
    expectRefusal(
      await app.gql(`{ __schema { queryType { ${ofTypeChain(15)} } } }`),
      "Query depth limit of 16 exceeded, found 18.",
    );
  });

  it("counts the depth inside fragments", async () => {
    const response = await app.gql(`{ __type(name: "Query") { ...Deep } }
      fragment Deep on __Type { ${ofTypeChain(15)} }`);
    expectRefusal(response, "Query depth limit of 16 exceeded, found 17.");
  });

  it("refuses more aliases than the limit, __typename's included", async () => {
    expect((await app.gql(`{ ${aliases(15, "__typename")} }`)).status).toBe(200);
    expectRefusal(
      await app.gql(`{ ${aliases(16, "__typename")} }`),
      "Aliases limit of 15 exceeded, found 16.",
    );
    expectRefusal(
      await app.gql(`{ me { ${aliases(16, "username")} } }`),
      "Aliases limit of 15 exceeded, found 16.",
    );
  });

  it("refuses many logins in one request through aliases", async () => {
    const login = 'tokenAuth(username: "x", password: "y") { success }';
    expectRefusal(
      await app.gql(`mutation { ${aliases(16, login)} }`),
      "Aliases limit of 15 exceeded, found 16.",
    );
  });

  it("refuses a query costlier than the limit, pages weighed by first", async () => {
    const three = `{ ${fullUsersPage("a")} ${fullUsersPage("b")} ${fullUsersPage("c")} }`;
    expectRefusal(await app.gql(three), "Query cost limit of 5000 exceeded, found 6303.");
    const small = `{ ${fullUsersPage("a", 10)} ${fullUsersPage("b", 10)} ${fullUsersPage("c", 10)} }`;
    expect((await app.gql(small)).status).toBe(200);
  });

  it("counts a page size given by a variable as the largest page", async () => {
    const three = `query ($n: Int) { ${fullUsersPage("a", "$n")} ${fullUsersPage("b", "$n")} ${fullUsersPage("c", "$n")} }`;
    expectRefusal(await app.gql(three, { n: 1 }), "Query cost limit of 5000 exceeded, found 6303.");
  });

  it("refuses a fragment bomb by its cost, without expanding it", async () => {
    const levels = 40;
    let document = "{ ...F0 }";
    for (let level = 0; level < levels; level += 1) {
      document += ` fragment F${level} on Query { ...F${level + 1} ...F${level + 1} }`;
    }
    document += ` fragment F${levels} on Query { me { username } }`;
    expectRefusal(await app.gql(document), /^Query cost limit of 5000 exceeded, found \d+\.$/);
  });

  it("refuses more directives than the limit", async () => {
    const fields = Array.from({ length: 51 }, () => "username @include(if: true)").join(" ");
    expectRefusal(
      await app.gql(`{ me { ${fields} } }`),
      "Directives limit of 50 exceeded, found 51.",
    );
  });

  it("refuses a document of more tokens than the limit before parsing it all", async () => {
    const response = await app.gql(`{ me { ${"username ".repeat(2000)}} }`);
    expectRefusal(response, /Document contains more th\w+ 2000 tokens/);
  });

  it("answers the same refusal again from the cache, still with 400", async () => {
    const query = `{ ${aliases(20, "__typename")} }`;
    for (let attempt = 0; attempt < 3; attempt += 1) {
      expectRefusal(await app.gql(query), "Aliases limit of 15 exceeded, found 20.");
    }
  });

  it("refuses over GET as over POST", async () => {
    const params = new URLSearchParams({ query: `{ ${aliases(16, "__typename")} }` });
    const response = await fetch(`${app.url}?${params.toString()}`);
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      errors: [{ message: "Aliases limit of 15 exceeded, found 16." }],
    });
  });

  it("answers 400 to a batch (a JSON array): one operation per request", async () => {
    const response = await fetch(app.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify([{ query: "{ me { username } }" }, { query: "{ __typename }" }]),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      errors: [{ message: "Batched queries are not supported: send one operation per request." }],
    });
  });

  it("keeps serving after refusals", async () => {
    const response = await app.gql("{ me { username } }");
    expect(response).toEqual({ status: 200, body: { data: { me: null } } });
  });
});

describe("GraphQL limits when configured", () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp("sqlite", {
      USER_QUERY_ACCESS: "public",
      GRAPHQL_MAX_DEPTH: "3",
      GRAPHQL_MAX_ALIASES: "1",
      GRAPHQL_MAX_COST: "30",
      GRAPHQL_MAX_DIRECTIVES: "1",
      GRAPHQL_MAX_TOKENS: "100",
      RELAY_CONNECTION_MAX_LIMIT: "20",
    });
  });
  afterAll(async () => {
    await app.close();
  });

  it("applies each setting", async () => {
    expectRefusal(
      await app.gql("{ users(first: 1) { edges { node { username } } } }"),
      "Query depth limit of 3 exceeded, found 4.",
    );
    expectRefusal(
      await app.gql("{ a: me { pk } b: me { pk } }"),
      "Aliases limit of 1 exceeded, found 2.",
    );
    expectRefusal(
      await app.gql("{ me { pk @skip(if: false) username @skip(if: false) } }"),
      "Directives limit of 1 exceeded, found 2.",
    );
    expectRefusal(
      await app.gql(`{ me { ${"pk ".repeat(100)}} }`),
      /Document contains more th\w+ 100 tokens/,
    );
  });

  it("weighs a page without first by RELAY_CONNECTION_MAX_LIMIT", async () => {
    expectRefusal(
      await app.gql("{ users { edges { cursor } } }"),
      "Query cost limit of 30 exceeded, found 41.",
    );
    expect((await app.gql("{ users(first: 5) { edges { cursor } } }")).status).toBe(200);
  });
});

describe("GraphQL limits on the relay-style schema (more types, input objects)", () => {
  it("still accept GraphiQL's introspection query and refuse 15 aliased copies", async () => {
    const app = await startTestApp("sqlite", { GRAPHQL_API_STYLE: "relay" });
    try {
      const response = await app.gql(getIntrospectionQuery({ descriptions: true, oneOf: true }));
      expect(response.status).toBe(200);
      expect(response.body.errors).toBeUndefined();
      expectRefusal(
        await app.gql(aliasedIntrospection(15)),
        /^Query cost limit of 5000 exceeded, found \d+\.$/,
      );
    } finally {
      await app.close();
    }
  });
});

describe("introspection switched off (GRAPHQL_INTROSPECTION=false)", () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp("sqlite", { GRAPHQL_INTROSPECTION: "false" });
  });
  afterAll(async () => {
    await app.close();
  });

  it("refuses __schema and __type with 400", async () => {
    for (const field of ["__schema", "__type"]) {
      const query =
        field === "__schema" ? getIntrospectionQuery() : '{ __type(name: "Query") { name } }';
      expectRefusal(
        await app.gql(query),
        `GraphQL introspection has been disabled, but the requested query contained the field "${field}".`,
      );
    }
  });

  it("still answers __typename and ordinary queries", async () => {
    const response = await app.gql("{ __typename me { username } }");
    expect(response).toEqual({ status: 200, body: { data: { __typename: "Query", me: null } } });
  });

  it("leaves out the field suggestions that would spell out the schema", async () => {
    const response = await app.gql("{ me { usernam } }");
    expectRefusal(response, 'Cannot query field "usernam" on type "UserNode".');
  });

  it("still serves the GraphiQL page (GRAPHIQL is a separate switch)", async () => {
    const response = await fetch(app.url, { headers: { accept: "text/html" } });
    expect(response.status).toBe(200);
    expect(await response.text()).toContain("GraphiQL");
  });
});

describe("field suggestions with introspection on", () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp("sqlite");
  });
  afterAll(async () => {
    await app.close();
  });

  it("are kept, since the schema is open anyway", async () => {
    const response = await app.gql("{ me { usernam } }");
    expectRefusal(
      response,
      'Cannot query field "usernam" on type "UserNode". Did you mean "username"?',
    );
  });
});
