// The columns a Django user becomes here: AbstractUser's as Django wrote them (the password hash
// exactly, unless Gatehouse cannot check it), our keys (case-folded username and address, the
// look-alike skeleton), the declared fields converted, the status row; with the duplicate rule
// of duplicates.ts applied. A later run passes the columns that changed in Django only.
import { makeUnusablePassword } from "../passwords/hasher.js";
import { toColumnValue } from "../fields/columns-store.js";
import { defaultValue } from "../fields/values.js";
import { foldCase, usernameSkeleton } from "../validation.js";
import { importFieldValue } from "./field-mapping.js";
import { classifyPasswordHash } from "./hashes.js";
import type { ImportContext } from "./import-context.js";
import type { StatusColumns, UserColumns } from "./imported-users-store.js";
import type { DuplicateGroup } from "./report.js";
import type { SourceUser } from "./source-users.js";

export type PendingDuplicate = Omit<DuplicateGroup, "others"> & {
  other: DuplicateGroup["others"][number];
};

export type UserValues =
  | {
      ok: true;
      columns: UserColumns;
      status: Partial<StatusColumns>;
      /** A new password ends the user's sessions (as a password change here does). */
      endSessions: boolean;
      duplicates: PendingDuplicate[];
    }
  | { ok: false; reason: string };

const USERNAME_MAX_LENGTH = 150;

/** The name a user gets when another keeps theirs: `<name>+dup<django id>`, within 150 characters. */
export function renamedUsername(username: string, djangoId: number): string {
  const suffix = `+dup${String(djangoId)}`;
  return (
    Array.from(username)
      .slice(0, USERNAME_MAX_LENGTH - suffix.length)
      .join("") + suffix
  );
}

export function usernameColumns(username: string): UserColumns {
  return {
    username,
    username_key: foldCase(username),
    username_skeleton: usernameSkeleton(username),
  };
}

export function emailColumns(email: string): UserColumns {
  return { email, email_key: email === "" ? null : foldCase(email) };
}

function text(value: unknown): string {
  return typeof value === "string" ? value : "";
}

function passwordOf(context: ImportContext, encoded: string): string | { reason: string } {
  const kind = classifyPasswordHash(encoded);
  if (kind.kind !== "unknown") return encoded;
  if (!context.unusableUnknownHashes)
    return {
      reason:
        `its password was hashed by Django's ${kind.algorithm} hasher, which Gatehouse does not ` +
        "verify (--unusable-unknown-hashes imports such users with an unusable password)",
    };
  context.recorder.unusableHash(kind.algorithm);
  return makeUnusablePassword();
}

/** `changed` undefined: a new user, every column. */
export function userValues(
  context: ImportContext,
  user: SourceUser,
  changed?: ReadonlySet<string>,
): UserValues {
  const has = (column: string) => changed === undefined || changed.has(column);
  const { row, id } = user;
  const columns: UserColumns = {};
  const duplicates: PendingDuplicate[] = [];
  const losers = context.duplicates.losers;
  if (has("password")) {
    const password = passwordOf(context, text(row.password));
    if (typeof password !== "string") return { ok: false, reason: password.reason };
    columns.password = password;
  }
  if (has("username")) {
    const username = text(row.username);
    const lost = losers.username.get(id);
    const kept = lost === undefined ? username : renamedUsername(username, id);
    Object.assign(columns, usernameColumns(kept));
    if (lost !== undefined)
      duplicates.push({
        field: "username",
        value: username,
        keptBy: lost.keptBy,
        other: { djangoId: id, was: username, now: kept },
      });
  }
  if (has("email")) {
    const email = text(row.email);
    const lost = email === "" ? undefined : losers.email.get(id);
    Object.assign(columns, emailColumns(lost === undefined ? email : ""));
    if (lost !== undefined)
      duplicates.push({
        field: "email",
        value: email,
        keptBy: lost.keptBy,
        other: { djangoId: id, was: email, now: "" },
      });
  }
  for (const name of ["first_name", "last_name"] as const)
    if (has(name)) columns[name] = text(row[name]);
  for (const name of ["is_superuser", "is_staff", "is_active"] as const)
    if (has(name)) columns[name] = row[name] === true;
  if (has("date_joined")) columns.date_joined = row.date_joined;
  if (has("last_login")) columns.last_login = row.last_login ?? null;
  if (changed === undefined) {
    // Tokens minted before the account existed never name it (as users-store.ts insertUser).
    columns.tokens_valid_after = Math.floor((row.date_joined as Date).getTime() / 1000);
    for (const field of context.fields.defaulted)
      columns[field.name] = toColumnValue(field, defaultValue(field));
  }
  for (const { column, field } of context.fields.mapped) {
    if (!has(column.name)) continue;
    const converted = importFieldValue(field, row[column.name]);
    if (!converted.ok) return { ok: false, reason: `column ${column.name} ${converted.message}` };
    columns[field.name] = converted.value;
  }
  const status = statusValues(context, user, has, duplicates);
  return { ok: true, columns, status, endSessions: changed?.has("password") === true, duplicates };
}

function statusValues(
  context: ImportContext,
  user: SourceUser,
  has: (column: string) => boolean,
  duplicates: PendingDuplicate[],
): Partial<StatusColumns> {
  const status: Partial<StatusColumns> = {};
  if (has("status.verified")) status.verified = user.status.verified;
  if (has("status.archived")) status.archived = user.status.archived;
  if (has("status.secondary_email")) {
    const secondary = user.status.secondaryEmail;
    const lost =
      secondary === null ? undefined : context.duplicates.losers.secondary_email.get(user.id);
    const kept = lost === undefined ? secondary : null;
    status.secondary_email = kept;
    status.secondary_email_key = kept === null ? null : foldCase(kept);
    if (lost !== undefined && secondary !== null)
      duplicates.push({
        field: "secondary_email",
        value: secondary,
        keptBy: lost.keptBy,
        other: { djangoId: user.id, was: secondary, now: "" },
      });
  }
  return status;
}
