// Admin pages for User status (SPEC §2.3, §12): list, change form and history. There is no add
// page: a status row is created with its user.
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { canAdmin, type AdminViewer } from "../accounts/staff/access.js";
import { canChangeAccount } from "../accounts/staff/privileges.js";
import {
  changeUserStatus,
  getUserStatus,
  listUserStatuses,
  userStatusHistory,
} from "../accounts/staff/user-statuses.js";
import type { ErrorMap } from "../accounts/errors.js";
import type { Deps } from "../deps.js";
import { notFound } from "./error-pages.js";
import { attempt, formBody, formText, isChecked } from "./forms.js";
import { csrfCheck, requireViewer } from "./guards.js";
import { pathId } from "./ids.js";
import { hiddenFields, listQuery, pagination, yesNo, yesNoFilter } from "./list-page.js";
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
  const userId = pathId(request, "userId");
  const status = userId === undefined ? undefined : await getUserStatus(deps, viewer, userId);
  if (status === undefined) return notFound(request, reply, "user status");
  return renderChangeForm(request, reply, viewer, status);
}

async function saveChangeForm(deps: Deps, request: FastifyRequest, reply: FastifyReply) {
  const viewer = requireViewer(request, reply);
  if (viewer === undefined) return reply;
  const userId = pathId(request, "userId");
  if (userId === undefined) return notFound(request, reply, "user status");
  const body = formBody(request);
  const input = {
    verified: isChecked(body, "verified"),
    archived: isChecked(body, "archived"),
    secondaryEmail: formText(body, "secondary_email"),
  };
  const outcome = await attempt(() => changeUserStatus(deps, viewer, userId, input));
  if ("errors" in outcome) {
    const status = await getUserStatus(deps, viewer, userId);
    if (status === undefined) return notFound(request, reply, "user status");
    return renderChangeForm(request, reply, viewer, { ...status, ...input }, outcome.errors);
  }
  if (outcome.value === undefined) return notFound(request, reply, "user status");
  flash(reply, `The user status “${outcome.value.name}” was changed successfully.`);
  return reply.redirect(isChecked(body, "_continue") ? `${BASE}${String(userId)}/change/` : BASE);
}

async function showHistory(deps: Deps, request: FastifyRequest, reply: FastifyReply) {
  const viewer = requireViewer(request, reply);
  if (viewer === undefined) return reply;
  const userId = pathId(request, "userId");
  const history = userId === undefined ? undefined : await userStatusHistory(deps, viewer, userId);
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
    isSuperuser: boolean;
  },
  errors?: ErrorMap,
) {
  // A superuser's status is shown read-only to staff who are not: saving would be refused.
  const canChange = canAdmin(viewer, "change", "userStatus") && canChangeAccount(viewer, status);
  return renderPage(request, reply, "user-status/change.html", {
    title: canChange ? "Change user status" : "View user status",
    section: "userStatus",
    status,
    canChange,
    errors,
  });
}
