// SQL for the users query (SPEC §4.3): Django-style field lookups over users and their status
// rows, and pages of them in id order.
import { sql, type ExpressionBuilder } from "kysely";
import type { Db } from "../db/database.js";
import type { Database, UsersTable, UserStatusTable } from "../db/tables.js";
import { escapeLike } from "../db/values.js";
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
  | "isnull";

export interface UserFilter {
  /** A model path as in USER_NODE_FILTER_FIELDS: `username`, `status__verified`, … */
  field: string;
  lookup: FilterLookup;
  value: unknown;
}

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

function filterExpression(eb: Scope, filter: UserFilter) {
  const target = FILTER_COLUMNS[filter.field];
  if (target === undefined) throw new Error(`Unknown filter field ${filter.field}`);
  if (hasNul(filter.value)) return sql<boolean>`1 = 0`;
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
  }
}

function filteredUsers(db: Db, filters: readonly UserFilter[]) {
  return db
    .selectFrom("users")
    .innerJoin("user_status", "user_status.user_id", "users.id")
    .where((eb) =>
      eb.and(filters.map((filter) => filterExpression(eb as unknown as Scope, filter))),
    );
}

export async function countUsers(db: Db, filters: readonly UserFilter[]): Promise<number> {
  const row = await filteredUsers(db, filters)
    .select((eb) => eb.fn.countAll<number | string>().as("count"))
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

export async function listUsers(
  db: Db,
  filters: readonly UserFilter[],
  page: { offset: number; limit: number },
): Promise<User[]> {
  if (page.limit <= 0) return [];
  const rows = await filteredUsers(db, filters)
    .selectAll("users")
    .select(USER_STATUS_COLUMNS)
    .orderBy("users.id")
    .limit(page.limit)
    .offset(page.offset)
    .execute();
  return rows.map(toUser);
}
