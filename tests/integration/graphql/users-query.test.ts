// me, user(id) and users(...) (SPEC §4.1–§4.3): visibility under USER_QUERY_ACCESS, every
// filter of the default USER_NODE_FILTER_FIELDS, and graphene-django 2's array-slice pagination.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { insertUser } from "../../../src/accounts/user-writes-store.js";
import { aRegisteredUser, aVerifiedUser, type RegisteredUser } from "../../support/builders.js";
import {
  ARCHIVE_ACCOUNT,
  DELETE_ACCOUNT,
  ME,
  SEND_SECONDARY_EMAIL_ACTIVATION,
  USER,
  USERS,
  VERIFY_SECONDARY_EMAIL,
} from "../../support/operations.js";
import {
  startTestApp,
  testDatabases,
  unique,
  type GraphQLResponse,
  type TestApp,
} from "../../support/test-app.js";

const USER_WITH_PK = `{ me { pk } }`;

function globalId(typeName: string, id: number | string): string {
  return Buffer.from(`${typeName}:${String(id)}`, "utf8").toString("base64");
}

function cursor(index: number): string {
  return Buffer.from(`arrayconnection:${index}`, "utf8").toString("base64");
}

interface Page {
  usernames: string[];
  cursors: string[];
  pageInfo: {
    hasNextPage: boolean;
    hasPreviousPage: boolean;
    startCursor: string | null;
    endCursor: string | null;
  };
}

function page(response: GraphQLResponse): Page {
  expect(response.body.errors).toBeUndefined();
  const users = response.body.data?.users as {
    pageInfo: Page["pageInfo"];
    edges: { cursor: string; node: { username: string } }[];
  };
  return {
    usernames: users.edges.map((edge) => edge.node.username),
    cursors: users.edges.map((edge) => edge.cursor),
    pageInfo: users.pageInfo,
  };
}

async function pkOf(app: TestApp, user: RegisteredUser): Promise<number> {
  const response = await app.gql(USER_WITH_PK, {}, { token: user.token });
  return (response.body.data?.me as { pk: number }).pk;
}

async function makeStaff(app: TestApp, username: string): Promise<void> {
  await app.deps.db
    .updateTable("users")
    .set({ is_staff: true })
    .where("username", "=", username)
    .execute();
}

describe.each(testDatabases())("user queries on %s", (database) => {
  let app: TestApp;
  let staff: RegisteredUser;
  let member: RegisteredUser;
  let other: RegisteredUser;

  /** users(...) as the staff caller. */
  const listUsers = (variables: Record<string, unknown>) =>
    app.gql(USERS, variables, { token: staff.token });

  beforeAll(async () => {
    app = await startTestApp(database);
    staff = await aVerifiedUser(app);
    await makeStaff(app, staff.username);
    member = await aVerifiedUser(app);
    other = await aVerifiedUser(app);
  });
  afterAll(async () => {
    await app.close();
  });

  describe("me", () => {
    it("answers null without an error for an anonymous caller", async () => {
      const response = await app.gql(ME);
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ data: { me: null } });
    });

    it("answers null without an error when the token is not valid", async () => {
      const response = await app.gql(ME, {}, { token: "not-a-jwt" });
      expect(response.body).toEqual({ data: { me: null } });
    });

    it("answers the caller's own node with its relay global id", async () => {
      const response = await app.gql(ME, {}, { token: member.token });
      const me = response.body.data?.me as {
        id: string;
        pk: number;
        username: string;
        isStaff: boolean;
      };
      expect(me).toMatchObject({ username: member.username, isStaff: false });
      expect(me.id).toBe(globalId("UserNode", me.pk));
    });
  });

  describe("user(id)", () => {
    it("shows a non-staff caller its own node", async () => {
      const pk = await pkOf(app, member);
      const response = await app.gql(
        USER,
        { id: globalId("UserNode", pk) },
        { token: member.token },
      );
      expect(response.body).toEqual({
        data: { user: { pk, username: member.username, email: member.email } },
      });
    });

    it("answers null to a non-staff caller asking for another user", async () => {
      const pk = await pkOf(app, other);
      const response = await app.gql(
        USER,
        { id: globalId("UserNode", pk) },
        { token: member.token },
      );
      expect(response.body).toEqual({ data: { user: null } });
    });

    it("answers null to an anonymous caller", async () => {
      const pk = await pkOf(app, other);
      const response = await app.gql(USER, { id: globalId("UserNode", pk) });
      expect(response.body).toEqual({ data: { user: null } });
    });

    it("shows a staff caller any user", async () => {
      const pk = await pkOf(app, other);
      const response = await app.gql(
        USER,
        { id: globalId("UserNode", pk) },
        { token: staff.token },
      );
      expect(response.body.data?.user).toEqual({
        pk,
        username: other.username,
        email: other.email,
      });
    });

    it("answers null for an id that is not base64 of Type:id", async () => {
      for (const id of ["not base64!", "%%%", "", "bm9jb2xvbg=="]) {
        const response = await app.gql(USER, { id }, { token: staff.token });
        expect(response.body, id).toEqual({ data: { user: null } });
      }
    });

    it("answers an error when the id names another type of the schema", async () => {
      for (const id of ["UXVlcnk6MQ==", globalId("String", 1), globalId("Node", 1)]) {
        const response = await app.gql(USER, { id }, { token: staff.token });
        expect(response.status).toBe(200);
        expect(response.body.data, id).toEqual({ user: null });
        expect(
          response.body.errors?.map((error) => error.message),
          id,
        ).toEqual(["Must receive a UserNode id."]);
      }
    });

    it("answers null for a UserNode id whose pk is not an integer", async () => {
      const response = await app.gql(USER, { id: "VXNlck5vZGU6YWJj" }, { token: staff.token });
      expect(response.body).toEqual({ data: { user: null } });
    });

    it("answers null for an unknown type name or a missing user", async () => {
      for (const id of [
        globalId("Nonsense", 1),
        globalId("__Schema", 1),
        globalId("UserNode", 987_654_321),
      ]) {
        const response = await app.gql(USER, { id }, { token: staff.token });
        expect(response.body, id).toEqual({ data: { user: null } });
      }
    });
  });

  describe("users access", () => {
    // Regression: django-graphql-auth #131. The reference lets anyone list every account's
    // email, secondary email and staff flag (SPEC §4.3).
    it("refuses a non-staff caller with the permission error, with or without a filter", async () => {
      for (const variables of [{}, { username: member.username }]) {
        const response = await app.gql(USERS, variables, { token: member.token });
        expect(response.status).toBe(200);
        expect(response.body.data).toEqual({ users: null });
        expect(response.body.errors?.map((error) => error.message)).toEqual([
          "You do not have permission to perform this action",
        ]);
      }
    });

    it("refuses an anonymous caller with the permission error, with or without a filter", async () => {
      for (const variables of [{}, { username: member.username }]) {
        const response = await app.gql(USERS, variables);
        expect(response.body.data).toEqual({ users: null });
        expect(response.body.errors?.[0]?.message).toBe(
          "You do not have permission to perform this action",
        );
      }
    });

    it("lists the matching users with their email to a staff caller", async () => {
      const listed = await aVerifiedUser(app);
      const response = await listUsers({ username: listed.username });
      expect(response.body.errors).toBeUndefined();
      const edges = (
        response.body.data?.users as { edges: { node: { username: string; email: string } }[] }
      ).edges;
      expect(edges.map((edge) => edge.node)).toEqual([
        expect.objectContaining({ username: listed.username, email: listed.email }),
      ]);
    });
  });

  describe("users filters", () => {
    let prefix: string;
    let alpha: RegisteredUser;
    let secondaryEmail: string;
    const names = (suffixes: string[]) => suffixes.map((suffix) => `${prefix}${suffix}`);

    beforeAll(async () => {
      prefix = unique("flt");
      alpha = await aVerifiedUser(app, { username: `${prefix}Alpha` });
      await aRegisteredUser(app, { username: `${prefix}be_ta` });
      await aRegisteredUser(app, { username: `${prefix}bexta` });
      const gamma = await aVerifiedUser(app, { username: `${prefix}Gamma` });
      expect(
        (await app.gql(ARCHIVE_ACCOUNT, { password: gamma.password }, { token: gamma.token })).body
          .data?.archiveAccount,
      ).toEqual({
        success: true,
        errors: null,
      });
      const delta = await aVerifiedUser(app, { username: `${prefix}delta` });
      expect(
        (await app.gql(DELETE_ACCOUNT, { password: delta.password }, { token: delta.token })).body
          .data?.deleteAccount,
      ).toEqual({
        success: true,
        errors: null,
      });
      const epsilon = await aVerifiedUser(app, { username: `${prefix}epsilon` });
      secondaryEmail = `${prefix}second@example.com`;
      const sent = await app.gql(
        SEND_SECONDARY_EMAIL_ACTIVATION,
        { email: secondaryEmail, password: epsilon.password },
        { token: epsilon.token },
      );
      expect(sent.body.data?.sendSecondaryEmailActivation).toEqual({ success: true, errors: null });
      const verified = await app.gql(VERIFY_SECONDARY_EMAIL, {
        token: await app.mailToken(secondaryEmail),
      });
      expect(verified.body.data?.verifySecondaryEmail).toEqual({ success: true, errors: null });
    });

    it("lists every user of the prefix by ascending id", async () => {
      const result = page(await listUsers({ username_Istartswith: prefix }));
      expect(result.usernames).toEqual(
        names(["Alpha", "be_ta", "bexta", "Gamma", "delta", "epsilon"]),
      );
    });

    it("filters on the primary email exactly", async () => {
      expect(page(await listUsers({ email: alpha.email })).usernames).toEqual([alpha.username]);
      expect(page(await listUsers({ email: `x${alpha.email}` })).usernames).toEqual([]);
    });

    it("filters on the username exactly and case-sensitively", async () => {
      expect(page(await listUsers({ username: `${prefix}Alpha` })).usernames).toEqual([
        `${prefix}Alpha`,
      ]);
      expect(page(await listUsers({ username: `${prefix}alpha` })).usernames).toEqual([]);
      expect(page(await listUsers({ username: `${prefix}Alph` })).usernames).toEqual([]);
    });

    it("filters on a username fragment ignoring case", async () => {
      const result = page(await listUsers({ username_Icontains: `${prefix.toUpperCase()}B` }));
      expect(result.usernames).toEqual(names(["be_ta", "bexta"]));
      expect(
        page(await listUsers({ username_Icontains: "LPH", username_Istartswith: prefix }))
          .usernames,
      ).toEqual(names(["Alpha"]));
    });

    it("filters on a username start ignoring case", async () => {
      expect(
        page(await listUsers({ username_Istartswith: `${prefix.toUpperCase()}GAM` })).usernames,
      ).toEqual(names(["Gamma"]));
      expect(page(await listUsers({ username_Istartswith: "amma" })).usernames).toEqual([]);
    });

    it("filters on isActive", async () => {
      expect(
        page(await listUsers({ username_Istartswith: prefix, isActive: false })).usernames,
      ).toEqual(names(["delta"]));
      expect(
        page(await listUsers({ username_Istartswith: prefix, isActive: true })).usernames,
      ).toEqual(names(["Alpha", "be_ta", "bexta", "Gamma", "epsilon"]));
    });

    it("filters on the verified and archived status flags", async () => {
      expect(
        page(await listUsers({ username_Istartswith: prefix, status_Verified: false })).usernames,
      ).toEqual(names(["be_ta", "bexta"]));
      expect(
        page(await listUsers({ username_Istartswith: prefix, status_Archived: true })).usernames,
      ).toEqual(names(["Gamma"]));
      expect(
        page(
          await listUsers({
            username_Istartswith: prefix,
            status_Archived: false,
            status_Verified: true,
          }),
        ).usernames,
      ).toEqual(names(["Alpha", "delta", "epsilon"]));
    });

    it("filters on the secondary email exactly", async () => {
      expect(page(await listUsers({ status_SecondaryEmail: secondaryEmail })).usernames).toEqual(
        names(["epsilon"]),
      );
      expect(
        page(await listUsers({ status_SecondaryEmail: `${prefix}second@example.co` })).usernames,
      ).toEqual([]);
    });

    it("ignores a filter given as an empty string or null", async () => {
      const result = page(
        await listUsers({
          username_Istartswith: prefix,
          username: "",
          email: "",
          status_SecondaryEmail: null,
        }),
      );
      expect(result.usernames).toHaveLength(6);
    });

    it("matches LIKE wildcards literally", async () => {
      expect(
        page(await listUsers({ username_Icontains: "e_t", username_Istartswith: prefix }))
          .usernames,
      ).toEqual(names(["be_ta"]));
      expect(page(await listUsers({ username_Istartswith: `${prefix}be_` })).usernames).toEqual(
        names(["be_ta"]),
      );
      for (const value of ["%", "%%", `${prefix}%`, "\\", "\\%", "\\_", `${prefix}\\`]) {
        expect(page(await listUsers({ username_Icontains: value })).usernames, value).toEqual([]);
        expect(page(await listUsers({ username_Istartswith: value })).usernames, value).toEqual([]);
      }
    });

    it("matches nothing for a value holding a NUL character", async () => {
      for (const name of [
        "email",
        "username",
        "username_Icontains",
        "username_Istartswith",
        "status_SecondaryEmail",
      ]) {
        expect(page(await listUsers({ [name]: `${prefix}\u0000` })).usernames, name).toEqual([]);
      }
    });

    it("applies status filters before the page's offset and size", async () => {
      const unverified = { username_Istartswith: prefix, status_Verified: false, first: 1 };
      const first = page(await listUsers(unverified));
      expect(first.usernames).toEqual(names(["be_ta"]));
      expect(first.pageInfo.hasNextPage).toBe(true);
      const second = page(await listUsers({ ...unverified, offset: 1 }));
      expect(second.usernames).toEqual(names(["bexta"]));
      expect(second.pageInfo.hasNextPage).toBe(false);
      const notArchived = page(
        await listUsers({
          username_Icontains: prefix.toUpperCase(),
          status_Archived: false,
          first: 2,
          offset: 1,
        }),
      );
      expect(notArchived.usernames).toEqual(names(["be_ta", "bexta"]));
      expect(notArchived.pageInfo.hasNextPage).toBe(true);
    });

    it("answers each node of a fragment's page with its own status", async () => {
      const response = await app.gql(
        `query ($q: String, $first: Int, $offset: Int) {
          users(username_Icontains: $q, first: $first, offset: $offset) {
            pageInfo { hasNextPage }
            edges { node { username verified archived secondaryEmail } }
          }
        }`,
        { q: prefix, first: 3, offset: 2 },
        { token: staff.token },
      );
      expect(response.body.errors).toBeUndefined();
      const users = response.body.data?.users as {
        pageInfo: { hasNextPage: boolean };
        edges: { node: Record<string, unknown> }[];
      };
      expect(users.edges.map((edge) => edge.node)).toEqual([
        { username: `${prefix}bexta`, verified: false, archived: false, secondaryEmail: null },
        { username: `${prefix}Gamma`, verified: true, archived: true, secondaryEmail: null },
        { username: `${prefix}delta`, verified: true, archived: false, secondaryEmail: null },
      ]);
      expect(users.pageInfo.hasNextPage).toBe(true);
      const last = await app.gql(
        `query ($q: String) {
          users(username_Icontains: $q, first: 1, offset: 5) { edges { node { secondaryEmail } } }
        }`,
        { q: prefix },
        { token: staff.token },
      );
      expect(last.body.data?.users).toEqual({
        edges: [{ node: { secondaryEmail } }],
      });
    });

    it("treats SQL in a filter value as a plain string and keeps the table intact", async () => {
      const injection = "'; drop table users; --";
      for (const name of [
        "email",
        "username",
        "username_Icontains",
        "username_Istartswith",
        "status_SecondaryEmail",
      ]) {
        expect(page(await listUsers({ [name]: injection })).usernames, name).toEqual([]);
      }
      expect(page(await listUsers({ username_Istartswith: prefix })).usernames).toHaveLength(6);
    });
  });

  describe("users pagination", () => {
    let prefix: string;
    let all: string[];
    /** users(...) restricted to the seven paging users, so cursor indexes are theirs. */
    const pageOf = async (variables: Record<string, unknown>) =>
      page(await listUsers({ username_Istartswith: prefix, ...variables }));
    const at = (...indexes: number[]) => indexes.map((index) => all[index]);

    beforeAll(async () => {
      prefix = unique("pag");
      all = [];
      for (let index = 0; index < 7; index += 1) {
        const user = await aRegisteredUser(app, { username: `${prefix}n${index}` });
        all.push(user.username);
      }
    });

    it("uses base64 arrayconnection:<index> cursors into the filtered list", async () => {
      const result = await pageOf({});
      expect(result.usernames).toEqual(all);
      expect(result.cursors).toEqual(all.map((_name, index) => cursor(index)));
      expect(result.cursors[0]).toBe("YXJyYXljb25uZWN0aW9uOjA=");
      expect(result.pageInfo).toEqual({
        hasNextPage: false,
        hasPreviousPage: false,
        startCursor: cursor(0),
        endCursor: cursor(6),
      });
    });

    it("answers the first rows and says a next page exists", async () => {
      const result = await pageOf({ first: 2 });
      expect(result.usernames).toEqual(at(0, 1));
      expect(result.pageInfo).toEqual({
        hasNextPage: true,
        hasPreviousPage: false,
        startCursor: cursor(0),
        endCursor: cursor(1),
      });
    });

    it("continues after a cursor without reporting a previous page", async () => {
      const result = await pageOf({ first: 2, after: cursor(1) });
      expect(result.usernames).toEqual(at(2, 3));
      expect(result.cursors).toEqual([cursor(2), cursor(3)]);
      expect(result.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    });

    it("reports no next page on the last page", async () => {
      const result = await pageOf({ first: 10, after: cursor(4) });
      expect(result.usernames).toEqual(at(5, 6));
      expect(result.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: false });
    });

    it("applies last alone to the whole filtered list", async () => {
      const result = await pageOf({ last: 2 });
      expect(result.usernames).toEqual(at(5, 6));
      expect(result.pageInfo).toEqual({
        hasNextPage: false,
        hasPreviousPage: true,
        startCursor: cursor(5),
        endCursor: cursor(6),
      });
    });

    it("takes the last rows of the first ones when both are given", async () => {
      const result = await pageOf({ first: 4, last: 2 });
      expect(result.usernames).toEqual(at(2, 3));
      expect(result.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: true });
    });

    it("pages backwards with last and before", async () => {
      const result = await pageOf({ last: 2, before: cursor(4) });
      expect(result.usernames).toEqual(at(2, 3));
      expect(result.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
    });

    it("stops before a cursor with first", async () => {
      const result = await pageOf({ first: 2, before: cursor(1) });
      expect(result.usernames).toEqual(at(0));
      expect(result.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: false });
    });

    it("combines last with after", async () => {
      const result = await pageOf({ last: 3, after: cursor(1) });
      expect(result.usernames).toEqual(at(4, 5, 6));
      expect(result.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
    });

    it("skips offset rows", async () => {
      const result = await pageOf({ offset: 3 });
      expect(result.usernames).toEqual(at(3, 4, 5, 6));
      expect(result.cursors[0]).toBe(cursor(3));
      expect(result.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: false });
      expect((await pageOf({ offset: 2, first: 2 })).usernames).toEqual(at(2, 3));
      expect((await pageOf({ offset: 0, first: 1 })).usernames).toEqual(at(0));
    });

    it("skips offset rows counted after the after cursor", async () => {
      const result = await pageOf({ offset: 2, after: cursor(1), first: 2 });
      expect(result.usernames).toEqual(at(4, 5));
      expect(result.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    });

    it("answers an empty page past the end", async () => {
      const result = await pageOf({ first: 2, after: cursor(10) });
      expect(result.usernames).toEqual([]);
      expect(result.pageInfo).toEqual({
        hasNextPage: false,
        hasPreviousPage: false,
        startCursor: null,
        endCursor: null,
      });
    });

    it("answers no rows for first: 0 while a next page exists", async () => {
      const result = await pageOf({ first: 0 });
      expect(result.usernames).toEqual([]);
      expect(result.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    });

    it("treats an unreadable cursor as absent", async () => {
      expect((await pageOf({ first: 2, after: "garbage" })).usernames).toEqual(at(0, 1));
    });

    it("refuses offset together with before", async () => {
      const response = await listUsers({
        username_Istartswith: prefix,
        offset: 1,
        before: cursor(4),
      });
      expect(response.body.data).toEqual({ users: null });
      expect(response.body.errors?.map((error) => error.message)).toEqual([
        "You can't provide a `before` value at the same time as an `offset` value to properly paginate the `users` connection.",
      ]);
    });
  });

  describe("users page limit", () => {
    let prefix: string;

    beforeAll(async () => {
      prefix = unique("lim");
      const dateJoined = new Date();
      // 105 rows through the store in one transaction: registering them would only add hashing time.
      await app.deps.db.transaction().execute(async (tx) => {
        for (let index = 0; index < 105; index += 1) {
          const username = `${prefix}r${String(index).padStart(3, "0")}`;
          await insertUser(tx, {
            username,
            email: `${username}@example.com`,
            passwordHash: "!",
            dateJoined,
            fieldColumns: {},
          });
        }
      });
    });

    it("answers at most 100 rows without first or last and says more exist", async () => {
      const result = page(await listUsers({ username_Istartswith: prefix }));
      expect(result.usernames).toHaveLength(100);
      expect(result.usernames[99]).toBe(`${prefix}r099`);
      expect(result.pageInfo).toEqual({
        hasNextPage: true,
        hasPreviousPage: false,
        startCursor: cursor(0),
        endCursor: cursor(99),
      });
    });

    it("answers the end of the whole list for last alone", async () => {
      const result = page(await listUsers({ username_Istartswith: prefix, last: 5 }));
      expect(result.usernames).toEqual(
        [100, 101, 102, 103, 104].map((index) => `${prefix}r${String(index)}`),
      );
      expect(result.cursors[0]).toBe(cursor(100));
      expect(result.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
    });

    it("accepts first: 100", async () => {
      expect(
        page(await listUsers({ username_Istartswith: prefix, first: 100 })).usernames,
      ).toHaveLength(100);
    });

    it("refuses first or last above the limit with the reference's message", async () => {
      for (const key of ["first", "last"]) {
        const response = await listUsers({ username_Istartswith: prefix, [key]: 101 });
        expect(response.body.data, key).toEqual({ users: null });
        expect(
          response.body.errors?.map((error) => error.message),
          key,
        ).toEqual([
          `Requesting 101 records on the \`users\` connection exceeds the \`${key}\` limit of 100 records.`,
        ]);
      }
    });
  });
});

describe.each(testDatabases())("users with public access on %s", (database) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(database, { COMPAT_MODE: "true" });
  });
  afterAll(async () => {
    await app.close();
  });

  it("lists users to an anonymous caller", async () => {
    const user = await aRegisteredUser(app);
    const result = page(await app.gql(USERS, { username: user.username }));
    expect(result.usernames).toEqual([user.username]);
  });

  it("shows an anonymous caller any user by id", async () => {
    const user = await aRegisteredUser(app);
    const listed = await app.gql(USERS, { username: user.username });
    const pk = (listed.body.data?.users as { edges: { node: { pk: number } }[] }).edges[0]?.node.pk;
    expect(pk).toBeTypeOf("number");
    const response = await app.gql(USER, { id: globalId("UserNode", pk ?? 0) });
    expect(response.body.data?.user).toEqual({ pk, username: user.username, email: user.email });
  });
});
