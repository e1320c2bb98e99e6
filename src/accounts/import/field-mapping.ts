// The Django user table's own columns onto the USER_FIELDS declaration, by column name: a column
// no field declares stops the import naming it (unless `--skip-column`), and each value is
// converted with the codecs of accounts/fields/, so it is stored as a value the API would store.
// The database is the truth here, not a form: blank and choices are not enforced (Django's
// model does not enforce them either), types, lengths, digits and null are.
import type { UserFieldDeclaration } from "../../config/user-fields.js";
import { toColumnValue } from "../fields/columns-store.js";
import { cleanFieldValue, defaultValue, isTextType } from "../fields/values.js";
import { charCount } from "../validation.js";
import type { SourceColumn } from "./django-source-store.js";

export interface MappedField {
  column: SourceColumn;
  field: UserFieldDeclaration;
}

export interface FieldPlan {
  mapped: MappedField[];
  /** Columns left out with --skip-column. */
  skipped: string[];
  /** Declared fields the Django table lacks: every imported user gets their default. */
  defaulted: UserFieldDeclaration[];
}

export function planFieldMapping(
  extraColumns: readonly SourceColumn[],
  declared: readonly UserFieldDeclaration[],
  skipColumns: readonly string[],
): FieldPlan {
  const byName = new Map(declared.map((field) => [field.name, field]));
  const skip = new Set(skipColumns);
  const plan: FieldPlan = { mapped: [], skipped: [], defaulted: [] };
  const problems: string[] = [];
  for (const column of extraColumns) {
    const field = byName.get(column.name);
    if (skip.has(column.name)) plan.skipped.push(column.name);
    else if (field === undefined)
      problems.push(
        `column ${column.name} (${column.dataType}${column.references === undefined ? "" : `, a key to ${column.references}`}) has no field in USER_FIELDS`,
      );
    else plan.mapped.push({ column, field });
  }
  const present = new Set(extraColumns.map((column) => column.name));
  for (const name of skip) {
    if (!present.has(name))
      problems.push(`--skip-column ${name}: the Django user table has no such column`);
  }
  for (const field of declared) {
    if (present.has(field.name) && !skip.has(field.name)) continue;
    if (defaultValue(field) === undefined)
      problems.push(
        `USER_FIELDS declares ${field.name}, which the Django table lacks, without a default to give imported users`,
      );
    else plan.defaulted.push(field);
  }
  if (problems.length > 0)
    throw new Error(
      [
        "The Django user table does not match USER_FIELDS:",
        ...problems.map((problem) => `  - ${problem}`),
        "Declare the missing fields (`gatehouse inspect-django` prints the declaration) or leave " +
          "columns out with --skip-column <name>.",
      ].join("\n"),
    );
  return plan;
}

export type ConvertedValue = { ok: true; value: unknown } | { ok: false; message: string };

/** A Django column value as the declared field's column holds it. */
export function importFieldValue(field: UserFieldDeclaration, raw: unknown): ConvertedValue {
  if (raw === null || raw === undefined) {
    return field.null
      ? { ok: true, value: null }
      : { ok: false, message: "is null, but USER_FIELDS declares it not null" };
  }
  if (field.type === "JSONField") return { ok: true, value: toColumnValue(field, raw) };
  if (isTextType(field)) {
    const text = typeof raw === "string" ? raw : JSON.stringify(raw);
    const length = charCount(text);
    if (field.maxLength !== undefined && length > field.maxLength)
      return { ok: false, message: `has ${length} characters, over max_length ${field.maxLength}` };
    return { ok: true, value: text };
  }
  const { choices: _choices, ...withoutChoices } = field;
  const value = raw instanceof Date ? raw.toISOString() : raw;
  const cleaned = cleanFieldValue({ ...withoutChoices, blank: true }, value);
  if (!cleaned.ok)
    return {
      ok: false,
      message: `${JSON.stringify(value)}: ${cleaned.errors.map((e) => e.message).join(" ")}`,
    };
  return { ok: true, value: toColumnValue(field, cleaned.value) };
}
