// The declared user fields (USER_FIELDS) as graphene-django converts model fields: the scalar of
// each Django type, the named enum of a field with choices, and the nullability rule. Scalars and
// enums are added to the schema only when a declaration uses them, so the default schema keeps
// exactly its types.
import { GraphQLError } from "graphql";
import type { UserFieldDeclaration } from "../../accounts/fields/user-fields.js";
import type { Builder } from "../builder.js";

export type DeclaredScalar =
  | "String"
  | "Boolean"
  | "Int"
  | "BigInt"
  | "Float"
  | "Decimal"
  | "Date"
  | "DateTime"
  | "UUID"
  | "JSONString";

/** graphene-django's converter (3.x types: BigInt for BigIntegerField, Decimal for DecimalField). */
export function scalarOf(type: UserFieldDeclaration["type"]): DeclaredScalar {
  switch (type) {
    case "CharField":
    case "TextField":
    case "EmailField":
    case "URLField":
    case "SlugField":
      return "String";
    case "BooleanField":
      return "Boolean";
    case "IntegerField":
    case "PositiveIntegerField":
      return "Int";
    case "BigIntegerField":
      return "BigInt";
    case "FloatField":
      return "Float";
    case "DecimalField":
      return "Decimal";
    case "DateField":
      return "Date";
    case "DateTimeField":
      return "DateTime";
    case "UUIDField":
      return "UUID";
    case "JSONField":
      return "JSONString";
  }
}

/**
 * Whether UserNode may answer null: graphene-django marks a field required unless the model field
 * is null=True; a field with choices (an enum) also when blank=True, since a blank value is no
 * choice and reads as null.
 */
export function isNullableOnNode(field: UserFieldDeclaration): boolean {
  return field.choices === undefined ? field.null : field.null || field.blank;
}

/** graphene's to_camel_case of `User_<field>`: graphene-django 2's enum name, e.g. `UserTitle`. */
export function choiceEnumName(field: Pick<UserFieldDeclaration, "name">): string {
  return `User${field.name
    .split("_")
    .map((piece) => piece.charAt(0).toUpperCase() + piece.slice(1).toLowerCase())
    .join("")}`;
}

const GRAPHQL_NAME = /^[_a-zA-Z][_a-zA-Z0-9]*$/;

/**
 * graphene-django's convert_choice_name: `to_const` (transliterated to ASCII, every run of
 * non-word characters → `_`, upper-cased), prefixed `A_` when that is no GraphQL name (a value
 * starting with a digit, or empty); a repeated name gets `_<count of names so far>` appended,
 * as get_choices does. (unidecode is approximated: accents are dropped, other non-ASCII
 * letters become `_`.)
 */
export function choiceEnumValues(
  choices: readonly { value: string | number; label: string }[],
): { name: string; value: string | number; description: string }[] {
  const names: string[] = [];
  return choices.map((choice) => {
    const ascii = String(choice.value)
      .normalize("NFKD")
      .replace(/[\u0300-\u036f]/g, "");
    let name = ascii.replace(/[^A-Za-z0-9_]+/g, "_").toUpperCase();
    // GraphQL reserves names starting with __ for introspection.
    if (!GRAPHQL_NAME.test(name) || name.startsWith("__")) name = `A_${name}`;
    while (names.includes(name)) name += `_${String(names.length)}`;
    names.push(name);
    return { name, value: choice.value, description: choice.label };
  });
}

/** Python's json.dumps with its defaults (", " and ": " separators, ASCII only): JSONString's text. */
export function pythonJsonDumps(value: unknown): string {
  if (typeof value === "string") return asciiJsonString(value);
  if (typeof value === "number") return Number.isFinite(value) ? JSON.stringify(value) : "null";
  if (typeof value === "boolean") return value ? "true" : "false";
  if (Array.isArray(value)) return `[${value.map(pythonJsonDumps).join(", ")}]`;
  if (typeof value === "object" && value !== null) {
    const members = Object.entries(value).map(
      ([key, member]) => `${asciiJsonString(key)}: ${pythonJsonDumps(member)}`,
    );
    return `{${members.join(", ")}}`;
  }
  return "null";
}

function asciiJsonString(text: string): string {
  return JSON.stringify(text).replace(
    /[^\x20-\x7e]/g,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

const invalid = (scalar: string, value: unknown) =>
  new GraphQLError(
    `${scalar} cannot represent value: ${typeof value === "string" ? JSON.stringify(value) : String(value)}`,
  );

const DECIMAL = /^[-+]?(?:\d+(?:\.\d*)?|\.\d+)$/;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const UUID =
  /^(?:urn:uuid:)?\{?([0-9a-f]{8})-?([0-9a-f]{4})-?([0-9a-f]{4})-?([0-9a-f]{4})-?([0-9a-f]{12})\}?$/i;

function parseBigInt(value: unknown): number {
  const number =
    typeof value === "number"
      ? value
      : typeof value === "string" && /^[-+]?\d+$/.test(value.trim())
        ? Number(value.trim())
        : NaN;
  if (!Number.isSafeInteger(number)) throw invalid("BigInt", value);
  return number;
}

function parseDecimal(value: unknown): string {
  const text =
    typeof value === "number" && Number.isFinite(value)
      ? String(value)
      : typeof value === "string"
        ? value.trim()
        : "";
  if (!DECIMAL.test(text)) throw invalid("Decimal", value);
  return text;
}

function parseDate(value: unknown): string {
  const match = typeof value === "string" ? ISO_DATE.exec(value) : null;
  if (match === null) throw invalid("Date", value);
  const [year, month, day] = match.slice(1).map(Number) as [number, number, number];
  const date = new Date(Date.UTC(year, month - 1, day));
  date.setUTCFullYear(year);
  if (year < 1 || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day)
    throw invalid("Date", value);
  return match[0];
}

function parseUuid(value: unknown): string {
  const match = typeof value === "string" ? UUID.exec(value.trim()) : null;
  if (match === null) throw invalid("UUID", value);
  return match.slice(1).join("-").toLowerCase();
}

function parseJsonString(value: unknown): unknown {
  if (typeof value !== "string") throw invalid("JSONString", value);
  try {
    return JSON.parse(value) as unknown;
  } catch {
    throw invalid("JSONString", value);
  }
}

const definedScalars = new WeakMap<Builder, Set<DeclaredScalar>>();

/** Adds the scalar to the schema the first time a declared field needs it (built-ins exist). */
export function useScalar(builder: Builder, scalar: DeclaredScalar): DeclaredScalar {
  const defined = definedScalars.get(builder) ?? new Set<DeclaredScalar>();
  definedScalars.set(builder, defined);
  if (defined.has(scalar)) return scalar;
  defined.add(scalar);
  switch (scalar) {
    case "BigInt":
      builder.scalarType("BigInt", {
        description: "A whole number beyond Int's 32 bits, as a JSON number (graphene's BigInt)",
        serialize: (value) => value,
        parseValue: parseBigInt,
      });
      break;
    case "Decimal":
      builder.scalarType("Decimal", {
        description: 'A decimal number as a string, e.g. "12.50" (graphene\'s Decimal)',
        serialize: (value) => value,
        parseValue: parseDecimal,
      });
      break;
    case "Date":
      builder.scalarType("Date", {
        description: "ISO-8601 calendar date, YYYY-MM-DD",
        serialize: (value) => value,
        parseValue: parseDate,
      });
      break;
    case "UUID":
      builder.scalarType("UUID", {
        description: "A UUID, written lower-case with hyphens",
        serialize: (value) => value,
        parseValue: parseUuid,
      });
      break;
    case "JSONString":
      builder.scalarType("JSONString", {
        description: "A JSON value as JSON text (graphene's JSONString)",
        serialize: (value) => pythonJsonDumps(value),
        parseValue: parseJsonString,
      });
      break;
    case "String":
    case "Boolean":
    case "Int":
    case "Float":
    case "DateTime":
      break;
  }
  return scalar;
}

/** The enum of a field with choices, as graphene-django 2 names and describes it. */
export function defineChoiceEnum(builder: Builder, field: UserFieldDeclaration) {
  return builder.enumType(choiceEnumName(field), {
    // graphene's Enum built from a Python enum: the class docstring of every Python Enum.
    description: "An enumeration.",
    values: Object.fromEntries(
      choiceEnumValues(field.choices ?? []).map(({ name, value, description }) => [
        name,
        { value, description },
      ]),
    ),
  });
}

/** The choice a domain value is (its enum value), or null: a blank value is no choice. */
export function choiceOf(field: UserFieldDeclaration, value: unknown): string | number | null {
  return field.choices?.find((choice) => choice.value === value)?.value ?? null;
}
