// SQL for the admin's user list: one page of the matching users in any sort order, the same on
// both databases, and how many match, counted or estimated.
import { PostgresAdapter, sql, type OrderByItemBuilder } from "kysely";
import { toBool, toDate } from "../../db/values.js";
import type { UserFieldDeclaration } from "../../config/user-fields.js";
import { declaredColumn, matchingUsers, type AdminUserCriteria } from "./user-search-store.js";
import type { Db } from "../../db/database.js";

export const ADMIN_USER_SORT_COLUMNS = [
  "id",
  "username",
  "email",
  "first_name",
  "last_name",
  "is_staff",
  "is_superuser",
  "is_active",
  "date_joined",
  "last_login",
] as const;
export type AdminUserSortColumn = (typeof ADMIN_USER_SORT_COLUMNS)[number];

/** A built-in sort column, or a declared field (USER_FIELDS), whose column is `users.<name>`. */
export type AdminUserSortKey = AdminUserSortColumn | { declared: UserFieldDeclaration };

/** One row of the admin's user list: no password hash, nothing the list does not show. */
export interface AdminUserSummary {
  id: number;
  username: string;
  email: string;
  firstName: string;
  lastName: string;
  isStaff: boolean;
  isSuperuser: boolean;
  isActive: boolean;
  verified: boolean;
  archived: boolean;
  secondaryEmail: string | null;
  dateJoined: Date;
  lastLogin: Date | null;
  /** The declared columns asked for, as the database returned them (see fields/). */
  fieldColumns: Record<string, unknown>;
}

// Email sorts by its folded key, which has an index, so "Bob@" and "bob@" sit together.
const SORT_EXPRESSIONS: Record<AdminUserSortColumn, string> = {
  id: "users.id",
  username: "users.username",
  email: "users.email_key",
  first_name: "users.first_name",
  last_name: "users.last_name",
  is_staff: "users.is_staff",
  is_superuser: "users.is_superuser",
  is_active: "users.is_active",
  date_joined: "users.date_joined",
  last_login: "users.last_login",
};

function sortExpression(key: AdminUserSortKey) {
  return typeof key === "string" ? sql.ref(SORT_EXPRESSIONS[key]) : declaredColumn(key.declared);
}

/**
 * The direction of a sort, with empty (null) declared values last either way: the databases
 * disagree on where nulls go (PostgreSQL puts them first when descending, SQLite when
 * ascending), and the page must not depend on which one serves it.
 */
function sortDirection(key: AdminUserSortKey, isDescending: boolean) {
  return (order: OrderByItemBuilder) => {
    const directed = isDescending ? order.desc() : order.asc();
    return typeof key === "string" ? directed : directed.nullsLast();
  };
}

export interface AdminUserPageRequest {
  order: AdminUserSortKey;
  isDescending: boolean;
  offset: number;
  limit: number;
  /**
   * Few users match (the caller counted them): sort just those. Otherwise PostgreSQL may walk
   * the sort column's index hoping to meet matches early, which takes seconds when they are rare.
   */
  isSparse: boolean;
}

/** The ids of one page; only ids are skipped over, so deep pages do not fetch rows they drop. */
function pageIds(db: Db, criteria: AdminUserCriteria, page: AdminUserPageRequest) {
  const direction = page.isDescending ? "desc" : "asc";
  const sortKey = sortExpression(page.order);
  const sortOrder = sortDirection(page.order, page.isDescending);
  if (!page.isSparse) {
    // Ties (same first name, same staff flag) need a fixed order, or rows jump between pages.
    return matchingUsers(db, criteria)
      .select("users.id")
      .orderBy(sortKey, sortOrder)
      .orderBy("users.id", direction)
      .limit(page.limit)
      .offset(page.offset);
  }
  return db
    .with(
      (cte) => cte("matches").materialized(),
      () => matchingUsers(db, criteria).select(["users.id", sortKey.as("sort_key")]),
    )
    .selectFrom("matches")
    .select("matches.id")
    .orderBy("matches.sort_key", sortOrder)
    .orderBy("matches.id", direction)
    .limit(page.limit)
    .offset(page.offset);
}

/** One page of the list, with the values of the declared fields in `columns`. */
export async function listUserSummaries(
  db: Db,
  criteria: AdminUserCriteria,
  page: AdminUserPageRequest,
  columns: readonly UserFieldDeclaration[] = [],
): Promise<AdminUserSummary[]> {
  const direction = page.isDescending ? "desc" : "asc";
  const rows = await db
    .selectFrom("users")
    .innerJoin("user_status", "user_status.user_id", "users.id")
    .select(columns.map((field) => declaredColumn(field).as(`field_${field.name}`)))
    .select([
      "users.id",
      "users.username",
      "users.email",
      "users.first_name",
      "users.last_name",
      "users.is_staff",
      "users.is_superuser",
      "users.is_active",
      "users.date_joined",
      "users.last_login",
      "user_status.verified",
      "user_status.archived",
      "user_status.secondary_email",
    ])
    .where("users.id", "in", pageIds(db, criteria, page))
    .orderBy(sortExpression(page.order), sortDirection(page.order, page.isDescending))
    .orderBy("users.id", direction)
    .execute();
  return rows.map((row) => ({
    id: row.id,
    username: row.username,
    email: row.email,
    firstName: row.first_name,
    lastName: row.last_name,
    isStaff: toBool(row.is_staff),
    isSuperuser: toBool(row.is_superuser),
    isActive: toBool(row.is_active),
    verified: toBool(row.verified),
    archived: toBool(row.archived),
    secondaryEmail: row.secondary_email,
    dateJoined: toDate(row.date_joined),
    lastLogin: row.last_login === null ? null : toDate(row.last_login),
    fieldColumns: Object.fromEntries(
      columns.map((field) => [field.name, (row as Record<string, unknown>)[`field_${field.name}`]]),
    ),
  }));
}

/** How many users match, counting no further than `limit`: a count stops early that way. */
export async function countUserSummaries(
  db: Db,
  criteria: AdminUserCriteria,
  limit?: number,
): Promise<number> {
  let matches = matchingUsers(db, criteria).select("users.id");
  if (limit !== undefined) matches = matches.limit(limit);
  const row = await db
    .selectFrom(matches.as("matches"))
    .select((eb) => eb.fn.countAll<number | string>().as("count"))
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

/**
 * PostgreSQL's planner estimate of the number of users (kept by ANALYZE and autovacuum);
 * undefined on SQLite or before the table was ever analysed. An exact count reads every row.
 */
export async function estimateUserCount(db: Db): Promise<number | undefined> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return undefined;
  const { rows } = await sql<{ estimate: number | null }>`
    select reltuples::bigint as estimate from pg_class where oid = to_regclass('users')`.execute(
    db,
  );
  const estimate = rows[0]?.estimate ?? -1;
  return estimate >= 0 ? estimate : undefined;
}
