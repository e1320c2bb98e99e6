// Keys a batch of imported users wants that someone here already holds (a user registered after
// the switch, a duplicate the Django-side rule could not see), resolved as duplicates.ts says:
// a username gets `+dup<django id>`, an address is left out (both listed in the summary), a
// declared unique value held by another user skips the user with the reason.
import type { UserFieldDeclaration } from "../../config/user-fields.js";
import type { Db } from "../../db/database.js";
import { foldCase } from "../validation.js";
import {
  findKeyHolders,
  keyOf,
  type KeyHolders,
  type StatusColumns,
} from "./imported-users-store.js";
import {
  emailColumns,
  renamedUsername,
  usernameColumns,
  type PendingDuplicate,
} from "./user-values.js";

/** A user about to be written: its new columns, and our id when it was imported before. */
export interface KeyClaim {
  djangoId: number;
  ourId: number | undefined;
  columns: Record<string, unknown>;
  status: Partial<StatusColumns>;
  duplicates: PendingDuplicate[];
  skipReason?: string;
}

/** What the batch claimed so far, so two of its users never take one key. */
class Claims {
  readonly #taken = new Set<string>();
  has(kind: string, key: unknown): boolean {
    return this.#taken.has(`${kind}\n${String(key)}`);
  }
  add(kind: string, key: unknown): void {
    this.#taken.add(`${kind}\n${String(key)}`);
  }
}

interface Resolution {
  holders: KeyHolders;
  claims: Claims;
  isTaken: (kind: string, holder: number | undefined, key: unknown) => boolean;
}

export async function resolveKeys(
  db: Db,
  declared: readonly UserFieldDeclaration[],
  claims: readonly KeyClaim[],
): Promise<void> {
  const unique = declared.filter((field) => field.unique);
  const holders = await findKeyHolders(db, wantedKeys(unique, claims));
  const claimed = new Claims();
  for (const claim of claims) {
    const resolution: Resolution = {
      holders,
      claims: claimed,
      isTaken: (kind, holder, key) =>
        (holder !== undefined && holder !== claim.ourId) || claimed.has(kind, key),
    };
    if (!resolveUsername(resolution, claim)) continue;
    resolveEmail(resolution, claim);
    resolveSecondaryEmail(resolution, claim);
    resolveDeclared(resolution, claim, unique);
  }
}

function duplicate(
  claim: KeyClaim,
  field: PendingDuplicate["field"],
  was: string,
  now: string,
  holder: number | undefined,
): void {
  claim.duplicates.push({
    field,
    value: was,
    keptBy: null,
    ...(holder === undefined ? {} : { heldByGatehouseUser: holder }),
    other: { djangoId: claim.djangoId, was, now },
  });
}

/** False when the user cannot be imported (its `+dup` name is taken too). */
function resolveUsername({ holders, claims, isTaken }: Resolution, claim: KeyClaim): boolean {
  const { columns } = claim;
  if (typeof columns.username_key !== "string") return true;
  const holder = holders.username.get(columns.username_key);
  if (isTaken("username", holder, columns.username_key)) {
    const was = String(columns.username);
    const renamed = renamedUsername(was, claim.djangoId);
    const renamedKey = foldCase(renamed);
    if (renamed === was || isTaken("username", holders.username.get(renamedKey), renamedKey)) {
      claim.skipReason = `username ${was} is held by Gatehouse user ${String(holder)}`;
      return false;
    }
    Object.assign(columns, usernameColumns(renamed));
    duplicate(claim, "username", was, renamed, holder);
  }
  claims.add("username", columns.username_key);
  return true;
}

function resolveEmail({ holders, claims, isTaken }: Resolution, claim: KeyClaim): void {
  const { columns } = claim;
  if (typeof columns.email_key !== "string") return;
  const key = columns.email_key;
  const holder = holders.email.get(key);
  if (!isTaken("email", holder, key)) {
    claims.add("email", key);
    return;
  }
  const was = String(columns.email);
  Object.assign(columns, emailColumns(""));
  duplicate(claim, "email", was, "", holder);
}

function resolveSecondaryEmail({ holders, claims, isTaken }: Resolution, claim: KeyClaim): void {
  const { status } = claim;
  if (typeof status.secondary_email_key !== "string") return;
  const key = status.secondary_email_key;
  const holder = holders.secondaryEmail.get(key);
  if (!isTaken("secondary", holder, key) && !claims.has("email", key)) {
    claims.add("secondary", key);
    return;
  }
  duplicate(claim, "secondary_email", String(status.secondary_email), "", holder);
  status.secondary_email = null;
  status.secondary_email_key = null;
}

function resolveDeclared(
  { holders, claims, isTaken }: Resolution,
  claim: KeyClaim,
  unique: readonly UserFieldDeclaration[],
): void {
  for (const field of unique) {
    const value = claim.columns[field.name];
    if (value === null || value === undefined) continue;
    const key = keyOf(value);
    const holder = holders.declared.get(field.name)?.get(key);
    if (isTaken(field.name, holder, key)) {
      claim.skipReason = `${field.name} ${JSON.stringify(key)} is held by Gatehouse user ${String(holder)}`;
      return;
    }
    claims.add(field.name, key);
  }
}

function wantedKeys(unique: readonly UserFieldDeclaration[], claims: readonly KeyClaim[]) {
  const usernameKeys: string[] = [];
  const emailKeys: string[] = [];
  const secondaryKeys: string[] = [];
  const declared = new Map<string, unknown[]>();
  for (const { columns, status, djangoId } of claims) {
    if (typeof columns.username_key === "string") {
      usernameKeys.push(columns.username_key);
      usernameKeys.push(foldCase(renamedUsername(String(columns.username), djangoId)));
    }
    if (typeof columns.email_key === "string") emailKeys.push(columns.email_key);
    if (typeof status.secondary_email_key === "string")
      secondaryKeys.push(status.secondary_email_key);
    for (const field of unique) {
      const value = columns[field.name];
      if (value !== null && value !== undefined)
        declared.set(field.name, [...(declared.get(field.name) ?? []), value]);
    }
  }
  return { usernameKeys, emailKeys, secondaryKeys, declared };
}
