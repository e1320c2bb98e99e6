// Admin pages for User status (SPEC §2.3, §12): list, change form and history. There is no add
// page: a status row is created with its user.
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { canAdmin, type AdminViewer } from "../accounts/staff/access.js";
import {
  changeUserStatus,
  getUserStatus,
  listUserStatuses,
  userStatusHistory,
} from "../accounts/staff/user-statuses.js";
import { AccountsError } from "../accounts/errors.js";
import type { Deps } from "../deps.js";
import {
  formBody,
  formText,
  hiddenFields,
  isChecked,
  listQuery,
  notFound,
  pagination,
  pathId,
  yesNo,
  yesNoFilter,
} from "./list-page.js";
import { csrfCheck, requireViewer } from "./plugin.js";
import { flash, renderPage } from "./render.js";

const BASE = "/admin/user-status/";

export function registerUserStatusPages(scope: FastifyInstance, deps: Deps): void {
  const checkCsrf = csrfCheck(scope);
  scope.get("/user-status/", (request, reply) => showList(deps, request, reply));
  scope.get("/user-status/:userId/change/", (request, reply) =>
    showChangeForm(deps, request, reply),
  );
  scope.post("/user-status/:userId/change/", { preHandler: checkCsrf }, (request, reply) =>
    saveChangeForm(deps, request, reply),
  );
  scope.get("/user-status/:userId/history/", (request, reply) => showHistory(deps, request, reply));
}

async function showList(deps: Deps, request: FastifyRequest, reply: FastifyReply) {
  const viewer = requireViewer(request, reply);
  if (viewer === undefined) return reply;
  const query = listQuery(request, ["q", "verified", "archived", "p"]);
  const result = await listUserStatuses(deps, viewer, {
    search: query.q ?? "",
    verified: yesNo(query.verified),
    archived: yesNo(query.archived),
    page: Number(query.p ?? 1),
  });
  return renderPage(request, reply, "user-status/list.html", {
    title: "Select user status to change",
    section: "userStatus",
    result,
    q: query.q ?? "",
    hidden: hiddenFields(query, ["verified", "archived"]),
    filters: [
      yesNoFilter(BASE, query, "verified", "By verified"),
      yesNoFilter(BASE, query, "archived", "By archived"),
    ],
    pagination: pagination(BASE, query, result),
  });
}

async function showChangeForm(deps: Deps, request: FastifyRequest, reply: FastifyReply) {
  const viewer = requireViewer(request, reply);
  if (viewer === undefined) return reply;
  const status = await getUserStatus(deps, viewer, pathId(request, "userId"));
  if (status === undefined) return notFound(request, reply, "user status");
  return renderChangeForm(request, reply, viewer, status);
}

async function saveChangeForm(deps: Deps, request: FastifyRequest, reply: FastifyReply) {
  const viewer = requireViewer(request, reply);
  if (viewer === undefined) return reply;
  const userId = pathId(request, "userId");
  const body = formBody(request);
  const input = {
    verified: isChecked(body, "verified"),
    archived: isChecked(body, "archived"),
    secondaryEmail: formText(body, "secondary_email"),
  };
  try {
    const status = await changeUserStatus(deps, viewer, userId, input);
    if (status === undefined) return await notFound(request, reply, "user status");
    flash(reply, `The user status “${status.name}” was changed successfully.`);
    return await reply.redirect(
      body._continue === undefined ? BASE : `${BASE}${String(userId)}/change/`,
    );
  } catch (error) {
    // Field errors show the form again; a refusal goes on to the 403 page.
    if (!(error instanceof AccountsError) || error.hasCode("permission_denied")) throw error;
    const status = await getUserStatus(deps, viewer, userId);
    if (status === undefined) return notFound(request, reply, "user status");
    return renderChangeForm(request, reply, viewer, { ...status, ...input }, error.errors);
  }
}

async function showHistory(deps: Deps, request: FastifyRequest, reply: FastifyReply) {
  const viewer = requireViewer(request, reply);
  if (viewer === undefined) return reply;
  const history = await userStatusHistory(deps, viewer, pathId(request, "userId"));
  if (history === undefined) return notFound(request, reply, "user status");
  return renderPage(request, reply, "user-status/history.html", {
    title: `Change history: ${history.status.name}`,
    section: "userStatus",
    status: history.status,
    entries: history.entries,
  });
}

function renderChangeForm(
  request: FastifyRequest,
  reply: FastifyReply,
  viewer: AdminViewer,
  status: {
    userId: number;
    name: string;
    verified: boolean;
    archived: boolean;
    secondaryEmail: string | null;
  },
  errors?: Record<string, unknown>,
) {
  return renderPage(request, reply, "user-status/change.html", {
    title: canAdmin(viewer, "change", "userStatus") ? "Change user status" : "View user status",
    section: "userStatus",
    status,
    canChange: canAdmin(viewer, "change", "userStatus"),
    errors,
  });
}
