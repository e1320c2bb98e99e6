// The admin's User status section (SPEC §2.3, §12): list, change verified / archived / secondary
// email, history. Also the paging every admin list shares (Django's list_per_page of 100).
import type { Deps } from "../../deps.js";
import {
  objectHistory,
  recordAdminChange,
  requireAdmin,
  type AdminLogEntry,
  type AdminViewer,
} from "./access.js";
import { accountToChange, requireMayChangeAccount } from "./privileges.js";
import { AccountsError } from "../errors.js";
import type { User } from "../types.js";
import { countUsers, listUsers, type UserFilter } from "../user-list-store.js";
import { findUserById } from "../users-store.js";
import { isEmailTaken, lockEmailAddress } from "../user-uniqueness-store.js";
import { updateUserStatus, type StatusChanges } from "../user-writes-store.js";
import { foldCase } from "../validation.js";
import { EMAIL_ARGUMENT_MAX_LENGTH, emailErrors, normalizeEmail } from "../validation.js";
import { recordStaffUserChange } from "../webhooks/events.js";

const ADMIN_PAGE_SIZE = 100;

export interface AdminListPage<T> {
  items: T[];
  count: number;
  page: number;
  pageCount: number;
}

/** Clamps a requested page number into range (Django would 404; a stale link should still land). */
export function pageWindow(count: number, requestedPage: number) {
  const pageCount = Math.max(1, Math.ceil(count / ADMIN_PAGE_SIZE));
  const page = Math.min(
    Math.max(1, Number.isFinite(requestedPage) ? Math.trunc(requestedPage) : 1),
    pageCount,
  );
  return { page, pageCount, offset: (page - 1) * ADMIN_PAGE_SIZE, limit: ADMIN_PAGE_SIZE };
}

export interface AdminUserStatus {
  userId: number;
  username: string;
  /** SPEC §2.3's display string, `<username> - status`. */
  name: string;
  verified: boolean;
  archived: boolean;
  secondaryEmail: string | null;
  /** Only superusers may change a superuser's status (privileges.ts). */
  isSuperuser: boolean;
}

function toAdminStatus(user: User): AdminUserStatus {
  return {
    userId: user.id,
    username: user.username,
    isSuperuser: user.isSuperuser,
    name: `${user.username} - status`,
    ...user.status,
  };
}

export interface UserStatusQuery {
  search: string;
  verified?: boolean | undefined;
  archived?: boolean | undefined;
  page: number;
}

/** Ordered by user id; search matches usernames ignoring case. Throws permission_denied. */
export async function listUserStatuses(
  deps: Pick<Deps, "db">,
  viewer: AdminViewer,
  query: UserStatusQuery,
): Promise<AdminListPage<AdminUserStatus>> {
  requireAdmin(viewer, "view", "userStatus");
  const filters: UserFilter[] = [];
  if (query.search !== "")
    filters.push({ field: "username", lookup: "icontains", value: query.search });
  if (query.verified !== undefined)
    filters.push({ field: "status__verified", lookup: "exact", value: query.verified });
  if (query.archived !== undefined)
    filters.push({ field: "status__archived", lookup: "exact", value: query.archived });
  const count = await countUsers(deps.db, filters);
  const window = pageWindow(count, query.page);
  const users = await listUsers(deps.db, filters, window);
  return { items: users.map(toAdminStatus), count, page: window.page, pageCount: window.pageCount };
}

/** Undefined when the user does not exist. Throws permission_denied. */
export async function getUserStatus(
  deps: Pick<Deps, "db">,
  viewer: AdminViewer,
  userId: number,
): Promise<AdminUserStatus | undefined> {
  requireAdmin(viewer, "view", "userStatus");
  const user = await findUserById(deps.db, userId);
  return user === undefined ? undefined : toAdminStatus(user);
}

export interface UserStatusInput {
  verified: boolean;
  archived: boolean;
  /** As typed in the form; empty means none. */
  secondaryEmail: string;
}

function cleanSecondaryEmail(raw: string): string | null {
  const email = normalizeEmail(raw);
  if (email === "") return null;
  const errors = emailErrors(email, EMAIL_ARGUMENT_MAX_LENGTH);
  if (errors.length > 0) throw new AccountsError({ secondary_email: errors });
  return email;
}

const FIELD_LABELS: Record<keyof StatusChanges, string> = {
  verified: "verified",
  archived: "archived",
  secondaryEmail: "secondary email",
};

/** Django's change message: "Changed verified and archived." */
export function changeMessage(labels: readonly string[]): string {
  if (labels.length === 0) return "No fields changed.";
  const last = labels[labels.length - 1] ?? "";
  const list = labels.length === 1 ? last : `${labels.slice(0, -1).join(", ")} and ${last}`;
  return `Changed ${list}.`;
}

function statusChanges(user: User, wanted: Required<StatusChanges>): StatusChanges {
  const changes: StatusChanges = {};
  if (wanted.verified !== user.status.verified) changes.verified = wanted.verified;
  if (wanted.archived !== user.status.archived) changes.archived = wanted.archived;
  if (wanted.secondaryEmail !== user.status.secondaryEmail)
    changes.secondaryEmail = wanted.secondaryEmail;
  return changes;
}

/**
 * Saves the status form and logs the change. The secondary email must be free as anyone's
 * primary or secondary address, ignoring case (SPEC §2.2 [FIX]). Throws permission_denied (also
 * for a superuser's status when the viewer is none), or field errors keyed `secondary_email`;
 * undefined when the user does not exist.
 */
export async function changeUserStatus(
  deps: Pick<Deps, "db" | "clock">,
  viewer: AdminViewer,
  userId: number,
  input: UserStatusInput,
): Promise<AdminUserStatus | undefined> {
  requireAdmin(viewer, "change", "userStatus");
  const secondaryEmail = cleanSecondaryEmail(input.secondaryEmail);
  return deps.db.transaction().execute(async (tx) => {
    // A superuser's secondary email receives password resets: only a superuser may change it.
    const user = await findUserById(tx, userId);
    if (user === undefined) return undefined;
    requireMayChangeAccount(viewer, user);
    const changes = statusChanges(user, {
      verified: input.verified,
      archived: input.archived,
      secondaryEmail,
    });
    // Only a different address needs checking: the user's own one, recased, is not "taken".
    if (
      secondaryEmail !== null &&
      foldCase(secondaryEmail) !== foldCase(user.status.secondaryEmail ?? "")
    ) {
      await lockEmailAddress(tx, secondaryEmail);
      if (await isEmailTaken(tx, secondaryEmail))
        throw AccountsError.of("EMAIL_IN_USE", "secondary_email");
    }
    // Again with the row locked (after the address, the order other writers take them in): the
    // user may have been promoted since the read above.
    await accountToChange(tx, viewer, userId);
    await updateUserStatus(tx, userId, changes);
    const message = changeMessage(
      (Object.keys(changes) as (keyof StatusChanges)[]).map((key) => FIELD_LABELS[key]),
    );
    const status = toAdminStatus(user);
    await recordAdminChange(deps, tx, {
      actor: viewer.user,
      model: "userStatus",
      objectId: userId,
      objectRepr: status.name,
      kind: "change",
      message,
    });
    await recordStaffUserChange(deps, tx, user);
    return { ...status, verified: input.verified, archived: input.archived, secondaryEmail };
  });
}

/** The status and its admin log, newest first; undefined when the user does not exist. */
export async function userStatusHistory(
  deps: Pick<Deps, "db">,
  viewer: AdminViewer,
  userId: number,
): Promise<{ status: AdminUserStatus; entries: AdminLogEntry[] } | undefined> {
  const status = await getUserStatus(deps, viewer, userId);
  if (status === undefined) return undefined;
  return { status, entries: await objectHistory(deps, "userStatus", userId) };
}
