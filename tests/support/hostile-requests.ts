// Hostile HTTP requests to /graphql: bodies (broken JSON, invalid UTF-8, JSON that is not
// GraphQL, deep nesting, forms, noise), query strings and the headers the server reads
// (Host, Content-Type, Authorization, Cookie, X-CSRFToken, Origin); and requests that HTTP
// itself refuses. Header values stay within what HTTP lets through to the application.
import fc from "fast-check";
import { operationCases, operationRequest, type PoolUser } from "./hostile-operations.js";
import { headerValue, hostileString, hostileValue, toJsonText } from "./hostile-values.js";
import type { SchemaOperation } from "./schema-operations.js";

/** Hostile query texts: JSON that is not GraphQL, deep nesting, cycles, repeated names. */
export const hostileQueryText = fc.oneof(
  fc.constantFrom(
    "{ me { pk username } }",
    "query { users(first: 1) { edges { node { pk } } } }",
    "1",
    "null",
    "true",
    "[]",
    "{}",
    '"query"',
    '{"kind":"Document"}',
    '{"kind":"Document","definitions":[]}',
    '{"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query"}]}',
    '{"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field"}]}}]}',
    "fragment A on Query { ...A } { ...A }",
    "query A { me { pk } } query A { me { pk } }",
    'query A { me { pk } } mutation B { verifyToken(token: "x") { success } }',
    "subscription { me { pk } }",
    "{ __schema { types { name fields { name } } } }",
    "{ me { pk } } # \u0000",
    'query ($a: String = "\\ud800") { me { pk } }',
    "{ me @skip(if: $undefined) { pk } }",
    "{ a: me { pk } b: me { pk } c: me { pk } }",
  ),
  fc
    .tuple(fc.integer({ min: 100, max: 40_000 }), fc.constantFrom("{ me ", "{ a ", "[", "{ me(x: "))
    .map(([depth, opener]) => opener.repeat(depth)),
  fc
    .integer({ min: 1000, max: 40_000 })
    .map((depth) => `{${"me{".repeat(depth)}pk${"}".repeat(depth + 1)}`),
  hostileString,
);

const BAD_BYTES = [
  [0xff],
  [0xfe, 0xff],
  [0xc0, 0xaf],
  [0xed, 0xa0, 0x80],
  [0xed, 0xbf, 0xbf],
  [0xf4, 0x90, 0x80, 0x80],
  [0xe2, 0x82],
  [0x00],
  [0xef, 0xbb, 0xbf],
];

/** Bytes of `text` with invalid UTF-8 sequences spliced in. */
const withBadBytes = (text: fc.Arbitrary<string>) =>
  fc
    .tuple(
      text,
      fc.array(fc.tuple(fc.nat(), fc.constantFrom(...BAD_BYTES)), { minLength: 1, maxLength: 4 }),
    )
    .map(([value, insertions]) => {
      let bytes = Buffer.from(value, "utf8");
      for (const [at, bad] of insertions) {
        const position = bytes.length === 0 ? 0 : at % bytes.length;
        bytes = Buffer.concat([
          bytes.subarray(0, position),
          Buffer.from(bad),
          bytes.subarray(position),
        ]);
      }
      return bytes;
    });

const jsonBodyText = fc
  .record({
    query: hostileQueryText,
    variables: fc.option(hostileValue, { nil: undefined }),
    operationName: fc.option(hostileValue, { nil: undefined }),
  })
  .map(({ query, variables, operationName }) => {
    const parts = [`"query":${JSON.stringify(query)}`];
    if (variables !== undefined) parts.push(`"variables":${toJsonText(variables)}`);
    if (operationName !== undefined) parts.push(`"operationName":${toJsonText(operationName)}`);
    return `{${parts.join(",")}}`;
  });

const MALFORMED_JSON = [
  "",
  "{",
  "}",
  "[",
  '{"query":',
  '{"query":"{ me { pk } }"',
  "{'query': '{ me { pk } }'}",
  '{"query":"{ me { pk } }",}',
  '{"query":"{ me { pk } }"} trailing',
  '{"query":NaN}',
  '{"query":"\\x41"}',
  '{"query":"\\ud800"}',
  "/* comment */ {}",
  "\ufeff{}",
  '{"query":"a","query":"{ me { pk } }"}',
  '{"__proto__":{"query":"{ me { pk } }"}}',
  '{"constructor":{"prototype":{"query":1}}}',
];

/** Bodies of every sort: well-formed JSON text (`json`), broken JSON, bad bytes, forms, noise. */
const bodyBytes = (json: fc.Arbitrary<string>): fc.Arbitrary<Buffer> =>
  fc.oneof(
    { arbitrary: json.map((text) => Buffer.from(text)), weight: 6 },
    {
      arbitrary: fc
        .tuple(json, fc.nat(), fc.constantFrom(...MALFORMED_JSON))
        .map(([text, at, junk]) => {
          const position = at % (text.length + 1);
          return Buffer.from(text.slice(0, position) + junk + text.slice(position));
        }),
      weight: 2,
    },
    { arbitrary: fc.constantFrom(...MALFORMED_JSON).map((text) => Buffer.from(text)), weight: 1 },
    { arbitrary: withBadBytes(json), weight: 2 },
    {
      arbitrary: fc
        .array(
          fc.tuple(fc.constantFrom("query", "variables", "operationName", "_csrf"), hostileString),
          {
            maxLength: 3,
          },
        )
        .map((entries) => Buffer.from(new URLSearchParams(entries).toString())),
      weight: 1,
    },
    { arbitrary: fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)), weight: 1 },
  );

const CONTENT_TYPES = [
  "application/json",
  "application/json; charset=utf-8",
  "APPLICATION/JSON",
  "application/json; charset=latin1",
  "application/json;;;",
  "application/graphql",
  "application/x-www-form-urlencoded",
  "text/plain",
  "multipart/form-data; boundary=x",
  "application/jsonx",
  "*/*",
  ";",
];

/** Small hostile strings only: a URL past the header size limit is a protocol error. */
const queryStringValue = hostileString.filter((value) => value.length <= 2000);

export interface BodyCase {
  method: string;
  path: string;
  headers: [string, string][];
  body: Buffer;
}

export function bodyCases(
  port: number,
  operations: SchemaOperation[],
  pool: PoolUser[],
): fc.Arbitrary<BodyCase> {
  const optionalHeader = (name: string, value: fc.Arbitrary<string>) =>
    fc.option(
      value.map((text): [string, string] => [name, text]),
      { nil: undefined },
    );
  const validToken = fc.nat().map((index) => pool[index % pool.length]!.token);
  // The operation cases' bodies too, so broken variants of real requests get far.
  const json = fc.oneof(
    jsonBodyText,
    operationCases(operations, pool.length).map(
      (testCase) => operationRequest(testCase, pool).body,
    ),
  );
  const queryString = fc.oneof(
    { arbitrary: fc.constant(undefined), weight: 3 },
    {
      arbitrary: fc
        .record({
          query: hostileQueryText.filter((text) => text.length <= 2000),
          variables: fc.option(hostileValue.map(toJsonText), { nil: undefined }),
          operationName: fc.option(queryStringValue, { nil: undefined }),
        })
        .map((params) =>
          Object.entries(params).filter(
            (entry): entry is [string, string] => entry[1] !== undefined,
          ),
        ),
      weight: 3,
    },
    {
      arbitrary: fc.array(
        fc.tuple(
          fc.constantFrom("query", "variables", "operationName", "raw", "x"),
          fc.oneof(
            hostileQueryText.filter((text) => text.length <= 2000),
            queryStringValue,
          ),
        ),
        { maxLength: 3 },
      ),
      weight: 1,
    },
  );
  return fc
    .record({
      method: fc.oneof(
        { arbitrary: fc.constant("POST"), weight: 6 },
        { arbitrary: fc.constant("GET"), weight: 2 },
        { arbitrary: fc.constantFrom("PUT", "DELETE", "PATCH", "OPTIONS"), weight: 1 },
      ),
      path: fc.constantFrom("/graphql", "/graphql/"),
      query: queryString,
      host: fc.oneof(fc.constant(`127.0.0.1:${port}`), headerValue),
      contentType: optionalHeader(
        "Content-Type",
        fc.oneof(
          { arbitrary: fc.constant("application/json"), weight: 6 },
          { arbitrary: fc.constantFrom(...CONTENT_TYPES), weight: 3 },
          { arbitrary: headerValue, weight: 1 },
        ),
      ),
      authorization: optionalHeader(
        "Authorization",
        fc.oneof(
          validToken.map((token) => `JWT ${token}`),
          validToken.map((token) => `Bearer ${token}`),
          validToken.map((token) => `JWT ${token.slice(0, -3)}abc`),
          headerValue.map((value) => `JWT ${value}`),
          headerValue,
        ),
      ),
      cookie: optionalHeader(
        "Cookie",
        fc.oneof(
          headerValue,
          fc
            .tuple(headerValue, headerValue, headerValue)
            .map(
              ([jwt, csrf, session]) =>
                `JWT=${jwt}; _csrf=${csrf}; gatehouse_admin_session=${session}`,
            ),
        ),
      ),
      csrf: optionalHeader("X-CSRFToken", headerValue),
      origin: optionalHeader(
        "Origin",
        fc.oneof(fc.constantFrom("null", "http://evil.example"), headerValue),
      ),
      body: bodyBytes(json),
    })
    .map((c) => ({
      method: c.method,
      path: c.query === undefined ? c.path : `${c.path}?${new URLSearchParams(c.query).toString()}`,
      headers: [
        ["Host", c.host],
        ...[c.contentType, c.authorization, c.cookie, c.csrf, c.origin].filter(
          (header) => header !== undefined,
        ),
      ] as [string, string][],
      body: c.method === "GET" ? Buffer.alloc(0) : c.body,
    }));
}

/** Requests HTTP itself refuses: the server must refuse them too, and live on. */
export function malformedHttpCases(port: number): fc.Arbitrary<Buffer> {
  const host = `Host: 127.0.0.1:${port}\r\n`;
  const json = '{"query":"{ me { pk } }"}';
  const requests = fc.oneof(
    fc
      .tuple(
        fc.integer({ min: 0, max: 0x1f }).filter((code) => code !== 0x09),
        fc.constantFrom("Authorization", "Cookie", "Content-Type", "X-CSRFToken", "Origin", "Host"),
      )
      .map(
        ([code, name]) =>
          `POST /graphql HTTP/1.1\r\n${host}${name}: a${String.fromCharCode(code)}b\r\nContent-Type: application/json\r\nContent-Length: ${json.length}\r\n\r\n${json}`,
      ),
    fc.constant(
      `POST /graphql HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: ${json.length}\r\n\r\n${json}`,
    ),
    fc
      .integer({ min: 17_000, max: 70_000 })
      .map(
        (length) =>
          `POST /graphql HTTP/1.1\r\n${host}Cookie: ${"c".repeat(length)}\r\nContent-Length: 0\r\n\r\n`,
      ),
    fc
      .integer({ min: 17_000, max: 70_000 })
      .map((length) => `GET /graphql?query=${"a".repeat(length)} HTTP/1.1\r\n${host}\r\n`),
    fc
      .constantFrom("abc", "-1", "1.5", "99999999999999999999", "5, 6")
      .map(
        (length) =>
          `POST /graphql HTTP/1.1\r\n${host}Content-Type: application/json\r\nContent-Length: ${length}\r\n\r\n${json}`,
      ),
    fc.constant(
      `POST /graphql HTTP/1.1\r\n${host}Content-Type: application/json\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n${json}`,
    ),
    fc.constant(
      `POST /graphql HTTP/1.1\r\n${host}Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\nzz\r\n${json}`,
    ),
    fc.constant(
      `POST /graphql HTTP/1.1\r\n${host}Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n${json}\r\n0\r\n\r\n`,
    ),
    fc.constant(
      `POST /graphql/%ff%fe HTTP/1.1\r\n${host}Content-Type: application/json\r\nContent-Length: ${json.length}\r\n\r\n${json}`,
    ),
    fc.constant("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"),
    fc.string({ unit: "binary", maxLength: 200 }).map((junk) => `${junk}\r\n\r\n`),
    fc
      .constantFrom(0x80, 0xff, 0x00, 0x7f)
      .map((byte) => `GET /graphql?query=${String.fromCharCode(byte)} HTTP/1.1\r\n${host}\r\n`),
  );
  return requests.map((text) => Buffer.from(text, "latin1"));
}
