// fast-check arbitraries for hostile input: strings that have broken other servers (SQL and
// template metacharacters, control characters, lone surrogates, huge values) and values of every
// JSON type, kept as a small tree so one value can be written as JSON text or as a GraphQL literal
// (deep nesting is built as text: JSON.stringify itself would overflow the stack).
import fc from "fast-check";

export type HostileValue =
  | { kind: "string"; value: string }
  /** A number as raw text, so 1e999, -0 and 40-digit integers reach the server unrounded. */
  | { kind: "number"; text: string }
  | { kind: "boolean"; value: boolean }
  | { kind: "null" }
  | { kind: "list"; items: HostileValue[] }
  | { kind: "object"; entries: [string, HostileValue][] }
  | { kind: "deep"; depth: number; bracket: "list" | "object" };

const SQL_PIECES = [
  "'",
  '"',
  ";",
  "--",
  "%",
  "_",
  "\\",
  "\u0000",
  "' OR '1'='1",
  "'; DROP TABLE users; --",
  '" OR ""="',
  "\\'",
  "\\%",
  "\\_",
  "%%",
  "%_%",
  "/*",
  "*/",
  "`",
  "$$",
  "E'\\x00'",
  "' UNION SELECT password FROM users --",
  "ESCAPE '\\'",
  "\\\\",
];

const TEMPLATE_PIECES = [
  "{{",
  "}}",
  "{%",
  "%}",
  "${",
  "}",
  "{{ user.password }}",
  "{{7*7}}",
  "{% raw %}",
  "{% endraw %}",
  "{% include '/etc/passwd' %}",
  "{%- for i in (1..100000000) -%}x{%- endfor -%}",
  "${process.exit(1)}",
  "#{7*7}",
  "<%= 7*7 %>",
  "<script>alert(1)</script>",
  "{{ 'x' | append: 'y' }}",
];

const UNICODE_PIECES = [
  "\ud800",
  "\udfff",
  "\udc00\ud800",
  "\ufeff",
  "\u202e",
  "\u200b",
  "\uffff",
  "\ufffd",
  "ǅ",
  "ﬃ",
  "Å",
  "İ",
  "\u0130\u0131",
  "😀",
  "𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
  "\r\n",
  "\u0085",
  "\u2028",
];

const piecesString = (pieces: string[], maxLength: number) =>
  fc
    .array(fc.oneof(fc.constantFrom(...pieces), fc.string({ maxLength: 4 })), {
      minLength: 1,
      maxLength,
    })
    .map((parts) => parts.join(""));

const controlCharacters = fc.string({
  unit: fc.integer({ min: 0, max: 0x1f }).map((code) => String.fromCharCode(code)),
  minLength: 1,
  maxLength: 40,
});

/** Sizes around the body limits: 64 KiB up to past 1 MiB. */
export const HUGE_LENGTHS = fc.oneof(
  fc.integer({ min: 64 * 1024, max: 200 * 1024 }),
  fc.integer({ min: 900 * 1024, max: 1_600_000 }),
);

const hugeString = fc
  .tuple(fc.string({ unit: "binary", minLength: 1, maxLength: 8 }), HUGE_LENGTHS)
  .map(([chunk, length]) => chunk.repeat(Math.ceil(length / chunk.length)).slice(0, length));

/** Every kind of hostile string, huge ones rare (they dominate the run time). */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.string({ unit: "binary", maxLength: 60 }), weight: 4 },
  { arbitrary: piecesString(SQL_PIECES, 8), weight: 4 },
  { arbitrary: piecesString(TEMPLATE_PIECES, 6), weight: 3 },
  { arbitrary: piecesString(UNICODE_PIECES, 8), weight: 3 },
  { arbitrary: controlCharacters, weight: 2 },
  {
    arbitrary: fc.constantFrom("", " ", "\u0000", "null", "undefined", "NaN", "[]", "{}"),
    weight: 2,
  },
  {
    // Just past the model's column limits (150, 254, 255), and the action tokens' 8 KiB cap.
    arbitrary: fc
      .tuple(
        fc.constantFrom(149, 150, 151, 254, 255, 256, 8192, 8193, 20_000),
        fc.constantFrom("a", "é", "😀", "'"),
      )
      .map(([length, unit]) => unit.repeat(length)),
    weight: 2,
  },
  { arbitrary: hugeString, weight: 1 },
);

const numberText = fc.oneof(
  fc.integer().map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((value) => JSON.stringify(value)),
  fc.constantFrom(
    "-0",
    "0.0",
    "1e999",
    "-1e999",
    "2147483648",
    "-2147483649",
    "9007199254740993",
    "123456789012345678901234567890",
    "1.5",
    "1e-400",
  ),
);

const leaf: fc.Arbitrary<HostileValue> = fc.oneof(
  { arbitrary: hostileString.map((value) => ({ kind: "string" as const, value })), weight: 6 },
  { arbitrary: numberText.map((text) => ({ kind: "number" as const, text })), weight: 2 },
  { arbitrary: fc.boolean().map((value) => ({ kind: "boolean" as const, value })), weight: 1 },
  { arbitrary: fc.constant({ kind: "null" as const }), weight: 1 },
  {
    arbitrary: fc.record({
      kind: fc.constant("deep" as const),
      depth: fc.oneof(fc.integer({ min: 2, max: 64 }), fc.integer({ min: 1000, max: 60_000 })),
      bracket: fc.constantFrom("list" as const, "object" as const),
    }),
    weight: 1,
  },
);

/** A value of any JSON type (lists and objects of hostile leaves, deep nesting included). */
export const hostileValue: fc.Arbitrary<HostileValue> = fc.oneof(
  { arbitrary: leaf, weight: 8 },
  {
    arbitrary: fc.array(leaf, { maxLength: 4 }).map((items) => ({ kind: "list" as const, items })),
    weight: 1,
  },
  {
    arbitrary: fc
      .array(fc.tuple(fc.string({ maxLength: 8 }), leaf), { maxLength: 4 })
      .map((entries) => ({ kind: "object" as const, entries })),
    weight: 1,
  },
);

/** JSON text of a value. */
export function toJsonText(value: HostileValue): string {
  switch (value.kind) {
    case "string":
      return JSON.stringify(value.value);
    case "number":
      return value.text;
    case "boolean":
      return String(value.value);
    case "null":
      return "null";
    case "list":
      return `[${value.items.map(toJsonText).join(",")}]`;
    case "object":
      return `{${value.entries.map(([key, item]) => `${JSON.stringify(key)}:${toJsonText(item)}`).join(",")}}`;
    case "deep":
      return value.bracket === "list"
        ? "[".repeat(value.depth) + "]".repeat(value.depth)
        : '{"a":'.repeat(value.depth) + "1" + "}".repeat(value.depth);
  }
}

/** The value as a GraphQL literal (object keys made into valid names). */
export function toGraphqlLiteral(value: HostileValue): string {
  switch (value.kind) {
    case "string":
      // JSON escapes are GraphQL escapes; a lone surrogate's \ud800 is a GraphQL syntax error.
      return JSON.stringify(value.value);
    case "number":
      return value.text;
    case "boolean":
      return String(value.value);
    case "null":
      return "null";
    case "list":
      return `[${value.items.map(toGraphqlLiteral).join(", ")}]`;
    case "object":
      return `{${value.entries
        .map(([key, item], index) => `${graphqlName(key, index)}: ${toGraphqlLiteral(item)}`)
        .join(", ")}}`;
    case "deep":
      return value.bracket === "list"
        ? "[".repeat(value.depth) + "]".repeat(value.depth)
        : "{a: ".repeat(value.depth) + "1" + "}".repeat(value.depth);
  }
}

function graphqlName(key: string, index: number): string {
  const cleaned = key.replace(/[^_A-Za-z0-9]/g, "");
  return /^[_A-Za-z]/.test(cleaned) ? cleaned : `k${index}${cleaned}`;
}

/** A short description for failure reports (huge values are summarised). */
export function describeValue(text: string, limit = 300): string {
  return text.length <= limit ? text : `${text.slice(0, limit)}… (${text.length} characters)`;
}

/**
 * Header values HTTP lets through to the application: visible ASCII, spaces, tabs and obs-text
 * bytes (0x80–0xFF, written as latin1), but no other control characters.
 */
export const headerValue: fc.Arbitrary<string> = fc
  .oneof(
    fc.string({
      unit: fc
        .oneof(
          fc.integer({ min: 0x20, max: 0x7e }),
          fc.integer({ min: 0x80, max: 0xff }),
          fc.constant(0x09),
        )
        .map((code) => String.fromCharCode(code)),
      maxLength: 200,
    }),
    piecesString(
      [...SQL_PIECES, ...TEMPLATE_PIECES].filter((piece) => !piece.includes("\u0000")),
      6,
    ),
    fc.integer({ min: 1000, max: 6000 }).map((length) => "x".repeat(length)),
  )
  .map((value) => value.trim());
