// SQL behind the admin's user pages: the searchable, sortable list, group and permission
// memberships, and what a deletion takes with it.
import {
  PostgresAdapter,
  sql,
  type Expression,
  type OrderByItemBuilder,
  type SqlBool,
} from "kysely";
import { escapeLike, toBool, toDate } from "../../db/values.js";
import type { UserFieldDeclaration } from "../../config/user-fields.js";
import { toColumnValue } from "../fields/columns-store.js";
import { emailKeys, foldCase } from "../validation.js";
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

/** A declared field's value the list keeps (a Boolean or a choice), or null for "unknown". */
export interface AdminUserFieldFilter {
  field: UserFieldDeclaration;
  value: unknown;
}

export interface AdminUserCriteria {
  /**
   * Every word must match one of username, first name, last name or email, or one of the
   * declared text fields in `searchFields`.
   */
  words: readonly string[];
  searchFields?: readonly UserFieldDeclaration[] | undefined;
  fieldFilters?: readonly AdminUserFieldFilter[] | undefined;
  isStaff?: boolean | undefined;
  isSuperuser?: boolean | undefined;
  isActive?: boolean | undefined;
  verified?: boolean | undefined;
  archived?: boolean | undefined;
  groupId?: number | undefined;
}

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

const declaredColumn = (field: UserFieldDeclaration) => sql.ref(`users.${field.name}`);

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

function wordMatches(
  word: string,
  searchFields: readonly UserFieldDeclaration[],
): Expression<SqlBool> {
  const pattern = `%${escapeLike(foldCase(word))}%`;
  const conditions = [
    // The same expressions as the trigram indexes of migration 202611260130, so PostgreSQL can use them.
    sql`users.username_key like ${pattern} escape '\\'`,
    sql`users.email_key like ${pattern} escape '\\'`,
    sql`lower(users.first_name) like ${pattern} escape '\\'`,
    sql`lower(users.last_name) like ${pattern} escape '\\'`,
    // Declared text columns have no such index: a search reads them row by row.
    ...searchFields.map(
      (field) => sql`lower(${declaredColumn(field)}) like ${pattern} escape '\\'`,
    ),
  ];
  return sql<SqlBool>`(${sql.join(conditions, sql` or `)})`;
}

/** Ids of the users matching; status filters are semi-joins, since every user has one status row. */
function matchingUsers(db: Db, criteria: AdminUserCriteria) {
  let query = db.selectFrom("users");
  for (const word of criteria.words)
    query = query.where(wordMatches(word, criteria.searchFields ?? []));
  for (const { field, value } of criteria.fieldFilters ?? []) {
    query = query.where((eb) =>
      value === null
        ? eb(declaredColumn(field), "is", null)
        : eb(declaredColumn(field), "=", toColumnValue(field, value)),
    );
  }
  for (const [column, value] of [
    ["users.is_staff", criteria.isStaff],
    ["users.is_superuser", criteria.isSuperuser],
    ["users.is_active", criteria.isActive],
  ] as const) {
    if (value !== undefined) query = query.where(column, "=", value);
  }
  for (const [column, value] of [
    ["user_status.verified", criteria.verified],
    ["user_status.archived", criteria.archived],
  ] as const) {
    if (value === undefined) continue;
    query = query.where((eb) =>
      eb.exists(
        eb
          .selectFrom("user_status")
          .select("user_status.user_id")
          .whereRef("user_status.user_id", "=", "users.id")
          .where(column, "=", value),
      ),
    );
  }
  const groupId = criteria.groupId;
  if (groupId !== undefined) {
    query = query.where((eb) =>
      eb.exists(
        eb
          .selectFrom("user_groups")
          .select("user_groups.user_id")
          .whereRef("user_groups.user_id", "=", "users.id")
          .where("user_groups.group_id", "=", groupId),
      ),
    );
  }
  return query;
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

// The user form offers every group and permission, as groups-store lists them.
export type {
  GroupSummary as GroupChoice,
  PermissionRecord as PermissionChoice,
} from "./groups-store.js";

export async function findUserGroupIds(db: Db, userId: number): Promise<number[]> {
  const rows = await db
    .selectFrom("user_groups")
    .select("group_id")
    .where("user_id", "=", userId)
    .orderBy("group_id")
    .execute();
  return rows.map((row) => row.group_id);
}

export async function findDirectPermissionIds(db: Db, userId: number): Promise<number[]> {
  const rows = await db
    .selectFrom("user_permissions")
    .select("permission_id")
    .where("user_id", "=", userId)
    .orderBy("permission_id")
    .execute();
  return rows.map((row) => row.permission_id);
}

/**
 * Locks the users' rows until the transaction ends, in id order so two transactions locking
 * overlapping sets cannot deadlock (PostgreSQL); SQLite runs one write transaction at a time.
 */
export async function lockUsers(db: Db, ids: readonly number[]): Promise<void> {
  if (ids.length === 0 || !(db.getExecutor().adapter instanceof PostgresAdapter)) return;
  await db
    .selectFrom("users")
    .select("id")
    .where("id", "in", ids)
    .orderBy("id")
    .forUpdate()
    .execute();
}

export async function replaceUserGroups(
  db: Db,
  userId: number,
  groupIds: readonly number[],
): Promise<void> {
  await db.deleteFrom("user_groups").where("user_id", "=", userId).execute();
  if (groupIds.length === 0) return;
  await db
    .insertInto("user_groups")
    .values(groupIds.map((groupId) => ({ user_id: userId, group_id: groupId })))
    .execute();
}

export async function replaceDirectPermissions(
  db: Db,
  userId: number,
  permissionIds: readonly number[],
): Promise<void> {
  await db.deleteFrom("user_permissions").where("user_id", "=", userId).execute();
  if (permissionIds.length === 0) return;
  await db
    .insertInto("user_permissions")
    .values(permissionIds.map((permissionId) => ({ user_id: userId, permission_id: permissionId })))
    .execute();
}

/** Ids of the users whose primary or secondary address this is, ignoring case. */
export async function findEmailOwnerIds(db: Db, email: string): Promise<number[]> {
  // Every stored spelling of the address: canonical, and the Unicode domains of older rows.
  const keys = emailKeys(email);
  const primary = db.selectFrom("users").select("id").where("email_key", "in", keys);
  const secondary = db
    .selectFrom("user_status")
    .select("user_id as id")
    .where("secondary_email_key", "in", keys);
  const rows = await primary.union(secondary).execute();
  return rows.map((row) => row.id);
}

/** Ids of the users named exactly so or so ignoring case (SPEC §2.2 [FIX]). */
export async function findUsernameOwnerIds(db: Db, username: string): Promise<number[]> {
  const rows = await db
    .selectFrom("users")
    .select("id")
    .where((eb) =>
      eb.or([eb("username", "=", username), eb("username_key", "=", foldCase(username))]),
    )
    .execute();
  return rows.map((row) => row.id);
}

export interface RefreshTokenPreview {
  total: number;
  prefixes: string[];
}

/** How many refresh tokens the user has, and the display prefixes of the newest `limit`. */
export async function previewUserRefreshTokens(
  db: Db,
  userId: number,
  limit: number,
): Promise<RefreshTokenPreview> {
  const count = await db
    .selectFrom("refresh_tokens")
    .select((eb) => eb.fn.countAll<number | string>().as("count"))
    .where("user_id", "=", userId)
    .executeTakeFirstOrThrow();
  const rows = await db
    .selectFrom("refresh_tokens")
    .select("token_prefix")
    .where("user_id", "=", userId)
    .orderBy("id", "desc")
    .limit(limit)
    .execute();
  return { total: Number(count.count), prefixes: rows.map((row) => row.token_prefix) };
}
