// The project's declared user fields (USER_FIELDS) in the domain: their values on a User, a new
// user's column values with the declared defaults, and submitted values cleaned as Django's model
// form cleans them, uniqueness included, each error under the argument it came from.
import type { Config } from "../../config/config.js";
import type { UserFieldDeclaration } from "../../config/user-fields.js";
import type { Deps } from "../../deps.js";
import { AccountsError, type FieldErrors } from "../errors.js";
import type { User } from "../types.js";
import {
  takenDeclaredField,
  fromColumnValue,
  isFieldValueTaken,
  toColumnValue,
} from "./columns-store.js";
import { applyUserColumns, planUserColumns, syncUserColumns } from "./column-plan-store.js";
import { cleanFieldValue, defaultValue, FIELD_MESSAGES } from "./values.js";

export type { UserFieldDeclaration } from "../../config/user-fields.js";

export function declaredFields(config: Config): readonly UserFieldDeclaration[] {
  return config.accounts.userFields;
}

export function declaredField(config: Config, name: string): UserFieldDeclaration | undefined {
  return config.accounts.userFields.find((field) => field.name === name);
}

/** The field's value on `user`, in its domain form (see values.ts). */
export function fieldValue(field: UserFieldDeclaration, user: Pick<User, "fieldColumns">): unknown {
  return fromColumnValue(field, user.fieldColumns[field.name]);
}

/** Every declared field's value on `user`, by field name (for templates and the admin). */
export function fieldValues(config: Config, user: Pick<User, "fieldColumns">) {
  return Object.fromEntries(
    declaredFields(config).map((field) => [field.name, fieldValue(field, user)]),
  );
}

/**
 * The column values of a new user: the given domain values, the declared defaults for the rest.
 * A field with neither (not null, no default, no empty value) must have been given: register
 * requires it (config/model-fields.ts), so only a caller's bug reaches the throw.
 */
export function newUserFieldColumns(
  config: Config,
  given: Record<string, unknown> = {},
): Record<string, unknown> {
  const columns: Record<string, unknown> = {};
  for (const field of declaredFields(config)) {
    const value = field.name in given ? given[field.name] : defaultValue(field);
    if (value === undefined) throw new Error(`USER_FIELDS: ${field.name} needs a value`);
    columns[field.name] = toColumnValue(field, value);
  }
  return columns;
}

/** Domain values → column values, for an update of some declared fields. */
export function fieldColumnsOf(config: Config, values: Record<string, unknown>) {
  const columns: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(values)) {
    const field = declaredField(config, name);
    if (field !== undefined) columns[name] = toColumnValue(field, value);
  }
  return columns;
}

export interface SubmittedField {
  field: UserFieldDeclaration;
  raw: unknown;
  /** The argument the value came in, under which its errors are reported. */
  argument: string;
}

/**
 * Cleans each submitted value; adds the errors of those that fail (Django's messages and codes,
 * uniqueness among other users last) and returns the clean values by field name.
 */
export async function cleanSubmittedFields(
  deps: Pick<Deps, "db">,
  errors: FieldErrors,
  submitted: readonly SubmittedField[],
  options: { exceptUserId?: number } = {},
): Promise<Record<string, unknown>> {
  const values: Record<string, unknown> = {};
  for (const { field, raw, argument } of submitted) {
    const cleaned = cleanFieldValue(field, raw);
    if (!cleaned.ok) {
      for (const detail of cleaned.errors) errors.add(argument, detail);
      continue;
    }
    const isTaken =
      field.unique &&
      cleaned.value !== null &&
      (await isFieldValueTaken(deps.db, field, cleaned.value, options.exceptUserId));
    if (isTaken) errors.add(argument, FIELD_MESSAGES.unique(field.verboseName));
    else values[field.name] = cleaned.value;
  }
  return values;
}

/**
 * Brings the users table to the declaration (after the migrations): new fields are added, data
 * kept. Throws, listing them, when the change would drop or convert data (`gatehouse fields`).
 */
export async function syncUserFieldColumns(deps: Pick<Deps, "config" | "db" | "clock">) {
  return syncUserColumns(deps.db, declaredFields(deps.config), deps.clock.now());
}

/** Without migrating: throws when the database does not hold the declaration the server has. */
export async function checkUserFieldColumns(deps: Pick<Deps, "config" | "db">): Promise<void> {
  const plan = await planUserColumns(deps.db, declaredFields(deps.config));
  const pending = [
    ...plan.added.map((field) => `adds column ${field.name}`),
    ...plan.destructive.map((change) => change.description),
  ];
  if (pending.length === 0) return;
  throw new Error(
    [
      "USER_FIELDS differs from the declaration the database holds:",
      ...pending.map((line) => `  - ${line}`),
      "Run `gatehouse migrate` (new fields) or `gatehouse fields --apply` (changes and removals).",
    ].join("\n"),
  );
}

/** What bringing the users table to the declaration would do (`gatehouse fields`). */
export function planUserFieldColumns(deps: Pick<Deps, "config" | "db">) {
  return planUserColumns(deps.db, declaredFields(deps.config));
}

/** `gatehouse fields --apply`: every change, those that drop or convert data included. */
export function applyUserFieldColumns(deps: Pick<Deps, "config" | "db" | "clock">) {
  return applyUserColumns(deps.db, declaredFields(deps.config), deps.clock.now());
}

/**
 * The form error for a declared unique value that a concurrent write took between the check and
 * the save (the unique index refused it), under the argument it came in; undefined for any
 * other error.
 */
export function declaredFieldClash(
  config: Config,
  error: unknown,
  argumentOf: (field: UserFieldDeclaration) => string = (field) => field.name,
): AccountsError | undefined {
  const field = takenDeclaredField(error, declaredFields(config));
  if (field === undefined) return undefined;
  return new AccountsError({ [argumentOf(field)]: [FIELD_MESSAGES.unique(field.verboseName)] });
}
