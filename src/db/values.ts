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

// Node's socket errors, and PostgreSQL's connection exceptions (class 08) and shutdowns (57P0x).
const UNREACHABLE_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
]);
const UNAVAILABLE_MESSAGES = [
  "Connection terminated",
  "timeout exceeded when trying to connect",
  "Client has encountered a connection error",
  "Connection terminated unexpectedly",
];

/**
 * Whether `error` says the database cannot be reached right now (down, restarting, a pooler
 * restarting, no connection within the connect timeout), as opposed to a fault of the query.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code === "string") {
    if (UNREACHABLE_CODES.has(code) || code.startsWith("08") || /^57P0[123]$/.test(code))
      return true;
  }
  return typeof message === "string" && UNAVAILABLE_MESSAGES.some((text) => message.includes(text));
}
