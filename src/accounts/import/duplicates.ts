// Django compares emails and usernames case-sensitively, so its tables may hold `Ann@x.org` and
// `ann@x.org` as two accounts; here both keys are case-insensitive. They are never merged. The
// rule, decided on the Django data before anything is written: of the rows sharing a value, the
// one that keeps it is the active one, then the verified one, then the oldest (date_joined), then
// the lowest id. The others are imported without it and listed in the summary: an empty email,
// a username with `+dup<id>` appended, no secondary email. A secondary address that is also some
// user's primary address is dropped (the primary keeps it).
import type { DjangoTables } from "./django-model.js";
import type { DjangoSource, SourceRow } from "./django-source-store.js";

export type DuplicateField = "email" | "username" | "secondary_email";

export interface DuplicateRule {
  /** Django user id → the Django user that keeps the value (null: a primary address keeps it). */
  losers: Record<DuplicateField, Map<number, { keptBy: number | null; value: string }>>;
}

interface Candidate {
  id: number;
  value: string;
  isActive: boolean;
  isVerified: boolean;
  dateJoined: number;
}

/** Negative when `a` keeps the value before `b`. */
function keeperOrder(a: Candidate, b: Candidate): number {
  if (a.isActive !== b.isActive) return a.isActive ? -1 : 1;
  if (a.isVerified !== b.isVerified) return a.isVerified ? -1 : 1;
  if (a.dateJoined !== b.dateJoined) return a.dateJoined - b.dateJoined;
  return a.id - b.id;
}

function dateOf(value: unknown): number {
  return value instanceof Date ? value.getTime() : new Date(String(value)).getTime();
}

async function verifiedIds(source: DjangoSource, tables: DjangoTables, ids: number[]) {
  if (tables.statusTable === undefined) return new Set<number>();
  const rows = await source.readWhereIn(tables.statusTable, "user_id", ids);
  return new Set(rows.filter((row) => row.verified === true).map((row) => Number(row.user_id)));
}

async function candidatesOf(
  source: DjangoSource,
  tables: DjangoTables,
  users: readonly SourceRow[],
  valueOf: (row: SourceRow) => string,
): Promise<Candidate[]> {
  const verified = await verifiedIds(
    source,
    tables,
    users.map((row) => Number(row.id)),
  );
  return users.map((row) => ({
    id: Number(row.id),
    value: valueOf(row),
    isActive: row.is_active === true,
    isVerified: verified.has(Number(row.id)),
    dateJoined: dateOf(row.date_joined),
  }));
}

function assignLosers(
  candidates: readonly Candidate[],
  losers: Map<number, { keptBy: number | null; value: string }>,
): void {
  const groups = new Map<string, Candidate[]>();
  for (const candidate of candidates) {
    const key = candidate.value.toLowerCase();
    groups.set(key, [...(groups.get(key) ?? []), candidate]);
  }
  for (const group of groups.values()) {
    const [keeper, ...others] = [...group].sort(keeperOrder);
    if (keeper === undefined) continue;
    for (const other of others) losers.set(other.id, { keptBy: keeper.id, value: other.value });
  }
}

export async function findDuplicates(
  source: DjangoSource,
  tables: DjangoTables,
): Promise<DuplicateRule> {
  const table = tables.userModel.table;
  const rule: DuplicateRule = {
    losers: { email: new Map(), username: new Map(), secondary_email: new Map() },
  };
  for (const field of ["email", "username"] as const) {
    const rows = await source.readCaseDuplicates(table, field);
    assignLosers(
      await candidatesOf(source, tables, rows, (row) => String(row[field])),
      rule.losers[field],
    );
  }
  if (tables.statusTable === undefined) return rule;
  const statuses = await source.readCaseDuplicates(tables.statusTable, "secondary_email", {
    table,
    column: "email",
  });
  if (statuses.length === 0) return rule;
  const primaries = await source.readWhereIn(
    table,
    "id",
    statuses.map((row) => Number(row.user_id)),
  );
  const secondaryOf = new Map(statuses.map((row) => [Number(row.user_id), row.secondary_email]));
  const candidates = await candidatesOf(source, tables, primaries, (row) =>
    String(secondaryOf.get(Number(row.id))),
  );
  const shared = await primaryAddresses(source, table, candidates);
  for (const candidate of candidates) {
    if (shared.has(candidate.value.toLowerCase()))
      rule.losers.secondary_email.set(candidate.id, { keptBy: null, value: candidate.value });
  }
  assignLosers(
    candidates.filter((candidate) => !rule.losers.secondary_email.has(candidate.id)),
    rule.losers.secondary_email,
  );
  return rule;
}

/** Which of the candidates' secondary addresses are some user's primary address. */
async function primaryAddresses(
  source: DjangoSource,
  table: string,
  candidates: readonly Candidate[],
): Promise<Set<string>> {
  const wanted = new Set(candidates.map((candidate) => candidate.value.toLowerCase()));
  const rows = await source.readCaseDuplicates(table, "email", {
    table: "graphql_auth_userstatus",
    column: "secondary_email",
  });
  return new Set(
    rows.map((row) => String(row.email).toLowerCase()).filter((email) => wanted.has(email)),
  );
}
