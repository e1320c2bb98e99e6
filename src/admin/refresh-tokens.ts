// Admin pages for Refresh tokens (SPEC §12): list with Revoked / Expired filters and search, the
// bulk actions (revoke selected, delete selected), a read-only detail page, delete and history.
// Tokens are shown by prefix only: the database holds nothing more (SPEC §2.4 [FIX]).
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { canAdmin, type AdminViewer } from "../accounts/staff/access.js";
import {
  deleteSelectedRefreshTokens,
  getRefreshTokenForAdmin,
  listRefreshTokensForAdmin,
  refreshTokenHistory,
  refreshTokensToDelete,
  revokeSelectedRefreshTokens,
} from "../accounts/staff/refresh-tokens.js";
import type { Deps } from "../deps.js";
import { notFound } from "./error-pages.js";
import { formBody, formList, formText } from "./forms.js";
import { csrfCheck, requireViewer } from "./guards.js";
import { parseId, pathId } from "./ids.js";
import {
  hiddenFields,
  listHref,
  listQuery,
  NOTHING_SELECTED,
  pagination,
  pickParams,
  yesNo,
  yesNoFilter,
  type QueryValues,
} from "./list-page.js";
import { flash, renderPage } from "./render.js";

const BASE = "/admin/refresh-tokens/";
const LIST_PARAMS = ["q", "revoked", "expired", "p"] as const;

// Refresh token ids are 64-bit (the table grows without bound); beyond 2^53 they cannot be ours.
const TOKEN_ID_MAX = Number.MAX_SAFE_INTEGER;

function tokenId(request: FastifyRequest): number | undefined {
  return pathId(request, "id", TOKEN_ID_MAX);
}

function tokensNoun(count: number): string {
  return `${String(count)} refresh token${count === 1 ? "" : "s"}`;
}

function permissionsOf(viewer: AdminViewer) {
  return {
    canChange: canAdmin(viewer, "change", "refreshToken"),
    canDelete: canAdmin(viewer, "delete", "refreshToken"),
  };
}

export function registerRefreshTokenPages(scope: FastifyInstance, deps: Deps): void {
  const checkCsrf = csrfCheck(scope);
  scope.get("/refresh-tokens/", (request, reply) => showList(deps, request, reply));
  scope.post("/refresh-tokens/action/", { preHandler: checkCsrf }, (request, reply) =>
    runBulkAction(deps, request, reply),
  );
  scope.get("/refresh-tokens/:id/", (request, reply) => showDetail(deps, request, reply));
  scope.get("/refresh-tokens/:id/delete/", (request, reply) => confirmDelete(deps, request, reply));
  scope.post("/refresh-tokens/:id/delete/", { preHandler: checkCsrf }, (request, reply) =>
    deleteOne(deps, request, reply),
  );
  scope.get("/refresh-tokens/:id/history/", (request, reply) => showHistory(deps, request, reply));
}

async function showList(deps: Deps, request: FastifyRequest, reply: FastifyReply) {
  const viewer = requireViewer(request, reply);
  if (viewer === undefined) return reply;
  const query = listQuery(request, LIST_PARAMS);
  const result = await listRefreshTokensForAdmin(deps, viewer, {
    search: query.q ?? "",
    isRevoked: yesNo(query.revoked),
    isExpired: yesNo(query.expired),
    page: Number(query.p ?? 1),
  });
  return renderPage(request, reply, "refresh-tokens/list.html", {
    title: "Select refresh token to change",
    section: "refreshToken",
    result,
    q: query.q ?? "",
    hidden: hiddenFields(query, ["revoked", "expired"]),
    listState: hiddenFields(query, LIST_PARAMS),
    filters: [
      yesNoFilter(BASE, query, "revoked", "By revoked"),
      yesNoFilter(BASE, query, "expired", "By expired"),
    ],
    pagination: pagination(BASE, query, result),
    ...permissionsOf(viewer),
  });
}

async function showDetail(deps: Deps, request: FastifyRequest, reply: FastifyReply) {
  const viewer = requireViewer(request, reply);
  if (viewer === undefined) return reply;
  const id = tokenId(request);
  const token = id === undefined ? undefined : await getRefreshTokenForAdmin(deps, viewer, id);
  if (token === undefined) return notFound(request, reply, "refresh token");
  return renderPage(request, reply, "refresh-tokens/detail.html", {
    title: "View refresh token",
    section: "refreshToken",
    token,
    ...permissionsOf(viewer),
  });
}

async function confirmDelete(deps: Deps, request: FastifyRequest, reply: FastifyReply) {
  const viewer = requireViewer(request, reply);
  if (viewer === undefined) return reply;
  const id = tokenId(request);
  const tokens = id === undefined ? [] : await refreshTokensToDelete(deps, viewer, [id]);
  if (tokens.length === 0) return notFound(request, reply, "refresh token");
  return renderPage(request, reply, "refresh-tokens/delete.html", {
    title: "Are you sure?",
    section: "refreshToken",
    tokens,
    isBulk: false,
  });
}

async function deleteOne(deps: Deps, request: FastifyRequest, reply: FastifyReply) {
  const viewer = requireViewer(request, reply);
  if (viewer === undefined) return reply;
  const id = tokenId(request);
  const [token] = id === undefined ? [] : await refreshTokensToDelete(deps, viewer, [id]);
  if (token === undefined || (await deleteSelectedRefreshTokens(deps, viewer, [token.id])) === 0) {
    return notFound(request, reply, "refresh token");
  }
  flash(reply, `The refresh token “${token.name}” was deleted successfully.`);
  return reply.redirect(BASE);
}

async function showHistory(deps: Deps, request: FastifyRequest, reply: FastifyReply) {
  const viewer = requireViewer(request, reply);
  if (viewer === undefined) return reply;
  const id = tokenId(request);
  if (id === undefined) return notFound(request, reply, "refresh token");
  const history = await refreshTokenHistory(deps, viewer, id);
  // A deleted token keeps its history: the log is what says who deleted it.
  if (history.token === undefined && history.entries.length === 0)
    return notFound(request, reply, "refresh token");
  return renderPage(request, reply, "refresh-tokens/history.html", {
    title: "Change history: refresh token",
    section: "refreshToken",
    token: history.token,
    name: history.token?.name ?? history.entries[0]?.objectRepr,
    entries: history.entries,
  });
}

/** Django's changelist actions: nothing happens without an action and at least one row. */
async function runBulkAction(deps: Deps, request: FastifyRequest, reply: FastifyReply) {
  const viewer = requireViewer(request, reply);
  if (viewer === undefined) return reply;
  const body = formBody(request);
  const selection: Selection = {
    viewer,
    ids: formList(body, "_selected_action").flatMap((raw) => parseId(raw, TOKEN_ID_MAX) ?? []),
    state: pickParams(body, LIST_PARAMS),
  };
  const back = listHref(BASE, selection.state);
  const action = formText(body, "action");
  if (action === "delete_selected")
    return deleteSelected(deps, request, reply, selection, formText(body, "post") === "yes");
  if (action !== "revoke_selected") {
    flash(reply, "No action selected.");
    return reply.redirect(back);
  }
  const revoked = await revokeSelectedRefreshTokens(deps, viewer, selection.ids);
  flash(
    reply,
    selection.ids.length === 0 ? NOTHING_SELECTED : `Successfully revoked ${tokensNoun(revoked)}.`,
  );
  return reply.redirect(back);
}

type Selection = { viewer: AdminViewer; ids: number[]; state: QueryValues };

/** Deleting the selected tokens: a confirmation page first, whose form posts `post=yes`. */
async function deleteSelected(
  deps: Deps,
  request: FastifyRequest,
  reply: FastifyReply,
  { viewer, ids, state }: Selection,
  isConfirmed: boolean,
) {
  const tokens = await refreshTokensToDelete(deps, viewer, ids);
  if (tokens.length === 0) {
    flash(reply, NOTHING_SELECTED);
    return reply.redirect(listHref(BASE, state));
  }
  if (!isConfirmed)
    return renderPage(request, reply, "refresh-tokens/delete.html", {
      title: "Are you sure?",
      section: "refreshToken",
      tokens,
      isBulk: true,
      listState: hiddenFields(state, LIST_PARAMS),
    });
  const deleted = await deleteSelectedRefreshTokens(
    deps,
    viewer,
    tokens.map((token) => token.id),
  );
  flash(reply, `Successfully deleted ${tokensNoun(deleted)}.`);
  return reply.redirect(listHref(BASE, state));
}
