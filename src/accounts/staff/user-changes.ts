// What staff change on accounts in the admin site: the same validation, hashing, status rows and
// token revocation as the API, each change recorded in the admin log in the transaction making it.
import type { Deps } from "../../deps.js";
import { recordAdminChange, requireAdmin, type AdminViewer } from "./access.js";
import { deleteUserAdminSessions } from "./access-store.js";
import { accountsToChange, accountToChange, requireMayChangeAccount } from "./privileges.js";
import {
  findDirectPermissionIds,
  findEmailOwnerIds,
  findUserGroupIds,
  findUsernameOwnerIds,
} from "./users-store.js";
import { takenFieldError, type AdminUserChange } from "./user-form.js";
import { cleanUserChange, describeUserChange } from "./user-form-changes.js";
import { AccountsError, FieldErrors, MESSAGES } from "../errors.js";
import { declaredFieldClash, newUserFieldColumns } from "../fields/user-fields.js";
import { checkUserPassword, type PasswordCheckOrigin } from "../passwords/checks.js";
import { cleanPasswordPair } from "../password-reset.js";
import { cleanNewPasswords } from "../registration.js";
import { endAllSessions } from "../tokens/revocation.js";
import type { User } from "../types.js";
import { findUserById } from "../users-store.js";
import {
  findLookAlikeUserIds,
  lockEmailAddress,
  takenUserField,
} from "../user-uniqueness-store.js";
import { deleteUser, insertUser, updateUser, updateUserStatus } from "../user-writes-store.js";
import { cleanEmail, cleanUsername } from "../validation.js";
import {
  recordStaffUserChange,
  recordWebhookEvent,
  sessionsRevokedEvent,
  userEvent,
} from "../webhooks/events.js";

export type { AdminUserChange } from "./user-form.js";

type AdminDeps = Pick<Deps, "db" | "clock">;
type PasswordDeps = Pick<Deps, "config" | "db" | "clock" | "passwords" | "passwordPolicy">;

/**
 * The admin's "change my password": old password checked, validators applied; API sessions end,
 * the admin session that made the change stays. Throws field errors (old_password, new_password2).
 */
export async function changeOwnPassword(
  deps: Pick<Deps, "config" | "db" | "clock" | "passwords" | "passwordPolicy" | "rateLimiter">,
  user: User,
  input: { oldPassword: string; newPassword1: string; newPassword2: string },
  origin: PasswordCheckOrigin,
): Promise<void> {
  if (!(await checkUserPassword(deps, user, input.oldPassword, origin))) {
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
  const passwordHash = await deps.passwords.hash(password, { caller: origin.ip });
  await deps.db.transaction().execute(async (tx) => {
    await endAllSessions(deps, tx, user);
    await updateUser(tx, user.id, { passwordHash });
    await recordWebhookEvent(
      deps,
      tx,
      userEvent("user.password_changed", user, { by: "admin_site" }),
    );
  });
}

/** "Log out everywhere": refresh tokens revoked, access tokens refused, admin sessions ended. */
async function logOutEverywhere(
  deps: Pick<Deps, "db" | "clock">,
  tx: Deps["db"],
  user: User,
): Promise<void> {
  await endAllSessions(deps, tx, user);
  await deleteUserAdminSessions(tx, user.id);
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
  const username = cleanUsername(input.username, errors, "username");
  if (!errors.has("username") && (await findUsernameOwnerIds(deps.db, username)).length > 0)
    errors.add("username", MESSAGES.usernameTaken());
  else if (!errors.has("username") && (await findLookAlikeUserIds(deps.db, username)).length > 0)
    errors.add("username", MESSAGES.usernameSimilar());
  const email = cleanEmail(input.email, errors, "email");
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
        fieldColumns: newUserFieldColumns(deps.config),
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
      await recordWebhookEvent(deps, tx, userEvent("user.registered", created, { by: "staff" }));
      return created;
    });
  } catch (error) {
    const taken = takenUserField(error);
    throw taken === undefined ? error : takenFieldError(taken);
  }
}

/**
 * Saves the change form (user fields, declared fields, status inline, groups, direct
 * permissions). Deactivating ends the user's sessions; changing the email sends no mail. Returns
 * undefined when the user is gone; throws field errors keyed by form field (grants refused
 * there), or permission_denied for a superuser when the viewer is none (privileges.ts).
 */
export async function changeUserFromAdmin(
  deps: Pick<Deps, "config" | "db" | "clock" | "events">,
  viewer: AdminViewer,
  id: number,
  input: AdminUserChange,
): Promise<User | undefined> {
  requireAdmin(viewer, "change", "user");
  const current = await findUserById(deps.db, id);
  if (current === undefined) return undefined;
  requireMayChangeAccount(viewer, current);
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
      await recordStaffUserChange(deps, tx, current);
    });
  } catch (error) {
    // A declared unique value another user took after the form was checked.
    const clash = declaredFieldClash(deps.config, error);
    if (clash !== undefined) throw clash;
    const taken = takenUserField(error);
    throw taken === undefined ? error : takenFieldError(taken);
  }
  const changed = await findUserById(deps.db, id);
  if (changed !== undefined && !current.status.verified && changed.status.verified)
    deps.events.emit("user_verified", { user: changed });
  return changed;
}

/**
 * The admin's set-password form for any user: validators apply, the user's sessions end (the
 * admin's own session stays when they set their own). Returns undefined when the user is gone;
 * throws permission_denied for a superuser when the viewer is none (privileges.ts).
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
  requireMayChangeAccount(viewer, user);
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
    // Hashing ran outside this transaction; the user may have been promoted since.
    if ((await accountToChange(tx, viewer, id)) === undefined) return;
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
    await recordWebhookEvent(deps, tx, userEvent("user.password_changed", user, { by: "staff" }));
  });
  return user;
}

/**
 * Deletes the users with their status rows and refresh tokens; returns the usernames deleted.
 * Throws permission_denied, deleting none, when a non-superuser's selection holds a superuser.
 */
export async function deleteUsersFromAdmin(
  deps: AdminDeps,
  viewer: AdminViewer,
  ids: readonly number[],
): Promise<string[]> {
  requireAdmin(viewer, "delete", "user");
  return deps.db.transaction().execute(async (tx) => {
    const deleted: string[] = [];
    for (const user of await accountsToChange(tx, viewer, ids)) {
      const { id } = user;
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
      await recordWebhookEvent(
        deps,
        tx,
        userEvent("user.deleted", user, { permanently: true, by: "staff" }),
      );
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
 * users changed. Deactivating and logging out everywhere end every session of the user. As
 * Django's delete_selected does, a selection with a user out of the viewer's reach (a superuser,
 * for a non-superuser) is refused whole: permission_denied, nobody changed.
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
    for (const user of await accountsToChange(tx, viewer, ids)) {
      const message = await applyToOne(deps, tx, action, user);
      if (message === undefined) continue;
      await recordAdminChange(deps, tx, {
        actor: viewer.user,
        model: "user",
        objectId: user.id,
        objectRepr: user.username,
        kind: "change",
        message,
      });
      if (action === "log_out_everywhere") {
        await recordWebhookEvent(
          deps,
          tx,
          sessionsRevokedEvent(user.id, { sessionIds: "all", by: "staff" }),
        );
      } else {
        await recordStaffUserChange(deps, tx, user);
      }
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
