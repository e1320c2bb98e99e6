// `gatehouse inspect-django`: the USER_FIELDS declaration of a Django user table's own columns,
// read from the column types Django created (django/db/backends/*/base.py data_types), their
// lengths, null, single-column indexes (unique, db_index) and CHECK constraints (Positive*).
// What the database does not record (blank, choices, help_text, verbose_name, a default
// computed in Python) is left to the operator, who is told so.
import { findDjangoTables } from "./django-model.js";
import { openDjangoSource, type SourceColumn } from "./django-source-store.js";

export interface Inspection {
  userModel: string;
  table: string;
  /** USER_FIELDS as JSON would hold it, in column order. */
  declaration: Record<string, Record<string, unknown>>;
  /** What the operator should check or add by hand, one line each. */
  notes: string[];
}

type Declared = Record<string, unknown>;

function textType(column: SourceColumn): Declared {
  const name = column.name;
  const type = /email/.test(name)
    ? "EmailField"
    : /(^|_)(url|website|homepage)($|_)/.test(name)
      ? "URLField"
      : /slug/.test(name)
        ? "SlugField"
        : "CharField";
  return { type, max_length: column.maxLength ?? 255 };
}

/** The field type and its type options, or a reason it has none. */
function typeOf(column: SourceColumn, kind: "sqlite" | "postgres"): Declared | string {
  const t = column.dataType;
  if (column.references !== undefined)
    return `a key to ${column.references}: Gatehouse has no ForeignKey (leave it out with --skip-column ${column.name})`;
  if (t.startsWith("varchar") || t === "character varying") return textType(column);
  if (t === "char(32)" && kind === "sqlite") return { type: "UUIDField" };
  if (t.startsWith("char") || t === "character") return textType(column);
  if (t === "text") return column.isJsonText ? { type: "JSONField" } : { type: "TextField" };
  if (t === "bool" || t === "boolean") return { type: "BooleanField" };
  if (/^(smallint|integer|int)( unsigned)?$/.test(t))
    return { type: column.isPositive ? "PositiveIntegerField" : "IntegerField" };
  if (/^bigint( unsigned)?$/.test(t)) return { type: "BigIntegerField" };
  if (t === "real" || t === "double precision") return { type: "FloatField" };
  if (t === "numeric" || t === "decimal")
    return {
      type: "DecimalField",
      max_digits: column.precision ?? 10,
      decimal_places: column.scale ?? 2,
    };
  if (t === "date") return { type: "DateField" };
  if (t === "datetime" || t.startsWith("timestamp")) return { type: "DateTimeField" };
  if (t === "uuid") return { type: "UUIDField" };
  if (t === "json" || t === "jsonb") return { type: "JSONField" };
  return `type ${t} has no USER_FIELDS type (leave it out with --skip-column ${column.name})`;
}

/** A database default written as a plain literal (`0`, `false`, `'abc'::character varying`). */
function literalDefault(text: string | undefined): { value: unknown } | undefined {
  if (text === undefined) return undefined;
  const bare = text.replace(/::[a-z ]+(\(\d+\))?$/i, "").trim();
  if (/^-?\d+(\.\d+)?$/.test(bare)) return { value: Number(bare) };
  if (/^(true|false)$/i.test(bare)) return { value: bare.toLowerCase() === "true" };
  const quoted = /^'((?:[^']|'')*)'$/.exec(bare);
  return quoted === null ? undefined : { value: (quoted[1] ?? "").replaceAll("''", "'") };
}

// Gatehouse makes users without some fields (createsuperuser, the admin's add form): a not-null
// field needs a default, which Django keeps in Python where the database cannot show it.
const FALLBACK_DEFAULTS: Record<string, unknown> = {
  BooleanField: false,
  IntegerField: 0,
  PositiveIntegerField: 0,
  BigIntegerField: 0,
  FloatField: 0,
  DecimalField: "0",
  JSONField: {},
};

function declare(column: SourceColumn, typed: Declared, notes: string[]): Declared {
  const field: Declared = { ...typed };
  if (column.isNullable) field.null = true;
  if (column.isUnique) field.unique = true;
  else if (column.isIndexed) field.db_index = true;
  const known = literalDefault(column.defaultText);
  const type = String(typed.type);
  const isText = /Char|Text|Email|URL|Slug/.test(type);
  if (known !== undefined && !field.unique) field.default = known.value;
  else if (!column.isNullable && !isText && field.unique === true) {
    field.null = true;
    notes.push(
      `${column.name}: declared "null": true: a unique ${type} takes no default here, and users made without a value need somewhere to be`,
    );
  } else if (!column.isNullable && !isText) {
    if (type in FALLBACK_DEFAULTS) {
      field.default = FALLBACK_DEFAULTS[type];
      notes.push(
        `${column.name}: default ${JSON.stringify(field.default)} is a guess (Django keeps defaults in the model): check it`,
      );
    } else {
      field.null = true;
      notes.push(
        `${column.name}: declared "null": true, since a ${type} without null needs a default the database does not show; give it one in place of null if your model has it`,
      );
    }
  }
  if (typed.type === "DecimalField" && column.precision === undefined)
    notes.push(
      `${column.name}: SQLite does not keep max_digits and decimal_places; 10 and 2 are guesses: copy them from your model`,
    );
  return field;
}

export async function inspectDjango(options: {
  from: string;
  userModel?: string | undefined;
}): Promise<Inspection> {
  const source = await openDjangoSource(options.from);
  try {
    const { userModel } = await findDjangoTables(source, options.userModel);
    const declaration: Inspection["declaration"] = {};
    const notes: string[] = [];
    for (const column of userModel.extraColumns) {
      const typed = typeOf(column, source.kind);
      if (typeof typed === "string") notes.push(`${column.name}: not declared: ${typed}`);
      else declaration[column.name] = declare(column, typed, notes);
    }
    notes.push(
      "blank, choices, help_text and verbose_name are not in the database: add them from your model",
    );
    return { userModel: userModel.label, table: userModel.table, declaration, notes };
  } finally {
    await source.close();
  }
}
