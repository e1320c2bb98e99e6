// Values of the declared user fields (USER_FIELDS), as Django's model form cleans them from what
// a client sends, with its messages and codes (SPEC §6.3 style), and their one domain form:
// strings for the text types, Decimal as a canonical decimal string, Date as `YYYY-MM-DD`,
// DateTime as a Date, UUID as lower-case hyphenated text, JSON as the parsed value.
// Django 3.2 references: django/forms/fields.py, django/core/validators.py.
import type { UserFieldDeclaration } from "../../config/user-fields.js";
import type { ErrorDetail } from "../errors.js";
import { charCount, isValidEmail } from "../validation.js";

export type UserFieldValues = Record<string, unknown>;

const detail = (message: string, code: string): ErrorDetail => ({ message, code });

export const FIELD_MESSAGES = {
  required: () => detail("This field is required.", "required"),
  maxLength: (limit: number, actual: number) =>
    detail(`Ensure this value has at most ${limit} characters (it has ${actual}).`, "max_length"),
  invalidChoice: (value: unknown) =>
    detail(
      `Select a valid choice. ${String(value)} is not one of the available choices.`,
      "invalid_choice",
    ),
  wholeNumber: () => detail("Enter a whole number.", "invalid"),
  number: () => detail("Enter a number.", "invalid"),
  minValue: (limit: number) =>
    detail(`Ensure this value is greater than or equal to ${limit}.`, "min_value"),
  maxValue: (limit: number) =>
    detail(`Ensure this value is less than or equal to ${limit}.`, "max_value"),
  maxDigits: (max: number) =>
    detail(`Ensure that there are no more than ${max} digits in total.`, "max_digits"),
  maxDecimalPlaces: (max: number) =>
    detail(`Ensure that there are no more than ${max} decimal places.`, "max_decimal_places"),
  maxWholeDigits: (max: number) =>
    detail(
      `Ensure that there are no more than ${max} digits before the decimal point.`,
      "max_whole_digits",
    ),
  date: () => detail("Enter a valid date.", "invalid"),
  dateTime: () => detail("Enter a valid date/time.", "invalid"),
  email: () => detail("Enter a valid email address.", "invalid"),
  url: () => detail("Enter a valid URL.", "invalid"),
  slug: () =>
    detail(
      "Enter a valid \u201cslug\u201d consisting of letters, numbers, underscores or hyphens.",
      "invalid",
    ),
  uuid: () => detail("Enter a valid UUID.", "invalid"),
  json: () => detail("Enter a valid JSON.", "invalid"),
  boolean: () => detail("Enter a valid boolean.", "invalid"),
  nullCharacters: () => detail("Null characters are not allowed.", "null_characters_not_allowed"),
  null: () => detail("This field cannot be null.", "null"),
  unique: (label: string) =>
    detail(`User with this ${capitalize(label)} already exists.`, "unique"),
};

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

const INT32 = { min: -2_147_483_648, max: 2_147_483_647 };
const SAFE = { min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER };
const SLUG = /^[-a-zA-Z0-9_]+$/;
const UUID =
  /^(?:urn:uuid:)?\{?([0-9a-f]{8})-?([0-9a-f]{4})-?([0-9a-f]{4})-?([0-9a-f]{4})-?([0-9a-f]{12})\}?$/i;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
// Django's URLValidator, in short: a scheme it allows, a host, an optional port and path.
const URL_PATTERN =
  /^(?:https?|ftps?):\/\/(?:[^\s:@/]+(?::[^\s:@/]*)?@)?(?:[a-z0-9\u00a1-\uffff.-]+|\[[0-9a-f:.]+\])(?::\d{1,5})?(?:[/?#][^\s]*)?$/i;

/** The field's value when a client gives none: its default, else Django's empty value. */
export function defaultValue(field: UserFieldDeclaration): unknown {
  if (field.default !== undefined) return field.default;
  if (field.null) return null;
  return isTextType(field) ? "" : undefined;
}

export function isTextType(field: UserFieldDeclaration): boolean {
  return ["CharField", "TextField", "EmailField", "URLField", "SlugField"].includes(field.type);
}

/** Whether `raw` counts as empty in a form (Django's EMPTY_VALUES). */
function isEmpty(raw: unknown): boolean {
  return (
    raw === undefined ||
    raw === null ||
    (typeof raw === "string" && raw.trim() === "") ||
    (Array.isArray(raw) && raw.length === 0)
  );
}

type Cleaned = { ok: true; value: unknown } | { ok: false; errors: ErrorDetail[] };
const valid = (value: unknown): Cleaned => ({ ok: true, value });
const invalid = (...errors: ErrorDetail[]): Cleaned => ({ ok: false, errors });

/**
 * A submitted value cleaned as the model form does: the domain value, or the field's errors in
 * Django's order. An empty value is the field's empty value, or `required` unless blank.
 */
export function cleanFieldValue(field: UserFieldDeclaration, raw: unknown): Cleaned {
  if (field.type === "BooleanField") return cleanBoolean(field, raw);
  if (isEmpty(raw)) {
    if (!field.blank) return invalid(FIELD_MESSAGES.required());
    return valid(field.null ? null : isTextType(field) ? "" : (defaultValue(field) ?? null));
  }
  if (typeof raw === "string" && raw.includes("\u0000"))
    return invalid(FIELD_MESSAGES.nullCharacters());
  const cleaned = cleanByType(field, raw);
  // JSON's null is no value for a not-null field (Django's model validation: "null").
  if (cleaned.ok && cleaned.value === null && !field.null) return invalid(FIELD_MESSAGES.null());
  if (!cleaned.ok || field.choices === undefined) return cleaned;
  return field.choices.some((choice) => choice.value === cleaned.value)
    ? cleaned
    : invalid(FIELD_MESSAGES.invalidChoice(cleaned.value));
}

function cleanBoolean(field: UserFieldDeclaration, raw: unknown): Cleaned {
  if (raw === undefined || raw === null) return valid(field.null ? null : false);
  if (typeof raw === "boolean") return valid(raw);
  // Django's BooleanField reads "false" and "0" as False.
  if (typeof raw === "string") return valid(!["", "false", "0"].includes(raw.trim().toLowerCase()));
  return typeof raw === "number" ? valid(raw !== 0) : invalid(FIELD_MESSAGES.boolean());
}

function cleanByType(field: UserFieldDeclaration, raw: unknown): Cleaned {
  switch (field.type) {
    case "CharField":
    case "TextField":
      return cleanText(field, raw, () => true, FIELD_MESSAGES.required());
    case "EmailField":
      return cleanText(field, raw, isValidEmail, FIELD_MESSAGES.email());
    case "URLField":
      return cleanText(field, raw, (text) => URL_PATTERN.test(text), FIELD_MESSAGES.url());
    case "SlugField":
      return cleanText(field, raw, (text) => SLUG.test(text), FIELD_MESSAGES.slug());
    case "IntegerField":
      return cleanInteger(raw, INT32);
    case "PositiveIntegerField":
      return cleanInteger(raw, { min: 0, max: INT32.max });
    case "BigIntegerField":
      return cleanInteger(raw, SAFE);
    case "FloatField":
      return cleanFloat(raw);
    case "DecimalField":
      return cleanDecimal(field, raw);
    case "DateField":
      return cleanDate(raw);
    case "DateTimeField":
      return cleanDateTime(raw);
    case "UUIDField":
      return cleanUuid(raw);
    case "JSONField":
      return cleanJson(raw);
    case "BooleanField":
      return cleanBoolean(field, raw);
  }
}

function cleanText(
  field: UserFieldDeclaration,
  raw: unknown,
  isWellFormed: (text: string) => boolean,
  malformed: ErrorDetail,
): Cleaned {
  if (typeof raw !== "string" && typeof raw !== "number") return invalid(malformed);
  // Django's CharField strips surrounding white space.
  const text = String(raw).trim();
  const errors: ErrorDetail[] = [];
  if (!isWellFormed(text)) errors.push(malformed);
  const length = charCount(text);
  if (field.maxLength !== undefined && length > field.maxLength)
    errors.push(FIELD_MESSAGES.maxLength(field.maxLength, length));
  return errors.length > 0 ? invalid(...errors) : valid(text);
}

function cleanInteger(raw: unknown, range: { min: number; max: number }): Cleaned {
  const text = typeof raw === "string" ? raw.trim() : raw;
  const value =
    typeof text === "number"
      ? text
      : typeof text === "string" && /^[-+]?\d+$/.test(text)
        ? Number(text)
        : NaN;
  if (!Number.isSafeInteger(value)) return invalid(FIELD_MESSAGES.wholeNumber());
  if (value < range.min) return invalid(FIELD_MESSAGES.minValue(range.min));
  if (value > range.max) return invalid(FIELD_MESSAGES.maxValue(range.max));
  return valid(value);
}

function cleanFloat(raw: unknown): Cleaned {
  const value = typeof raw === "number" ? raw : typeof raw === "string" ? Number(raw.trim()) : NaN;
  return Number.isFinite(value) ? valid(value) : invalid(FIELD_MESSAGES.number());
}

/** Django's DecimalValidator on the digits as written, then the canonical string. */
function cleanDecimal(field: UserFieldDeclaration, raw: unknown): Cleaned {
  const text = typeof raw === "number" ? String(raw) : typeof raw === "string" ? raw.trim() : "";
  const match = /^([-+]?)(\d*)(?:\.(\d*))?$/.exec(text);
  if (match === null || (match[2] === "" && (match[3] ?? "") === ""))
    return invalid(FIELD_MESSAGES.number());
  const [, sign = "", whole = "", fraction = ""] = match;
  const wholeDigits = whole.replace(/^0+/, "");
  const decimals = fraction.replace(/0+$/, "");
  const maxDigits = field.maxDigits ?? Infinity;
  const maxPlaces = field.decimalPlaces ?? Infinity;
  if (wholeDigits.length + decimals.length > maxDigits)
    return invalid(FIELD_MESSAGES.maxDigits(maxDigits));
  if (decimals.length > maxPlaces) return invalid(FIELD_MESSAGES.maxDecimalPlaces(maxPlaces));
  if (wholeDigits.length > maxDigits - maxPlaces)
    return invalid(FIELD_MESSAGES.maxWholeDigits(maxDigits - maxPlaces));
  const places = Number.isFinite(maxPlaces) ? maxPlaces : decimals.length;
  const padded = decimals.padEnd(places, "0");
  const isZero = wholeDigits === "" && /^0*$/.test(padded);
  const canonical = `${sign === "-" && !isZero ? "-" : ""}${wholeDigits || "0"}${padded === "" ? "" : `.${padded}`}`;
  return valid(canonical);
}

function cleanDate(raw: unknown): Cleaned {
  const match = typeof raw === "string" ? ISO_DATE.exec(raw.trim()) : null;
  if (match === null) return invalid(FIELD_MESSAGES.date());
  const [, year, month, day] = match.map(Number) as [number, number, number, number];
  const date = new Date(Date.UTC(year, month - 1, day));
  const isReal =
    date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
  return isReal && year >= 1 ? valid(match[0]) : invalid(FIELD_MESSAGES.date());
}

function cleanDateTime(raw: unknown): Cleaned {
  if (typeof raw !== "string") return invalid(FIELD_MESSAGES.dateTime());
  const text = raw.trim();
  // ISO 8601 with a date and a time; without a zone it is UTC (USE_TZ with UTC).
  if (!/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})?$/i.test(text))
    return invalid(FIELD_MESSAGES.dateTime());
  const hasZone = /(Z|[+-]\d{2}:?\d{2})$/i.test(text);
  const date = new Date(`${text.replace(" ", "T")}${hasZone ? "" : "Z"}`);
  return Number.isNaN(date.getTime()) ? invalid(FIELD_MESSAGES.dateTime()) : valid(date);
}

function cleanUuid(raw: unknown): Cleaned {
  const match = typeof raw === "string" ? UUID.exec(raw.trim()) : null;
  return match === null
    ? invalid(FIELD_MESSAGES.uuid())
    : valid(match.slice(1).join("-").toLowerCase());
}

function cleanJson(raw: unknown): Cleaned {
  // graphene-django's JSONString arrives as text; a map argument may already be a value.
  if (typeof raw !== "string") return valid(raw);
  try {
    return valid(JSON.parse(raw) as unknown);
  } catch {
    return invalid(FIELD_MESSAGES.json());
  }
}
