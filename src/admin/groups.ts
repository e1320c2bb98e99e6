// Admin pages for Groups (SPEC §2.5, §12): list and search, add, change (name and permission
// checkboxes grouped by model), delete with confirmation, history.
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { canAdmin, requireAdmin, type AdminViewer } from "../accounts/staff/access.js";
import {
  changeGroup,
  createGroup,
  deleteGroupForAdmin,
  getGroupForAdmin,
  groupDeletionSummary,
  groupHistory,
  listGroupsForAdmin,
  permissionSections,
  type GroupInput,
  type GroupRecord,
} from "../accounts/staff/groups.js";
import type { ErrorMap } from "../accounts/errors.js";
import type { Deps } from "../deps.js";
import { notFound } from "./error-pages.js";
import { attempt, formBody, formList, formText, isChecked } from "./forms.js";
import { csrfCheck, requireViewer } from "./guards.js";
import { pathId } from "./ids.js";
import { listQuery, pagination } from "./list-page.js";
import { flash, renderPage } from "./render.js";

const BASE = "/admin/groups/";

type FormState = { id?: number; name: string; permissionIds: readonly string[] };

async function renderGroupForm(
  deps: Deps,
  request: FastifyRequest,
  reply: FastifyReply,
  viewer: AdminViewer,
  form: FormState,
  errors?: ErrorMap,
) {
  const selected = new Set(form.permissionIds);
  const sections = (await permissionSections(deps, viewer)).map((section) => ({
    ...section,
    permissions: section.permissions.map((permission) => ({
      ...permission,
      isChecked: selected.has(String(permission.id)),
    })),
  }));
  const isAdd = form.id === undefined;
  const canSave = canAdmin(viewer, isAdd ? "add" : "change", "group");
  return renderPage(request, reply, "groups/form.html", {
    title: `${isAdd ? "Add" : canSave ? "Change" : "View"} group`,
    section: "group",
    form,
    sections,
    isAdd,
    canSave,
    canDelete: !isAdd && canAdmin(viewer, "delete", "group"),
    action: isAdd ? `${BASE}add/` : `${BASE}${String(form.id)}/change/`,
    errors,
  });
}

function formInput(request: FastifyRequest): GroupInput {
  const body = formBody(request);
  return { name: formText(body, "name"), permissionIds: formList(body, "permissions") };
}

/** Where "Save", "Save and continue editing" and "Save and add another" lead. */
function afterSave(request: FastifyRequest, group: GroupRecord): { next: string; hint: string } {
  const body = formBody(request);
  if (isChecked(body, "_continue"))
    return { next: `${BASE}${String(group.id)}/change/`, hint: " You may edit it again below." };
  if (isChecked(body, "_addanother"))
    return { next: `${BASE}add/`, hint: " You may add another group below." };
  return { next: BASE, hint: "" };
}

function asFormState(group: GroupRecord): FormState {
  return { id: group.id, name: group.name, permissionIds: group.permissionIds.map(String) };
}

export function registerGroupPages(scope: FastifyInstance, deps: Deps): void {
  const checkCsrf = csrfCheck(scope);
  scope.get("/groups/", (request, reply) => showList(deps, request, reply));
  scope.get("/groups/add/", (request, reply) => showAddForm(deps, request, reply));
  scope.post("/groups/add/", { preHandler: checkCsrf }, (request, reply) =>
    saveAddForm(deps, request, reply),
  );
  scope.get("/groups/:id/change/", (request, reply) => showChangeForm(deps, request, reply));
  scope.post("/groups/:id/change/", { preHandler: checkCsrf }, (request, reply) =>
    saveChangeForm(deps, request, reply),
  );
  scope.get("/groups/:id/delete/", (request, reply) => confirmDelete(deps, request, reply));
  scope.post("/groups/:id/delete/", { preHandler: checkCsrf }, (request, reply) =>
    deleteOne(deps, request, reply),
  );
  scope.get("/groups/:id/history/", (request, reply) => showHistory(deps, request, reply));
}

async function showList(deps: Deps, request: FastifyRequest, reply: FastifyReply) {
  const viewer = requireViewer(request, reply);
  if (viewer === undefined) return reply;
  const query = listQuery(request, ["q", "p"]);
  const result = await listGroupsForAdmin(deps, viewer, {
    search: query.q ?? "",
    page: Number(query.p ?? 1),
  });
  return renderPage(request, reply, "groups/list.html", {
    title: "Select group to change",
    section: "group",
    result,
    q: query.q ?? "",
    pagination: pagination(BASE, query, result),
    canAdd: canAdmin(viewer, "add", "group"),
  });
}

async function showAddForm(deps: Deps, request: FastifyRequest, reply: FastifyReply) {
  const viewer = requireViewer(request, reply);
  if (viewer === undefined) return reply;
  requireAdmin(viewer, "add", "group");
  return renderGroupForm(deps, request, reply, viewer, { name: "", permissionIds: [] });
}

async function saveAddForm(deps: Deps, request: FastifyRequest, reply: FastifyReply) {
  const viewer = requireViewer(request, reply);
  if (viewer === undefined) return reply;
  const input = formInput(request);
  const outcome = await attempt(() => createGroup(deps, viewer, input));
  if ("errors" in outcome)
    return renderGroupForm(deps, request, reply, viewer, input, outcome.errors);
  const group = outcome.value;
  const { next, hint } = afterSave(request, group);
  flash(reply, `The group “${group.name}” was added successfully.${hint}`);
  return reply.redirect(next);
}

async function showChangeForm(deps: Deps, request: FastifyRequest, reply: FastifyReply) {
  const viewer = requireViewer(request, reply);
  if (viewer === undefined) return reply;
  const id = pathId(request, "id");
  const group = id === undefined ? undefined : await getGroupForAdmin(deps, viewer, id);
  if (group === undefined) return notFound(request, reply, "group");
  return renderGroupForm(deps, request, reply, viewer, asFormState(group));
}

async function saveChangeForm(deps: Deps, request: FastifyRequest, reply: FastifyReply) {
  const viewer = requireViewer(request, reply);
  if (viewer === undefined) return reply;
  const id = pathId(request, "id");
  if (id === undefined) return notFound(request, reply, "group");
  const input = formInput(request);
  const outcome = await attempt(() => changeGroup(deps, viewer, id, input));
  if ("errors" in outcome)
    return renderGroupForm(deps, request, reply, viewer, { id, ...input }, outcome.errors);
  const group = outcome.value;
  if (group === undefined) return notFound(request, reply, "group");
  const { next, hint } = afterSave(request, group);
  flash(reply, `The group “${group.name}” was changed successfully.${hint}`);
  return reply.redirect(next);
}

async function confirmDelete(deps: Deps, request: FastifyRequest, reply: FastifyReply) {
  const viewer = requireViewer(request, reply);
  if (viewer === undefined) return reply;
  const id = pathId(request, "id");
  const summary = id === undefined ? undefined : await groupDeletionSummary(deps, viewer, id);
  if (summary === undefined) return notFound(request, reply, "group");
  return renderPage(request, reply, "groups/delete.html", {
    title: "Are you sure?",
    section: "group",
    ...summary,
  });
}

async function deleteOne(deps: Deps, request: FastifyRequest, reply: FastifyReply) {
  const viewer = requireViewer(request, reply);
  if (viewer === undefined) return reply;
  const id = pathId(request, "id");
  const group = id === undefined ? undefined : await deleteGroupForAdmin(deps, viewer, id);
  if (group === undefined) return notFound(request, reply, "group");
  flash(reply, `The group “${group.name}” was deleted successfully.`);
  return reply.redirect(BASE);
}

async function showHistory(deps: Deps, request: FastifyRequest, reply: FastifyReply) {
  const viewer = requireViewer(request, reply);
  if (viewer === undefined) return reply;
  const id = pathId(request, "id");
  if (id === undefined) return notFound(request, reply, "group");
  const history = await groupHistory(deps, viewer, id);
  // A deleted group keeps its history: the log is what says who deleted it.
  if (history.group === undefined && history.entries.length === 0)
    return notFound(request, reply, "group");
  const name = history.group?.name ?? history.entries[0]?.objectRepr ?? "";
  return renderPage(request, reply, "groups/history.html", {
    title: `Change history: ${name}`,
    section: "group",
    id,
    name,
    group: history.group,
    entries: history.entries,
  });
}
