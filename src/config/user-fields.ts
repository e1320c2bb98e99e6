// USER_FIELDS: the project's own columns on the user model, declared as Django declares model
// fields, so `phone_number = models.CharField(max_length=20, blank=True, default="")` becomes
// `"phone_number": {"type": "CharField", "max_length": 20, "blank": true, "default": ""}`.
// Each declaration is checked here as Django's system checks and field constructors check it
// (https://docs.djangoproject.com/en/3.2/ref/checks/#fields), so a model Django would refuse
// stops the server at start with the field and the problem named.

export const USER_FIELD_TYPES = [
  "CharField",
  "TextField",
  "EmailField",
  "URLField",
  "SlugField",
  "BooleanField",
  "IntegerField",
  "PositiveIntegerField",
  "BigIntegerField",
  "FloatField",
  "DecimalField",
  "DateField",
  "DateTimeField",
  "UUIDField",
  "JSONField",
] as const;
export type UserFieldType = (typeof USER_FIELD_TYPES)[number];

/** A value as JSON carries it: what a declaration's default and a JSONField can hold. */
export type UserFieldValue = unknown;

export interface UserFieldChoice {
  value: string | number;
  label: string;
}

export interface UserFieldDeclaration {
  /** The column and model field name (snake_case); GraphQL shows it in camelCase. */
  name: string;
  type: UserFieldType;
  null: boolean;
  blank: boolean;
  /** Absent when the declaration gives none (Django's NOT_PROVIDED). */
  default?: UserFieldValue;
  unique: boolean;
  dbIndex: boolean;
  maxLength?: number;
  maxDigits?: number;
  decimalPlaces?: number;
  choices?: UserFieldChoice[];
  helpText: string;
  verboseName: string;
}

/**
 * Columns the user model already has (AbstractUser, the status row, and ours): a declared field
 * may not take their names. `pk` is Django's alias for the primary key.
 */
export const BUILT_IN_USER_FIELDS = [
  "id",
  "pk",
  "password",
  "last_login",
  "is_superuser",
  "username",
  "first_name",
  "last_name",
  "email",
  "is_staff",
  "is_active",
  "date_joined",
  "groups",
  "user_permissions",
  "status",
  "verified",
  "archived",
  "secondary_email",
  "username_key",
  "email_key",
  "username_skeleton",
  "tokens_valid_after",
  "token_version",
] as const;

// Django's defaults for the types that have one (EmailField 254, URLField 200, SlugField 50).
const DEFAULT_MAX_LENGTH: Partial<Record<UserFieldType, number>> = {
  EmailField: 254,
  URLField: 200,
  SlugField: 50,
};
const NEEDS_MAX_LENGTH = new Set<UserFieldType>(["CharField"]);
const TAKES_MAX_LENGTH = new Set<UserFieldType>([
  "CharField",
  "EmailField",
  "URLField",
  "SlugField",
]);
const INTEGER_TYPES = new Set<UserFieldType>([
  "IntegerField",
  "PositiveIntegerField",
  "BigIntegerField",
]);
const OPTIONS = new Set([
  "type",
  "null",
  "blank",
  "default",
  "unique",
  "db_index",
  "max_length",
  "choices",
  "help_text",
  "verbose_name",
  "max_digits",
  "decimal_places",
]);
// PostgreSQL's integer and bigint ranges; JavaScript numbers hold bigint exactly only to 2^53.
const INT32 = { min: -2_147_483_648, max: 2_147_483_647 };
const SAFE_BIGINT = { min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER };

/** Django's field name rules (fields.E001–E003) and a column name both databases take. */
function nameProblems(name: string): string[] {
  if (!/^[a-z][a-z0-9_]*$/.test(name))
    return ["names must be snake_case: a lower-case letter, then letters, digits or _"];
  if (name.endsWith("_"))
    return ["field names must not end with an underscore (Django fields.E001)"];
  if (name.includes("__")) return ["field names must not contain '__' (Django fields.E002)"];
  if (name.length > 63) return ["names are at most 63 characters (PostgreSQL's identifier limit)"];
  if ((BUILT_IN_USER_FIELDS as readonly string[]).includes(name))
    return ["clashes with a field the user model already has"];
  return [];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Whether `value` is a value of the field's type (before null is considered). */
export function valueFitsType(declaration: UserFieldDeclaration, value: unknown): boolean {
  switch (declaration.type) {
    case "CharField":
    case "TextField":
    case "EmailField":
    case "URLField":
    case "SlugField":
    case "DecimalField":
    case "DateField":
    case "DateTimeField":
    case "UUIDField":
      return typeof value === "string";
    case "BooleanField":
      return typeof value === "boolean";
    case "IntegerField":
    case "BigIntegerField":
      return Number.isSafeInteger(value);
    case "PositiveIntegerField":
      return Number.isSafeInteger(value) && (value as number) >= 0;
    case "FloatField":
      return typeof value === "number" && Number.isFinite(value);
    case "JSONField":
      return value !== undefined;
  }
}

function readChoices(raw: unknown, problems: string[]): UserFieldChoice[] | undefined {
  if (raw === undefined) return undefined;
  // Django accepts [[value, label], …]; a map value → label reads the same way.
  const pairs = isRecord(raw) ? Object.entries(raw) : raw;
  if (!Array.isArray(pairs) || pairs.length === 0) {
    problems.push(
      "'choices' must be a non-empty list of [value, label] pairs (Django fields.E004)",
    );
    return undefined;
  }
  const choices: UserFieldChoice[] = [];
  for (const pair of pairs) {
    const [value, label] = Array.isArray(pair) ? (pair as unknown[]) : [];
    if (
      !Array.isArray(pair) ||
      pair.length !== 2 ||
      !(typeof value === "string" || typeof value === "number") ||
      typeof label !== "string"
    ) {
      problems.push("'choices' must contain [value, label] pairs (Django fields.E005)");
      return undefined;
    }
    choices.push({ value, label });
  }
  return choices;
}

function positiveInteger(raw: unknown, option: string, problems: string[]): number | undefined {
  if (raw === undefined) return undefined;
  if (!Number.isSafeInteger(raw) || (raw as number) <= 0) {
    problems.push(`'${option}' must be a positive integer`);
    return undefined;
  }
  return raw as number;
}

function readFlag(raw: Record<string, unknown>, option: string, problems: string[]): boolean {
  const value = raw[option];
  if (value === undefined) return false;
  if (typeof value !== "boolean") problems.push(`'${option}' must be true or false`);
  return value === true;
}

function readText(raw: Record<string, unknown>, option: string, problems: string[]) {
  const value = raw[option];
  if (value === undefined) return undefined;
  if (typeof value !== "string") problems.push(`'${option}' must be a string`);
  return typeof value === "string" ? value : undefined;
}

function typeProblems(declaration: UserFieldDeclaration): string[] {
  const problems: string[] = [];
  const { type } = declaration;
  if (NEEDS_MAX_LENGTH.has(type) && declaration.maxLength === undefined)
    problems.push("CharFields must define a 'max_length' attribute (Django fields.E120)");
  if (type === "DecimalField") {
    if (declaration.maxDigits === undefined)
      problems.push("DecimalFields must define a 'max_digits' attribute (Django fields.E132)");
    if (declaration.decimalPlaces === undefined && declaration.maxDigits !== undefined)
      problems.push("DecimalFields must define a 'decimal_places' attribute (Django fields.E130)");
    if (
      declaration.maxDigits !== undefined &&
      declaration.decimalPlaces !== undefined &&
      declaration.decimalPlaces > declaration.maxDigits
    )
      problems.push(
        "'max_digits' must be greater or equal to 'decimal_places' (Django fields.E134)",
      );
  }
  return problems;
}

function defaultProblems(declaration: UserFieldDeclaration): string[] {
  const value = declaration.default;
  if (value === undefined) return [];
  if (value === null) return declaration.null ? [] : ["a null 'default' needs \"null\": true"];
  if (!valueFitsType(declaration, value))
    return [`'default' ${JSON.stringify(value)} is not a value of a ${declaration.type}`];
  if (
    declaration.choices !== undefined &&
    !(declaration.blank && value === "") &&
    !declaration.choices.some((choice) => choice.value === value)
  )
    return [`'default' ${JSON.stringify(value)} is not one of the 'choices'`];
  return [];
}

function choiceProblems(declaration: UserFieldDeclaration): string[] {
  const problems: string[] = [];
  for (const choice of declaration.choices ?? []) {
    if (!valueFitsType(declaration, choice.value))
      problems.push(
        `choice ${JSON.stringify(choice.value)} is not a value of a ${declaration.type}`,
      );
    if (
      declaration.maxLength !== undefined &&
      typeof choice.value === "string" &&
      Array.from(choice.value).length > declaration.maxLength
    )
      problems.push(
        `'max_length' is too small to fit the longest value in 'choices' (Django fields.E009)`,
      );
  }
  return problems;
}

function rangeProblems(declaration: UserFieldDeclaration): string[] {
  const range = declaration.type === "BigIntegerField" ? SAFE_BIGINT : INT32;
  if (!INTEGER_TYPES.has(declaration.type)) return [];
  const values = [declaration.default, ...(declaration.choices ?? []).map((c) => c.value)];
  return values.some(
    (value) => typeof value === "number" && (value < range.min || value > range.max),
  )
    ? [`a value is outside the range of a ${declaration.type}`]
    : [];
}

/** One declaration, or the problems that stop the server (each naming the option at fault). */
function readDeclaration(name: string, raw: unknown): UserFieldDeclaration | string[] {
  const problems = nameProblems(name);
  if (!isRecord(raw)) return [...problems, 'must be an object such as {"type": "CharField", …}'];
  for (const option of Object.keys(raw)) {
    if (!OPTIONS.has(option)) problems.push(`unknown option '${option}'`);
  }
  const type = USER_FIELD_TYPES.find((known) => known === raw.type);
  if (type === undefined) {
    problems.push(
      `unknown type ${JSON.stringify(raw.type)} (one of ${USER_FIELD_TYPES.join(", ")})`,
    );
    return problems;
  }
  if (raw.max_length !== undefined && !TAKES_MAX_LENGTH.has(type))
    problems.push(`'max_length' does not apply to a ${type}`);
  if ((raw.max_digits !== undefined || raw.decimal_places !== undefined) && type !== "DecimalField")
    problems.push(`'max_digits' and 'decimal_places' apply to DecimalField only`);
  const decimalPlaces =
    raw.decimal_places === 0 ? 0 : positiveInteger(raw.decimal_places, "decimal_places", problems);
  const maxLength =
    positiveInteger(raw.max_length, "max_length", problems) ?? DEFAULT_MAX_LENGTH[type];
  const maxDigits = positiveInteger(raw.max_digits, "max_digits", problems);
  const choices = readChoices(raw.choices, problems);
  const declaration: UserFieldDeclaration = {
    name,
    type,
    null: readFlag(raw, "null", problems),
    blank: readFlag(raw, "blank", problems),
    unique: readFlag(raw, "unique", problems),
    dbIndex: readFlag(raw, "db_index", problems),
    helpText: readText(raw, "help_text", problems) ?? "",
    verboseName: readText(raw, "verbose_name", problems) ?? name.replaceAll("_", " "),
    ...(raw.default === undefined ? {} : { default: raw.default }),
    ...(maxLength === undefined ? {} : { maxLength }),
    ...(maxDigits === undefined ? {} : { maxDigits }),
    ...(decimalPlaces === undefined ? {} : { decimalPlaces }),
    ...(choices === undefined ? {} : { choices }),
  };
  problems.push(
    ...typeProblems(declaration),
    ...choiceProblems(declaration),
    ...defaultProblems(declaration),
    ...rangeProblems(declaration),
  );
  if (declaration.unique && type === "JSONField") problems.push("a JSONField cannot be unique");
  if (declaration.unique && declaration.default !== undefined && declaration.default !== null)
    problems.push(
      "a unique field cannot have a default: every user made without a value would share it " +
        '(declare "null": true and leave the default out)',
    );
  if (
    declaration.choices !== undefined &&
    !declaration.null &&
    !declaration.blank &&
    declaration.default === undefined
  )
    problems.push(
      "a field with choices that is neither blank nor null needs a default among them: users " +
        "made without a value (createsuperuser, the admin's add form) would hold no choice",
    );
  const hasEmptyValue = TAKES_MAX_LENGTH.has(type) || type === "TextField";
  if (declaration.default === undefined && !declaration.null && !hasEmptyValue)
    problems.push(
      'needs "default" or "null": true: users made without it (createsuperuser, the admin\'s ' +
        "add form) would have no value to store",
    );
  return problems.length > 0 ? problems : declaration;
}

/** Reads USER_FIELDS' JSON object: the declarations, or every problem, each naming its field. */
export function readUserFields(text: string): {
  fields: UserFieldDeclaration[];
  problems: string[];
} {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { fields: [], problems: ["must be a JSON object of field name → declaration"] };
  }
  if (!isRecord(parsed)) {
    return { fields: [], problems: ["must be a JSON object of field name → declaration"] };
  }
  const fields: UserFieldDeclaration[] = [];
  const problems: string[] = [];
  for (const [name, raw] of Object.entries(parsed)) {
    const result = readDeclaration(name, raw);
    if (Array.isArray(result)) problems.push(...result.map((problem) => `${name}: ${problem}`));
    else fields.push(result);
  }
  return { fields, problems };
}
