// The admin's user pages as staff read them: the searchable list, one user with the choices of
// the change form, its history, and what deleting users would take with them.
import type { Deps } from "../../deps.js";
import { declaredFields, fieldValue, type UserFieldDeclaration } from "../fields/user-fields.js";
import { isTextType } from "../fields/values.js";
import { objectHistory, requireAdmin, type AdminLogEntry, type AdminViewer } from "./access.js";
import {
  findDirectPermissionIds,
  findUserGroupIds,
  previewUserRefreshTokens,
  type GroupChoice,
  type PermissionChoice,
  type RefreshTokenPreview,
} from "./users-store.js";
import {
  ADMIN_USER_SORT_COLUMNS,
  countUserSummaries,
  estimateUserCount,
  listUserSummaries,
  type AdminUserSortKey,
  type AdminUserSummary,
} from "./user-list-store.js";
import type { AdminUserCriteria } from "./user-search-store.js";
import { summarizePasswordHash } from "./password-summary.js";
import { requireMayChangeAccount } from "./privileges.js";
import { findAllGroups, listPermissions } from "./groups-store.js";
import type { User } from "../types.js";
import { findUserById } from "../users-store.js";

export type { GroupChoice, PermissionChoice } from "./users-store.js";
export type { AdminUserSortColumn, AdminUserSortKey, AdminUserSummary } from "./user-list-store.js";
export { ADMIN_USER_SORT_COLUMNS } from "./user-list-store.js";
export type { PasswordSummary } from "./password-summary.js";

// --- the list ---

const USERS_PER_PAGE = 100;
// Counting beyond this reads rows for a number nobody needs exactly; below it counts are exact.
const COUNT_LIMIT = 10_000;

export interface AdminUserListQuery extends Omit<
  AdminUserCriteria,
  "words" | "searchFields" | "fieldFilters"
> {
  search: string;
  /**
   * Filters on declared fields (USER_FIELDS) by name: a Boolean's true or false, one of a
   * field's choices, or null for "unknown" (a nullable Boolean). Other names are ignored.
   */
  fieldFilters?: Readonly<Record<string, unknown>>;
  /** A sort column, "-" in front for descending; anything else sorts by username. */
  order: string;
  /** 1-based. */
  page: number;
}

export type CountKind = "exact" | "estimated" | "atLeast";

/** A listed user, with the values of the declared fields the list shows, by field name. */
export interface AdminUserRow extends Omit<AdminUserSummary, "fieldColumns"> {
  fields: Record<string, unknown>;
}

export interface AdminUserPage {
  users: AdminUserRow[];
  page: number;
  /** Exact; PostgreSQL's estimate (large table, no filter); or a lower bound (many matches). */
  count: number;
  countKind: CountKind;
  /** Undefined when only a lower bound of the count is known. */
  pageCount: number | undefined;
  hasNextPage: boolean;
  /** The column sorted by: a built-in sort column or a declared field's name. */
  order: { column: string; isDescending: boolean };
}

/** `o`: a built-in sort column or a declared field, "-" in front for descending. */
function parseOrder(
  order: string,
  declared: readonly UserFieldDeclaration[],
): { key: AdminUserSortKey; column: string; isDescending: boolean } {
  const isDescending = order.startsWith("-");
  const name = isDescending ? order.slice(1) : order;
  const column = ADMIN_USER_SORT_COLUMNS.find((candidate) => candidate === name);
  if (column !== undefined) return { key: column, column, isDescending };
  const field = declared.find((candidate) => candidate.name === name);
  if (field !== undefined) return { key: { declared: field }, column: name, isDescending };
  return { key: "username", column: "username", isDescending: false };
}

function isUnfiltered(criteria: AdminUserCriteria): boolean {
  return Object.entries(criteria).every(([key, value]) => {
    if (key === "words") return criteria.words.length === 0;
    if (key === "searchFields") return true;
    if (key === "fieldFilters") return (criteria.fieldFilters ?? []).length === 0;
    return value === undefined;
  });
}

/** The declared fields' filters the query names, each matched to its declaration. */
function fieldFiltersOf(
  declared: readonly UserFieldDeclaration[],
  filters: Readonly<Record<string, unknown>>,
) {
  return declared.flatMap((field) =>
    field.name in filters ? [{ field, value: filters[field.name] }] : [],
  );
}

async function countForList(
  deps: Pick<Deps, "db">,
  criteria: AdminUserCriteria,
): Promise<{ count: number; kind: CountKind }> {
  if (isUnfiltered(criteria)) {
    const estimate = await estimateUserCount(deps.db);
    if (estimate !== undefined && estimate > COUNT_LIMIT)
      return { count: estimate, kind: "estimated" };
    return { count: await countUserSummaries(deps.db, criteria), kind: "exact" };
  }
  const count = await countUserSummaries(deps.db, criteria, COUNT_LIMIT + 1);
  return count > COUNT_LIMIT ? { count: COUNT_LIMIT, kind: "atLeast" } : { count, kind: "exact" };
}

/**
 * One page of users, searched (every word in username, names, email or a declared text field),
 * filtered and sorted, with the values of the declared fields ADMIN_USER_LIST_FIELDS shows.
 */
export async function listUsersForAdmin(
  deps: Pick<Deps, "db" | "config">,
  viewer: AdminViewer,
  query: AdminUserListQuery,
): Promise<AdminUserPage> {
  requireAdmin(viewer, "view", "user");
  const { search, order: orderText, page: requestedPage, fieldFilters = {}, ...filters } = query;
  const declared = declaredFields(deps.config);
  // A bounded number of words keeps one request from building an enormous query.
  // PostgreSQL text cannot hold NUL, so such a character matches nothing and must not reach it.
  const words = search
    .replaceAll("\u0000", "")
    .split(/\s+/)
    .filter((word) => word !== "");
  const criteria: AdminUserCriteria = {
    ...filters,
    words: words.slice(0, 10),
    searchFields: declared.filter(isTextType),
    fieldFilters: fieldFiltersOf(declared, fieldFilters),
  };
  const order = parseOrder(orderText, declared);
  const listed = new Set(deps.config.accounts.adminUserListFields);
  const columns = declared.filter((field) => listed.has(field.name));
  const page = Number.isSafeInteger(requestedPage) && requestedPage >= 1 ? requestedPage : 1;
  const { count, kind } = await countForList(deps, criteria);
  const isEmpty = kind === "exact" && count === 0;
  // One row more than a page says whether a next page exists, whatever kind of count we have.
  const rows = isEmpty
    ? []
    : await listUserSummaries(
        deps.db,
        criteria,
        {
          order: order.key,
          isDescending: order.isDescending,
          offset: (page - 1) * USERS_PER_PAGE,
          limit: USERS_PER_PAGE + 1,
          isSparse: kind === "exact" && !isUnfiltered(criteria),
        },
        columns,
      );
  return {
    users: rows.slice(0, USERS_PER_PAGE).map(({ fieldColumns, ...row }) => ({
      ...row,
      fields: Object.fromEntries(
        columns.map((field) => [field.name, fieldValue(field, { fieldColumns })]),
      ),
    })),
    page,
    count,
    countKind: kind,
    pageCount: kind === "atLeast" ? undefined : Math.max(1, Math.ceil(count / USERS_PER_PAGE)),
    hasNextPage: rows.length > USERS_PER_PAGE,
    order: { column: order.column, isDescending: order.isDescending },
  };
}

/** Groups and permissions to pick from (filters, the change form). */
export async function adminUserChoices(
  deps: Pick<Deps, "db">,
  viewer: AdminViewer,
): Promise<{ groups: GroupChoice[]; permissions: PermissionChoice[] }> {
  requireAdmin(viewer, "view", "user");
  const [groups, permissions] = await Promise.all([
    findAllGroups(deps.db),
    listPermissions(deps.db),
  ]);
  return { groups, permissions };
}

// --- one user ---

export type AdminUserDetail = Omit<User, "passwordHash" | "tokensValidAfter">;

function withoutSecrets(user: User): AdminUserDetail {
  const { passwordHash: _hash, tokensValidAfter: _validAfter, ...detail } = user;
  return detail;
}

/** The user with memberships and a password summary (never the hash); undefined when absent. */
export async function getUserForAdmin(deps: Pick<Deps, "db">, viewer: AdminViewer, id: number) {
  requireAdmin(viewer, "view", "user");
  const user = await findUserById(deps.db, id);
  if (user === undefined) return undefined;
  const [groupIds, permissionIds] = await Promise.all([
    findUserGroupIds(deps.db, id),
    findDirectPermissionIds(deps.db, id),
  ]);
  return {
    user: withoutSecrets(user),
    groupIds,
    permissionIds,
    password: summarizePasswordHash(user.passwordHash),
  };
}

export function userHistory(
  deps: Pick<Deps, "db">,
  viewer: AdminViewer,
  id: number,
): Promise<AdminLogEntry[]> {
  requireAdmin(viewer, "view", "user");
  return objectHistory(deps, "user", id);
}

// --- deletion and bulk actions ---

export interface DeletionPreview {
  id: number;
  username: string;
  statusRepr: string;
  refreshTokens: RefreshTokenPreview;
}

/**
 * What deleting these users takes with them (for the confirmation page); absent ids are skipped.
 * Throws permission_denied when the deletion would be refused (a superuser, for a non-superuser).
 */
export async function previewUserDeletion(
  deps: Pick<Deps, "db">,
  viewer: AdminViewer,
  ids: readonly number[],
): Promise<DeletionPreview[]> {
  requireAdmin(viewer, "delete", "user");
  const previews: DeletionPreview[] = [];
  for (const id of ids) {
    const user = await findUserById(deps.db, id);
    if (user === undefined) continue;
    requireMayChangeAccount(viewer, user);
    const refreshTokens = await previewUserRefreshTokens(deps.db, id, 20);
    previews.push({
      id,
      username: user.username,
      statusRepr: `${user.username} - status`,
      refreshTokens,
    });
  }
  return previews;
}
