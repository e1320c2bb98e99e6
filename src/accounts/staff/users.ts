// What staff do to accounts in the admin site: the same validation, hashing, status rows and
// token revocation as the API, each change recorded in the admin log in the transaction making it.
import type { Deps } from "../../deps.js";
import {
  objectHistory,
  recordAdminChange,
  requireAdmin,
  type AdminLogEntry,
  type AdminViewer,
} from "./access.js";
import { deleteUserAdminSessions } from "./access-store.js";
import {
  ADMIN_USER_SORT_COLUMNS,
  countUserSummaries,
  estimateUserCount,
  findDirectPermissionIds,
  findEmailOwnerIds,
  findUserGroupIds,
  findUsernameOwnerIds,
  listUserSummaries,
  previewUserRefreshTokens,
  type AdminUserCriteria,
  type AdminUserSortColumn,
  type AdminUserSummary,
  type GroupChoice,
  type PermissionChoice,
  type RefreshTokenPreview,
} from "./users-store.js";
import {
  cleanUserChange,
  describeUserChange,
  isUniqueViolation,
  summarizePasswordHash,
  uniqueViolationError,
  type AdminUserChange,
} from "./user-form.js";
import { AccountsError, FieldErrors, MESSAGES } from "../errors.js";
import { findAllGroups, listPermissions } from "./groups-store.js";
import { cleanPasswordPair } from "../password-reset.js";
import { cleanNewPasswords } from "../registration.js";
import { endAllSessions } from "../sessions.js";
import type { User } from "../types.js";
import {
  deleteUser,
  findUserById,
  insertUser,
  lockEmailAddress,
  updateUser,
  updateUserStatus,
} from "../users-store.js";
import { emailErrors, normalizeEmail, normalizeUsername, usernameErrors } from "../validation.js";

export type {
  AdminUserSortColumn,
  AdminUserSummary,
  GroupChoice,
  PermissionChoice,
} from "./users-store.js";
export { ADMIN_USER_SORT_COLUMNS } from "./users-store.js";
export type { AdminUserChange, PasswordSummary } from "./user-form.js";

type AdminDeps = Pick<Deps, "db" | "clock">;
type PasswordDeps = Pick<Deps, "db" | "clock" | "passwords" | "passwordPolicy">;

/**
 * The admin's "change my password": old password checked, validators applied; API sessions end,
 * the admin session that made the change stays. Throws field errors (old_password, new_password2).
 */
export async function changeOwnPassword(
  deps: Pick<Deps, "db" | "clock" | "passwords" | "passwordPolicy">,
  user: User,
  input: { oldPassword: string; newPassword1: string; newPassword2: string },
): Promise<void> {
  if (!(await deps.passwords.verify(input.oldPassword, user.passwordHash))) {
    throw new AccountsError({
      old_password: [
        {
          message: "Your old password was entered incorrectly. Please enter it again.",
          code: "password_incorrect",
        },
      ],
    });
  }
  const password = cleanPasswordPair(deps, user, input);
  const passwordHash = await deps.passwords.hash(password);
  await deps.db.transaction().execute(async (tx) => {
    await endAllSessions(deps, tx, user);
    await updateUser(tx, user.id, { passwordHash });
  });
}

/** "Log out everywhere": refresh tokens revoked, access tokens refused, admin sessions ended. */
export async function logOutEverywhere(
  deps: Pick<Deps, "db" | "clock">,
  tx: Deps["db"],
  user: User,
): Promise<void> {
  await endAllSessions(deps, tx, user);
  await deleteUserAdminSessions(tx, user.id);
}

// --- the list ---

export const USERS_PER_PAGE = 100;
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

/**
 * Django's add-user form: username, email, password twice (validators apply). The status row is
 * created unverified, as for every new user. Throws field errors keyed by form field.
 */
export async function addUserFromAdmin(
  deps: PasswordDeps,
  viewer: AdminViewer,
  input: { username: string; email: string; password1: string; password2: string },
): Promise<User> {
  requireAdmin(viewer, "add", "user");
  const errors = new FieldErrors();
  const username = normalizeUsername(input.username);
  for (const detail of usernameErrors(username)) errors.add("username", detail);
  if (!errors.has("username") && (await findUsernameOwnerIds(deps.db, username)).length > 0)
    errors.add("username", MESSAGES.usernameTaken());
  const email = normalizeEmail(input.email);
  for (const detail of emailErrors(email)) errors.add("email", detail);
  if (!errors.has("email") && (await findEmailOwnerIds(deps.db, email)).length > 0)
    errors.add("email", MESSAGES.primaryEmailTaken());
  const attributes = {
    ...(errors.has("username") ? {} : { username }),
    ...(errors.has("email") ? {} : { email }),
  };
  const password = cleanNewPasswords(deps, errors, input, attributes, {
    first: "password1",
    second: "password2",
  });
  errors.throwIfAny();
  if (password === undefined) throw new Error("clean passwords expected");
  const passwordHash = await deps.passwords.hash(password);
  try {
    return await deps.db.transaction().execute(async (tx) => {
      await lockEmailAddress(tx, email);
      if ((await findEmailOwnerIds(tx, email)).length > 0)
        throw new AccountsError({ email: [MESSAGES.primaryEmailTaken()] });
      const id = await insertUser(tx, {
        username,
        email,
        passwordHash,
        dateJoined: deps.clock.now(),
      });
      await recordAdminChange(deps, tx, {
        actor: viewer.user,
        model: "user",
        objectId: id,
        objectRepr: username,
        kind: "add",
        message: "Added.",
      });
      const created = await findUserById(tx, id);
      if (created === undefined) throw new Error("inserted user not found");
      return created;
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw uniqueViolationError(error);
    throw error;
  }
}

/**
 * Saves the change form (user fields, status inline, groups, direct permissions). Deactivating
 * ends the user's sessions; changing the email sends no mail. Returns undefined when the user is
 * gone; throws field errors keyed by form field.
 */
export async function changeUserFromAdmin(
  deps: Pick<Deps, "db" | "clock" | "events">,
  viewer: AdminViewer,
  id: number,
  input: AdminUserChange,
): Promise<User | undefined> {
  requireAdmin(viewer, "change", "user");
  const current = await findUserById(deps.db, id);
  if (current === undefined) return undefined;
  const [groupIds, permissionIds] = await Promise.all([
    findUserGroupIds(deps.db, id),
    findDirectPermissionIds(deps.db, id),
  ]);
  const cleaned = await cleanUserChange(
    deps,
    viewer,
    { user: current, groupIds, permissionIds },
    input,
  );
  try {
    await deps.db.transaction().execute(async (tx) => {
      await cleaned.apply(tx);
      if (current.isActive && !cleaned.values.isActive) await logOutEverywhere(deps, tx, current);
      const message = describeUserChange(
        cleaned.changedFields,
        cleaned.changedStatusFields,
        cleaned.values.username,
      );
      await recordAdminChange(deps, tx, {
        actor: viewer.user,
        model: "user",
        objectId: id,
        objectRepr: cleaned.values.username,
        kind: "change",
        message,
      });
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw uniqueViolationError(error);
    throw error;
  }
  const changed = await findUserById(deps.db, id);
  if (changed !== undefined && !current.status.verified && changed.status.verified)
    deps.events.emit("user_verified", { user: changed });
  return changed;
}

/**
 * The admin's set-password form for any user: validators apply, the user's sessions end (the
 * admin's own session stays when they set their own). Returns undefined when the user is gone.
 */
export async function setUserPasswordFromAdmin(
  deps: PasswordDeps,
  viewer: AdminViewer,
  id: number,
  input: { password1: string; password2: string },
): Promise<User | undefined> {
  requireAdmin(viewer, "change", "user");
  const user = await findUserById(deps.db, id);
  if (user === undefined) return undefined;
  const errors = new FieldErrors();
  const attributes = {
    username: user.username,
    first_name: user.firstName,
    last_name: user.lastName,
    email: user.email,
  };
  const password = cleanNewPasswords(deps, errors, input, attributes, {
    first: "password1",
    second: "password2",
  });
  errors.throwIfAny();
  if (password === undefined) throw new Error("clean passwords expected");
  const passwordHash = await deps.passwords.hash(password);
  await deps.db.transaction().execute(async (tx) => {
    await updateUser(tx, id, { passwordHash });
    await endAllSessions(deps, tx, user);
    if (user.id !== viewer.user.id) await deleteUserAdminSessions(tx, id);
    await recordAdminChange(deps, tx, {
      actor: viewer.user,
      model: "user",
      objectId: id,
      objectRepr: user.username,
      kind: "change",
      message: "Changed password.",
    });
  });
  return user;
}

// --- deletion and bulk actions ---

export interface DeletionPreview {
  id: number;
  username: string;
  statusRepr: string;
  refreshTokens: RefreshTokenPreview;
}

/** What deleting these users takes with them (for the confirmation page); absent ids are skipped. */
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

/** Deletes the users with their status rows and refresh tokens; returns the usernames deleted. */
export async function deleteUsersFromAdmin(
  deps: AdminDeps,
  viewer: AdminViewer,
  ids: readonly number[],
): Promise<string[]> {
  requireAdmin(viewer, "delete", "user");
  return deps.db.transaction().execute(async (tx) => {
    const deleted: string[] = [];
    for (const id of ids) {
      const user = await findUserById(tx, id);
      if (user === undefined) continue;
      // Logged before the row goes, so deleting oneself leaves an entry too (its actor set null).
      await recordAdminChange(deps, tx, {
        actor: viewer.user,
        model: "user",
        objectId: id,
        objectRepr: user.username,
        kind: "delete",
        message: "Deleted.",
      });
      await deleteUser(tx, id);
      deleted.push(user.username);
    }
    return deleted;
  });
}

export const BULK_USER_ACTIONS = [
  "activate",
  "deactivate",
  "mark_verified",
  "log_out_everywhere",
] as const;
export type BulkUserAction = (typeof BULK_USER_ACTIONS)[number];

async function applyToOne(
  deps: AdminDeps,
  tx: Deps["db"],
  action: BulkUserAction,
  user: User,
): Promise<string | undefined> {
  switch (action) {
    case "activate":
      if (user.isActive) return undefined;
      await updateUser(tx, user.id, { isActive: true });
      return "Changed is_active.";
    case "deactivate":
      if (!user.isActive) return undefined;
      await updateUser(tx, user.id, { isActive: false });
      await logOutEverywhere(deps, tx, user);
      return "Changed is_active.";
    case "mark_verified":
      if (user.status.verified) return undefined;
      await updateUserStatus(tx, user.id, { verified: true });
      return `Changed verified for user status “${user.username} - status”.`;
    case "log_out_everywhere":
      await logOutEverywhere(deps, tx, user);
      return "Logged out everywhere: refresh tokens revoked, access tokens refused.";
  }
}

/**
 * Applies a bulk action to the selected users, skipping those it would not change; returns the
 * users changed. Deactivating and logging out everywhere end every session of the user.
 */
export async function applyBulkUserAction(
  deps: Pick<Deps, "db" | "clock" | "events">,
  viewer: AdminViewer,
  action: BulkUserAction,
  ids: readonly number[],
): Promise<User[]> {
  requireAdmin(viewer, "change", "user");
  const changed = await deps.db.transaction().execute(async (tx) => {
    const users: User[] = [];
    for (const id of ids) {
      const user = await findUserById(tx, id);
      const message = user === undefined ? undefined : await applyToOne(deps, tx, action, user);
      if (user === undefined || message === undefined) continue;
      await recordAdminChange(deps, tx, {
        actor: viewer.user,
        model: "user",
        objectId: id,
        objectRepr: user.username,
        kind: "change",
        message,
      });
      users.push(user);
    }
    return users;
  });
  if (action === "mark_verified") {
    for (const user of changed)
      deps.events.emit("user_verified", {
        user: { ...user, status: { ...user.status, verified: true } },
      });
  }
  return changed;
}
