// SQL for the users query (SPEC §4.3): Django-style field lookups over users and their status
// rows, and pages of them in id order.
import { PostgresAdapter, sql, type ExpressionBuilder } from "kysely";
import type { UserFieldDeclaration } from "../config/user-fields.js";
import type { Db } from "../db/database.js";
import type { Database, UsersTable, UserStatusTable } from "../db/tables.js";
import { escapeLike } from "../db/values.js";
import { toColumnValue } from "./fields/columns-store.js";
import type { User } from "./types.js";
import { hasNul, toUser, USER_STATUS_COLUMNS } from "./users-store.js";
import { foldCase } from "./validation.js";

export type FilterLookup =
  | "exact"
  | "iexact"
  | "contains"
  | "icontains"
  | "startswith"
  | "istartswith"
  | "endswith"
  | "iendswith"
  | "in"
  | "isnull"
  | "lt"
  | "lte"
  | "gt"
  | "gte";

export interface UserFilter {
  /** A model path as in USER_NODE_FILTER_FIELDS: `username`, `status__verified`, … */
  field: string;
  lookup: FilterLookup;
  /** In the field's domain form (accounts/fields/values.ts) for a declared field. */
  value: unknown;
  /** The declared field (USER_FIELDS) `field` names, whose column is `users.<name>`. */
  declaration?: UserFieldDeclaration;
}

const COMPARISONS = { lt: "<", lte: "<=", gt: ">", gte: ">=" } as const;

type Scope = ExpressionBuilder<
  Database & { users: UsersTable; user_status: UserStatusTable },
  "users" | "user_status"
>;

const FILTER_COLUMNS: Record<string, { column: string; foldedColumn?: string }> = {
  id: { column: "users.id" },
  username: { column: "users.username", foldedColumn: "users.username_key" },
  email: { column: "users.email", foldedColumn: "users.email_key" },
  first_name: { column: "users.first_name" },
  last_name: { column: "users.last_name" },
  is_active: { column: "users.is_active" },
  is_staff: { column: "users.is_staff" },
  is_superuser: { column: "users.is_superuser" },
  status__verified: { column: "user_status.verified" },
  status__archived: { column: "user_status.archived" },
  status__secondary_email: {
    column: "user_status.secondary_email",
    foldedColumn: "user_status.secondary_email_key",
  },
};

export function isFilterableField(field: string): boolean {
  return FILTER_COLUMNS[field] !== undefined;
}

const NO_MATCH = sql<boolean>`1 = 0`;

/** The id a filter value names: ids are whole numbers, anything else matches no user. */
function idValue(value: unknown): number | undefined {
  const text = typeof value === "number" ? String(value) : typeof value === "string" ? value : "";
  return /^[-+]?\d{1,15}$/.test(text.trim()) ? Number(text) : undefined;
}

function filterExpression(eb: Scope, filter: UserFilter, postgres: boolean) {
  if (filter.declaration !== undefined)
    return declaredFilterExpression(eb, filter, filter.declaration, postgres);
  const target = FILTER_COLUMNS[filter.field];
  if (target === undefined) throw new Error(`Unknown filter field ${filter.field}`);
  if (hasNul(filter.value)) return NO_MATCH;
  if (filter.field === "id" && filter.lookup !== "isnull") {
    // Compared as numbers: text would fail on PostgreSQL and not match on SQLite.
    const ids = (Array.isArray(filter.value) ? filter.value : [filter.value]).map(idValue);
    if (!Array.isArray(filter.value) && ids[0] === undefined) return NO_MATCH;
    return builtInFilterExpression(eb, target, {
      ...filter,
      value: Array.isArray(filter.value) ? ids.filter((id) => id !== undefined) : ids[0],
    });
  }
  return builtInFilterExpression(eb, target, filter);
}

function builtInFilterExpression(
  eb: Scope,
  target: { column: string; foldedColumn?: string },
  filter: UserFilter,
) {
  const column = sql.ref(target.column);
  const isCaseInsensitive =
    filter.lookup.startsWith("i") && filter.lookup !== "in" && filter.lookup !== "isnull";
  const folded =
    target.foldedColumn === undefined ? sql`lower(${column})` : sql.ref(target.foldedColumn);
  const text = typeof filter.value === "string" ? filter.value : String(filter.value);
  const like = (pattern: string) =>
    isCaseInsensitive
      ? sql<boolean>`${folded} like ${pattern} escape '\\'`
      : sql<boolean>`${column} like ${pattern} escape '\\'`;
  const needle = escapeLike(isCaseInsensitive ? foldCase(text) : text);
  switch (filter.lookup) {
    case "exact":
      return eb(sql.ref(target.column), "=", filter.value as never);
    case "iexact":
      return eb(folded, "=", foldCase(text));
    case "contains":
    case "icontains":
      return like(`%${needle}%`);
    case "startswith":
    case "istartswith":
      return like(`${needle}%`);
    case "endswith":
    case "iendswith":
      return like(`%${needle}`);
    case "in": {
      const values = Array.isArray(filter.value)
        ? filter.value.filter((value) => !hasNul(value))
        : [];
      return values.length > 0
        ? eb(sql.ref(target.column), "in", values as never[])
        : sql<boolean>`1 = 0`;
    }
    case "isnull":
      return filter.value === true
        ? eb(sql.ref(target.column), "is", null)
        : eb(sql.ref(target.column), "is not", null);
    case "lt":
    case "lte":
    case "gt":
    case "gte":
      return eb(sql.ref(target.column), COMPARISONS[filter.lookup], filter.value as never);
  }
}

/**
 * A lookup on a declared column, its values encoded as the column holds them. SQLite keeps
 * DecimalField as text ("12.50"), so there it compares numerically; DateTimeField is ISO-8601 UTC
 * text of one width there (the codec writes Date.toISOString()), whose text order is time order.
 */
function declaredFilterExpression(
  eb: Scope,
  filter: UserFilter,
  field: UserFieldDeclaration,
  postgres: boolean,
) {
  const column = sql.ref(`users.${field.name}`);
  if (filter.lookup === "isnull")
    return filter.value === true ? eb(column, "is", null) : eb(column, "is not", null);
  const values = Array.isArray(filter.value) ? filter.value : [filter.value];
  if (values.some(hasNul)) return NO_MATCH;
  const isTextDecimal = field.type === "DecimalField" && !postgres;
  const operand = isTextDecimal ? sql`cast(${column} as real)` : column;
  const encode = (value: unknown) =>
    isTextDecimal ? Number(value) : (toColumnValue(field, value) as never);
  const text = typeof filter.value === "string" ? filter.value : String(filter.value);
  const isCaseInsensitive = filter.lookup.startsWith("i") && filter.lookup !== "in";
  const needle = escapeLike(isCaseInsensitive ? foldCase(text) : text);
  const like = (pattern: string) =>
    isCaseInsensitive
      ? sql<boolean>`lower(${column}) like ${pattern} escape '\\'`
      : sql<boolean>`${column} like ${pattern} escape '\\'`;
  switch (filter.lookup) {
    case "exact":
      return eb(operand, "=", encode(filter.value));
    case "in": {
      const given = values.filter((value) => value !== null && value !== undefined);
      return given.length > 0 ? eb(operand, "in", given.map(encode)) : NO_MATCH;
    }
    case "lt":
    case "lte":
    case "gt":
    case "gte":
      return eb(operand, COMPARISONS[filter.lookup], encode(filter.value));
    case "iexact":
      return eb(sql`lower(${column})`, "=", foldCase(text));
    case "contains":
    case "icontains":
      return like(`%${needle}%`);
    case "startswith":
    case "istartswith":
      return like(`${needle}%`);
    case "endswith":
    case "iendswith":
      return like(`%${needle}`);
  }
}

function isStatusFilter(filter: UserFilter): boolean {
  return filter.declaration === undefined && filter.field.startsWith("status__");
}

function whereFilters(db: Db, filters: readonly UserFilter[]) {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  return (eb: unknown) =>
    (eb as Scope).and(filters.map((filter) => filterExpression(eb as Scope, filter, postgres)));
}

function filteredUsers(db: Db, filters: readonly UserFilter[]) {
  return db
    .selectFrom("users")
    .innerJoin("user_status", "user_status.user_id", "users.id")
    .where(whereFilters(db, filters));
}

export async function countUsers(db: Db, filters: readonly UserFilter[]): Promise<number> {
  const row = await filteredUsers(db, filters)
    .select((eb) => eb.fn.countAll<number | string>().as("count"))
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

/**
 * The ids of a page, found on `users` alone unless a filter reads the status row. Every user has
 * its status row (written with it, and by migration for older rows), so joining it only for the
 * page's rows lists the same users. On PostgreSQL a search the trigram index answers reads every
 * match to sort them by id: joining the status row to each of them cost as much as the search.
 */
function pageIds(db: Db, filters: readonly UserFilter[], page: { offset: number; limit: number }) {
  const from = filters.some(isStatusFilter)
    ? filteredUsers(db, filters)
    : db.selectFrom("users").where(whereFilters(db, filters));
  return from.select("users.id").orderBy("users.id").limit(page.limit).offset(page.offset);
}

export async function listUsers(
  db: Db,
  filters: readonly UserFilter[],
  page: { offset: number; limit: number },
): Promise<User[]> {
  if (page.limit <= 0) return [];
  const rows = await db
    .selectFrom("users")
    .innerJoin("user_status", "user_status.user_id", "users.id")
    .where("users.id", "in", pageIds(db, filters, page))
    .selectAll("users")
    .select(USER_STATUS_COLUMNS)
    .orderBy("users.id")
    .execute();
  return rows.map(toUser);
}
