// Who may use the admin site and what they may do there (SPEC §12): active staff sign in with
// the same password checks as tokenAuth; superusers may do everything, other staff what their
// groups and direct permissions allow. Sessions live in the database so they can be ended.
import { randomBytes } from "node:crypto";
import type { Deps } from "../../deps.js";
import {
  deleteAdminSession,
  deleteExpiredAdminSessions,
  findAdminSession,
  findUserPermissionNames,
  insertAdminLogEntry,
  insertAdminSession,
  listAdminLogEntries,
  type AdminLogEntry,
} from "./access-store.js";
import { digestSecret } from "../tokens/secrets.js";
import { AccountsError } from "../errors.js";
import { isSignInAllowed } from "../rate-limits/limiter.js";
import { requireSecondFactor } from "../second-factor/sign-in.js";
import type { RequestOrigin, User } from "../types.js";
import { findUserByNaturalKey } from "../natural-key.js";
import { findUserById } from "../users-store.js";
import { updateUser } from "../user-writes-store.js";
import type { Db } from "../../db/database.js";
import { recordSignInFailure, recordWebhookEvent, userEvent } from "../webhooks/events.js";

export type { AdminLogEntry } from "./access-store.js";

const SESSION_TTL_MS = 14 * 24 * 3600 * 1000;

/** The admin session cookie; /graphql honours it only with a CSRF token (SPEC §3.2 step 3). */
export const ADMIN_SESSION_COOKIE = "gatehouse_admin_session";

export const ADMIN_MODELS = {
  user: { contentType: "accounts.user", codename: "user" },
  userStatus: { contentType: "accounts.userstatus", codename: "userstatus" },
  refreshToken: { contentType: "refresh_token.refreshtoken", codename: "refreshtoken" },
  group: { contentType: "auth.group", codename: "group" },
} as const;

export type AdminModel = keyof typeof ADMIN_MODELS;
export type AdminAction = "view" | "add" | "change" | "delete";

export const STAFF_LOGIN_ERROR = {
  message:
    "Please enter the correct username and password for a staff account. Note that both fields may be case-sensitive.",
  code: "invalid_login",
};

export interface AdminViewer {
  user: User;
  permissions: ReadonlySet<string>;
}

/**
 * Signs a staff user in; returns the session cookie value. Throws AccountsError(invalid_login),
 * also once the tokenAuth limits (same counters) are used up: the form shows its usual message.
 */
export async function signInToAdmin(
  deps: Pick<Deps, "config" | "db" | "clock" | "passwords" | "events" | "rateLimiter">,
  /**
   * `username` is the value of USERNAME_FIELD (Django's admin login asks for that field); `otp`
   * the code of a user whose second factor is on, which the admin asks for as tokenAuth does.
   */
  credentials: { username: string; password: string; otp?: string },
  client: Pick<RequestOrigin, "ip">,
): Promise<{ sessionToken: string; user: User }> {
  if (!(await isSignInAllowed(deps, { identifier: credentials.username, origin: client }))) {
    throw new AccountsError({ nonFieldErrors: [STAFF_LOGIN_ERROR] });
  }
  const user = await findUserByNaturalKey(deps, credentials.username);
  const caller = { caller: client.ip };
  const isPasswordRight =
    user === undefined
      ? await deps.passwords.verifyAgainstDummy(credentials.password, caller).then(() => false)
      : await deps.passwords.verify(credentials.password, user.passwordHash, caller);
  if (user === undefined || !isPasswordRight || !user.isActive || !user.isStaff) {
    await recordSignInFailure(deps, user, {
      method: "admin",
      ip: client.ip,
      identifier: credentials.username,
    });
    throw new AccountsError({ nonFieldErrors: [STAFF_LOGIN_ERROR] });
  }
  await requireSecondFactor(deps, user, credentials.otp, client);
  const now = deps.clock.now();
  const sessionToken = randomBytes(32).toString("base64url");
  const rehashed = deps.passwords.needsRehash(user.passwordHash)
    ? await deps.passwords.hash(credentials.password, caller)
    : undefined;
  await deps.db.transaction().execute(async (tx) => {
    await deleteExpiredAdminSessions(tx, now);
    await insertAdminSession(tx, {
      userId: user.id,
      digest: digestSecret(sessionToken),
      createdAt: now,
      expiresAt: new Date(now.getTime() + SESSION_TTL_MS),
    });
    await updateUser(tx, user.id, {
      lastLogin: now,
      ...(rehashed === undefined ? {} : { passwordHash: rehashed }),
    });
    await recordWebhookEvent(
      deps,
      tx,
      userEvent("user.signed_in", user, {
        ip: client.ip ?? null,
        via: "admin",
        method: "password",
      }),
    );
  });
  deps.events.emit("user_logged_in", { user, method: "admin" });
  return { sessionToken, user };
}

/** The staff member a session cookie belongs to, with their permissions; undefined otherwise. */
export async function adminViewerForSession(
  deps: Pick<Deps, "db" | "clock">,
  sessionToken: string | undefined,
): Promise<AdminViewer | undefined> {
  if (sessionToken === undefined || sessionToken === "") return undefined;
  const session = await findAdminSession(deps.db, digestSecret(sessionToken));
  if (session === undefined || session.expiresAt < deps.clock.now()) return undefined;
  const user = await findUserById(deps.db, session.userId);
  if (user === undefined || !user.isActive || !user.isStaff) return undefined;
  const permissions = user.isSuperuser
    ? new Set<string>()
    : new Set(await findUserPermissionNames(deps.db, user.id));
  return { user, permissions };
}

export async function signOutOfAdmin(deps: Pick<Deps, "db">, sessionToken: string): Promise<void> {
  await deleteAdminSession(deps.db, digestSecret(sessionToken));
}

/** Django's rule: superusers may do everything; `change` also grants `view`. */
export function canAdmin(viewer: AdminViewer, action: AdminAction, model: AdminModel): boolean {
  if (viewer.user.isSuperuser) return true;
  const { contentType, codename } = ADMIN_MODELS[model];
  const has = (verb: AdminAction) => viewer.permissions.has(`${contentType}.${verb}_${codename}`);
  return has(action) || (action === "view" && has("change"));
}

/** The refusal the admin answers with its 403 page. */
export function permissionDenied(): AccountsError {
  return new AccountsError({
    nonFieldErrors: [
      {
        message: "You do not have permission to perform this action.",
        code: "permission_denied",
      },
    ],
  });
}

/** Throws FORBIDDEN-style AccountsError when the viewer lacks the permission. */
export function requireAdmin(viewer: AdminViewer, action: AdminAction, model: AdminModel): void {
  if (!canAdmin(viewer, action, model)) throw permissionDenied();
}

const ADMIN_ACTION_FLAGS = { add: 1, change: 2, delete: 3 } as const;

/** Records one admin change inside the transaction that makes it. */
export async function recordAdminChange(
  deps: Pick<Deps, "clock">,
  tx: Db,
  change: {
    actor: User;
    model: AdminModel;
    objectId: string | number;
    objectRepr: string;
    kind: keyof typeof ADMIN_ACTION_FLAGS;
    message: string;
  },
): Promise<void> {
  await insertAdminLogEntry(tx, {
    actionTime: deps.clock.now(),
    userId: change.actor.id,
    contentType: ADMIN_MODELS[change.model].contentType,
    objectId: String(change.objectId),
    objectRepr: change.objectRepr,
    actionFlag: ADMIN_ACTION_FLAGS[change.kind],
    changeMessage: change.message,
  });
}

export function recentAdminActions(
  deps: Pick<Deps, "db">,
  options: { userId?: number; limit?: number } = {},
): Promise<AdminLogEntry[]> {
  return listAdminLogEntries(deps.db, { ...options, limit: options.limit ?? 10 });
}

export function objectHistory(
  deps: Pick<Deps, "db">,
  model: AdminModel,
  objectId: string | number,
): Promise<AdminLogEntry[]> {
  return listAdminLogEntries(deps.db, {
    contentType: ADMIN_MODELS[model].contentType,
    objectId: String(objectId),
    limit: 200,
  });
}
