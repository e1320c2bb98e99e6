// The declared user fields (USER_FIELDS) on the admin's user form: the text each widget holds and
// submits, read back into what the API's cleaning takes, so the form and the API share one set of
// rules (fields/user-fields.ts).
import type { Config } from "../../config/config.js";
import type { Deps } from "../../deps.js";
import type { FieldErrors } from "../errors.js";
import type { User } from "../types.js";
import {
  cleanSubmittedFields,
  declaredFields,
  fieldValue,
  type UserFieldDeclaration,
} from "../fields/user-fields.js";

/** Django's NullBooleanSelect: "true" / "false", anything else "unknown" (null). */
const NULL_BOOLEAN_CHOICES: Readonly<Record<string, boolean>> = { true: true, false: false };

/** A UTC datetime as the `datetime-local` widget shows it: to the second, milliseconds if any. */
function dateTimeLocal(date: Date): string {
  const text = date.toISOString().slice(0, 23);
  return text.endsWith(".000") ? text.slice(0, 19) : text;
}

/**
 * A declared field's value as its form widget holds and submits it: the checkbox "on" or "",
 * the null-Boolean select "unknown" / "true" / "false", dates `YYYY-MM-DD`, datetimes in UTC
 * (`YYYY-MM-DDTHH:MM:SS`), JSON as its text; empty for null.
 */
export function declaredFieldFormValue(field: UserFieldDeclaration, value: unknown): string {
  if (field.type === "BooleanField") {
    if (field.null) return value === null ? "unknown" : String(value === true);
    return value === true ? "on" : "";
  }
  if (value === null || value === undefined) return "";
  if (value instanceof Date) return dateTimeLocal(value);
  if (field.type === "JSONField") return JSON.stringify(value);
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** The declared fields of the form, as the stored user fills them. */
export function declaredFormValues(
  config: Config,
  user: Pick<User, "fieldColumns">,
): Record<string, string> {
  return Object.fromEntries(
    declaredFields(config).map((field) => [
      field.name,
      declaredFieldFormValue(field, fieldValue(field, user)),
    ]),
  );
}

/** What a widget submitted, as cleanFieldValue reads it. */
function submittedValue(field: UserFieldDeclaration, raw: string): unknown {
  if (field.type !== "BooleanField") return raw;
  // Django's CheckboxInput: ticked unless "", "false" or "0"; NullBooleanSelect: see above.
  return field.null ? (NULL_BOOLEAN_CHOICES[raw] ?? null) : raw;
}

/** Whether a clean value differs from the stored one (Dates by time, JSON by its text). */
export function isSameValue(a: unknown, b: unknown): boolean {
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  if (typeof a === "object" || typeof b === "object")
    return JSON.stringify(a) === JSON.stringify(b);
  return a === b;
}

/**
 * The declared fields cleaned as the API cleans them (Django's messages, each under its field;
 * uniqueness among the other users).
 */
export async function cleanDeclaredFields(
  deps: Pick<Deps, "db" | "config">,
  errors: FieldErrors,
  userId: number,
  submitted: Readonly<Record<string, string>> | undefined,
): Promise<Record<string, unknown>> {
  if (submitted === undefined) return {};
  return cleanSubmittedFields(
    deps,
    errors,
    declaredFields(deps.config).map((field) => ({
      field,
      raw: submittedValue(field, submitted[field.name] ?? ""),
      argument: field.name,
    })),
    { exceptUserId: userId },
  );
}
