// The admin's user pages as staff read them: the searchable list, one user with the choices of
// the change form, its history, and what deleting users would take with them.
import type { Deps } from "../../deps.js";
import { objectHistory, requireAdmin, type AdminLogEntry, type AdminViewer } from "./access.js";
import {
  ADMIN_USER_SORT_COLUMNS,
  countUserSummaries,
  estimateUserCount,
  findDirectPermissionIds,
  findUserGroupIds,
  listUserSummaries,
  previewUserRefreshTokens,
  type AdminUserCriteria,
  type AdminUserSortColumn,
  type AdminUserSummary,
  type GroupChoice,
  type PermissionChoice,
  type RefreshTokenPreview,
} from "./users-store.js";
import { summarizePasswordHash } from "./user-form.js";
import { requireMayChangeAccount } from "./privileges.js";
import { findAllGroups, listPermissions } from "./groups-store.js";
import type { User } from "../types.js";
import { findUserById } from "../users-store.js";

export type {
  AdminUserSortColumn,
  AdminUserSummary,
  GroupChoice,
  PermissionChoice,
} from "./users-store.js";
export { ADMIN_USER_SORT_COLUMNS } from "./users-store.js";
export type { PasswordSummary } from "./user-form.js";

type AdminDeps = Pick<Deps, "db" | "clock">;

// --- the list ---

const USERS_PER_PAGE = 100;
// Counting beyond this reads rows for a number nobody needs exactly; below it counts are exact.
const COUNT_LIMIT = 10_000;

export interface AdminUserListQuery extends Omit<AdminUserCriteria, "words"> {
  search: string;
  /** A sort column, "-" in front for descending; anything else sorts by username. */
  order: string;
  /** 1-based. */
  page: number;
}

export type CountKind = "exact" | "estimated" | "atLeast";

export interface AdminUserPage {
  users: AdminUserSummary[];
  page: number;
  /** Exact; PostgreSQL's estimate (large table, no filter); or a lower bound (many matches). */
  count: number;
  countKind: CountKind;
  /** Undefined when only a lower bound of the count is known. */
  pageCount: number | undefined;
  hasNextPage: boolean;
  order: { column: AdminUserSortColumn; isDescending: boolean };
}

function parseOrder(order: string): AdminUserPage["order"] {
  const isDescending = order.startsWith("-");
  const name = isDescending ? order.slice(1) : order;
  const column = ADMIN_USER_SORT_COLUMNS.find((candidate) => candidate === name);
  return column === undefined
    ? { column: "username", isDescending: false }
    : { column, isDescending };
}

function isUnfiltered(criteria: AdminUserCriteria): boolean {
  return Object.entries(criteria).every(([key, value]) =>
    key === "words" ? criteria.words.length === 0 : value === undefined,
  );
}

async function countForList(
  deps: AdminDeps,
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

/** One page of users, searched (every word in username, names or email), filtered and sorted. */
export async function listUsersForAdmin(
  deps: AdminDeps,
  viewer: AdminViewer,
  query: AdminUserListQuery,
): Promise<AdminUserPage> {
  requireAdmin(viewer, "view", "user");
  const { search, order: orderText, page: requestedPage, ...filters } = query;
  // A bounded number of words keeps one request from building an enormous query.
  // PostgreSQL text cannot hold NUL, so such a character matches nothing and must not reach it.
  const words = search
    .replaceAll("\u0000", "")
    .split(/\s+/)
    .filter((word) => word !== "");
  const criteria: AdminUserCriteria = { ...filters, words: words.slice(0, 10) };
  const order = parseOrder(orderText);
  const page = Number.isSafeInteger(requestedPage) && requestedPage >= 1 ? requestedPage : 1;
  const { count, kind } = await countForList(deps, criteria);
  const isEmpty = kind === "exact" && count === 0;
  // One row more than a page says whether a next page exists, whatever kind of count we have.
  const rows = isEmpty
    ? []
    : await listUserSummaries(deps.db, criteria, {
        order: order.column,
        isDescending: order.isDescending,
        offset: (page - 1) * USERS_PER_PAGE,
        limit: USERS_PER_PAGE + 1,
        isSparse: kind === "exact" && !isUnfiltered(criteria),
      });
  return {
    users: rows.slice(0, USERS_PER_PAGE),
    page,
    count,
    countKind: kind,
    pageCount: kind === "atLeast" ? undefined : Math.max(1, Math.ceil(count / USERS_PER_PAGE)),
    hasNextPage: rows.length > USERS_PER_PAGE,
    order,
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
