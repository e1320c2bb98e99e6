// SQL for the declared user fields' (USER_FIELDS) values in their columns of `users`: a value as
// each database holds it and back, and whether a unique one is taken. Adding and changing the
// columns themselves is column-plan-store.ts (what and when) and column-schema-store.ts (how).
import type { Kysely } from "kysely";
import type { UserFieldDeclaration } from "../../config/user-fields.js";
import { uniqueViolationDetail } from "../../db/values.js";

// Typed against Kysely<any> like the migrations: these columns are not in db/tables.ts.
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the users table gains columns at run time
export type AnyDb = Kysely<any>;

/** A value as a column holds it (the driver and the SQLite plugin take booleans and Dates). */
export function toColumnValue(field: UserFieldDeclaration, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (field.type === "JSONField") return JSON.stringify(value);
  if (field.type === "DateTimeField" && typeof value === "string") return new Date(value);
  return value;
}

/** A column's value as the domain holds it, whichever database stored it. */
export function fromColumnValue(field: UserFieldDeclaration, raw: unknown): unknown {
  if (raw === null || raw === undefined) return null;
  const text = columnText(raw);
  switch (field.type) {
    case "BooleanField":
      return raw === true || raw === 1;
    case "IntegerField":
    case "PositiveIntegerField":
    case "BigIntegerField":
    case "FloatField":
      return Number(raw);
    case "DecimalField":
    case "UUIDField":
      return text;
    case "DateField":
      return raw instanceof Date ? raw.toISOString().slice(0, 10) : text;
    case "DateTimeField":
      return raw instanceof Date ? raw : new Date(text);
    case "JSONField":
      return typeof raw === "string" ? (JSON.parse(raw) as unknown) : raw;
    case "CharField":
    case "TextField":
    case "EmailField":
    case "URLField":
    case "SlugField":
      return text;
  }
}

/** Drivers hand back strings, numbers, booleans, Dates, or (jsonb) parsed JSON. */
function columnText(raw: unknown): string {
  if (typeof raw === "string") return raw;
  if (typeof raw === "number" || typeof raw === "boolean") return raw.toString();
  if (raw instanceof Date) return raw.toISOString();
  return JSON.stringify(raw);
}

/** Whether another user than `exceptUserId` holds `value` in the field's column (unique fields). */
export async function isFieldValueTaken(
  db: AnyDb,
  field: UserFieldDeclaration,
  value: unknown,
  exceptUserId?: number,
): Promise<boolean> {
  let query = db
    .selectFrom("users")
    .select("id")
    .where(field.name, "=", toColumnValue(field, value));
  if (exceptUserId !== undefined) query = query.where("id", "!=", exceptUserId);
  return (await query.executeTakeFirst()) !== undefined;
}

/**
 * The declared unique field a failed write collided on, when a concurrent write took the value
 * between the form's check and the save; undefined for any other error.
 */
export function takenDeclaredField(
  error: unknown,
  fields: readonly UserFieldDeclaration[],
): UserFieldDeclaration | undefined {
  const detail = uniqueViolationDetail(error);
  if (detail === undefined) return undefined;
  // PostgreSQL: `Key (phone)=(…) already exists.`; SQLite: `UNIQUE constraint failed: users.phone`.
  return fields.find(
    (field) =>
      field.unique &&
      (detail.includes(`(${field.name})=`) || new RegExp(`users\\.${field.name}\\b`).test(detail)),
  );
}
