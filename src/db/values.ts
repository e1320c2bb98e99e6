// Values that differ between the two drivers, read the same way by every store: timestamps
// (Date from pg, ISO text from SQLite), booleans (1/0 in SQLite), LIKE patterns, and the error a
// unique key raises when a concurrent write won the race.

export function toDate(value: Date | string): Date {
  return value instanceof Date ? value : new Date(value);
}

export function toBool(value: boolean | number): boolean {
  return value === true || value === 1;
}

/** A LIKE pattern matching `value` literally (with `escape '\\'`). */
export function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (char) => `\\${char}`);
}

interface DriverError {
  code?: unknown;
  detail?: unknown;
  message?: unknown;
}

/**
 * The driver's text naming the key when `error` is a unique-key violation (PostgreSQL 23505:
 * `Key (email_key)=… already exists`; SQLite: `UNIQUE constraint failed: users.email_key`),
 * otherwise undefined.
 */
export function uniqueViolationDetail(error: unknown): string | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const { code, detail, message } = error as DriverError;
  if (code !== "23505" && code !== "SQLITE_CONSTRAINT_UNIQUE") return undefined;
  if (typeof detail === "string") return detail;
  return typeof message === "string" ? message : "";
}
