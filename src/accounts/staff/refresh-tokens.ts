// The admin's Refresh tokens section (SPEC §2.4, §7.2, §12): list, filter, revoke and delete.
// Only a digest and an 8-character prefix are stored, so no page can ever show a whole token.
import type { Deps } from "../../deps.js";
import {
  objectHistory,
  recordAdminChange,
  requireAdmin,
  type AdminLogEntry,
  type AdminViewer,
} from "./access.js";
import { pageWindow, type AdminListPage } from "./user-statuses.js";
import {
  countAdminRefreshTokens,
  deleteRefreshTokensById,
  findAdminRefreshTokens,
  listAdminRefreshTokens,
  revokeRefreshTokensById,
  type AdminRefreshTokenFilter,
  type AdminRefreshTokenRow,
} from "./refresh-tokens-store.js";
import { digestSecret } from "../tokens/secrets.js";
import { recordWebhookEvent, sessionsRevokedEvent } from "../webhooks/events.js";

export interface AdminRefreshToken extends AdminRefreshTokenRow {
  /** The display string: the token is never known, only its first characters (SPEC §2.4). */
  name: string;
  expiresAt: Date;
  isExpired: boolean;
}

export interface RefreshTokenQuery {
  search: string;
  isRevoked?: boolean | undefined;
  isExpired?: boolean | undefined;
  page: number;
}

type TokenDeps = Pick<Deps, "db" | "clock" | "config">;

function lifetimeMs(deps: Pick<Deps, "config">): number {
  return deps.config.jwt.refreshExpirationDeltaSeconds * 1000;
}

/** Expired exactly when refreshTokens would refuse it for age: now > created + delta. */
function toAdminToken(deps: TokenDeps, row: AdminRefreshTokenRow): AdminRefreshToken {
  const expiresAt = new Date(row.created.getTime() + lifetimeMs(deps));
  return {
    ...row,
    name: `${row.tokenPrefix}…`,
    expiresAt,
    isExpired: deps.clock.now() > expiresAt,
  };
}

// A whole token is hex of JWT_REFRESH_TOKEN_N_BYTES (16–64) bytes, a setting that may have changed
// since the token was issued. Pasting one finds exactly its row through the digest, as a refresh
// does, not every token that happens to share its first 8 characters.
const WHOLE_TOKEN = /^[0-9a-f]{32,128}$/i;

function toFilter(deps: TokenDeps, query: RefreshTokenQuery): AdminRefreshTokenFilter {
  const filter: AdminRefreshTokenFilter = {};
  const text = query.search.trim();
  if (text !== "") {
    filter.search = WHOLE_TOKEN.test(text)
      ? { text, tokenDigest: digestSecret(text.toLowerCase()) }
      : { text };
  }
  if (query.isRevoked !== undefined) filter.isRevoked = query.isRevoked;
  if (query.isExpired !== undefined) {
    filter.expiry = {
      isExpired: query.isExpired,
      cutoff: new Date(deps.clock.now().getTime() - lifetimeMs(deps)),
    };
  }
  return filter;
}

/** Newest first; search matches the username (ignoring case) or the token's start. */
export async function listRefreshTokensForAdmin(
  deps: TokenDeps,
  viewer: AdminViewer,
  query: RefreshTokenQuery,
): Promise<AdminListPage<AdminRefreshToken>> {
  requireAdmin(viewer, "view", "refreshToken");
  const filter = toFilter(deps, query);
  const count = await countAdminRefreshTokens(deps.db, filter);
  const window = pageWindow(count, query.page);
  const rows = await listAdminRefreshTokens(deps.db, filter, window);
  return {
    items: rows.map((row) => toAdminToken(deps, row)),
    count,
    page: window.page,
    pageCount: window.pageCount,
  };
}

/** Undefined when absent. Throws permission_denied. */
export async function getRefreshTokenForAdmin(
  deps: TokenDeps,
  viewer: AdminViewer,
  id: number,
): Promise<AdminRefreshToken | undefined> {
  requireAdmin(viewer, "view", "refreshToken");
  const [row] = await findAdminRefreshTokens(deps.db, [id]);
  return row === undefined ? undefined : toAdminToken(deps, row);
}

/** The tokens a delete confirmation lists; asking already needs the delete permission. */
export async function refreshTokensToDelete(
  deps: TokenDeps,
  viewer: AdminViewer,
  ids: readonly number[],
): Promise<AdminRefreshToken[]> {
  requireAdmin(viewer, "delete", "refreshToken");
  const rows = await findAdminRefreshTokens(deps.db, ids);
  return rows.map((row) => toAdminToken(deps, row));
}

/**
 * "Revoke selected refresh tokens": stamps only the live ones (SPEC §7.2 [FIX]), logs each and
 * emits refresh_token_revoked for each. Returns how many were revoked. Throws permission_denied.
 */
export async function revokeSelectedRefreshTokens(
  deps: Pick<Deps, "db" | "clock" | "events">,
  viewer: AdminViewer,
  ids: readonly number[],
): Promise<number> {
  requireAdmin(viewer, "change", "refreshToken");
  const now = deps.clock.now();
  const revoked = await deps.db.transaction().execute(async (tx) => {
    const rows = await findAdminRefreshTokens(tx, await revokeRefreshTokensById(tx, ids, now));
    for (const row of rows) {
      await recordAdminChange(deps, tx, {
        actor: viewer.user,
        model: "refreshToken",
        objectId: row.id,
        objectRepr: `${row.tokenPrefix}…`,
        kind: "change",
        message: "Revoked.",
      });
      await recordWebhookEvent(
        deps,
        tx,
        sessionsRevokedEvent(row.userId, { sessionIds: [], by: "staff", refreshTokenId: row.id }),
      );
    }
    return rows;
  });
  for (const row of revoked)
    deps.events.emit("refresh_token_revoked", { userId: row.userId, tokenId: row.id });
  return revoked.length;
}

/** Deletes the selected tokens and logs each deletion. Returns how many. Throws permission_denied. */
export async function deleteSelectedRefreshTokens(
  deps: Pick<Deps, "db" | "clock">,
  viewer: AdminViewer,
  ids: readonly number[],
): Promise<number> {
  requireAdmin(viewer, "delete", "refreshToken");
  return deps.db.transaction().execute(async (tx) => {
    const rows = await findAdminRefreshTokens(tx, ids);
    await deleteRefreshTokensById(
      tx,
      rows.map((row) => row.id),
    );
    for (const row of rows) {
      await recordAdminChange(deps, tx, {
        actor: viewer.user,
        model: "refreshToken",
        objectId: row.id,
        objectRepr: `${row.tokenPrefix}…`,
        kind: "delete",
        message: "Deleted.",
      });
    }
    return rows.length;
  });
}

/** The token (if it still exists) and its admin log, newest first. Throws permission_denied. */
export async function refreshTokenHistory(
  deps: TokenDeps,
  viewer: AdminViewer,
  id: number,
): Promise<{ token: AdminRefreshToken | undefined; entries: AdminLogEntry[] }> {
  const token = await getRefreshTokenForAdmin(deps, viewer, id);
  return { token, entries: await objectHistory(deps, "refreshToken", id) };
}
