// The user list's bulk actions (Django's changelist actions): nothing happens without an action
// and at least one selected row, and the list comes back with the filters it had.
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import {
  applyBulkUserAction,
  BULK_USER_ACTIONS,
  type BulkUserAction,
} from "../accounts/staff/user-changes.js";
import type { Deps } from "../deps.js";
import { formBody, formList, formText } from "./forms.js";
import { csrfCheck, requireViewer } from "./guards.js";
import { parseId } from "./ids.js";
import { NOTHING_SELECTED } from "./list-page.js";
import { flash } from "./render.js";
import { deleteSelectedUsers } from "./users-delete.js";
import { listUrl } from "./users-list.js";

export function registerUserActions(scope: FastifyInstance, deps: Deps): void {
  scope.post("/users/action/", { preHandler: csrfCheck(scope) }, (request, reply) =>
    runBulkAction(deps, request, reply),
  );
}

async function runBulkAction(deps: Deps, request: FastifyRequest, reply: FastifyReply) {
  const viewer = requireViewer(request, reply);
  if (viewer === undefined) return reply;
  const body = formBody(request);
  const action = formText(body, "action");
  const selected = formList(body, "_selected_action").flatMap((raw) => parseId(raw) ?? []);
  const back = listUrl(deps.config, formText(body, "_changelist_filters"));
  if (selected.length === 0) {
    flash(reply, NOTHING_SELECTED);
    return reply.redirect(back);
  }
  if (action === "delete_selected") {
    const isConfirmed = formText(body, "post") === "yes";
    return deleteSelectedUsers(deps, request, reply, { viewer, selected, back, isConfirmed });
  }
  const bulk = BULK_USER_ACTIONS.find((candidate) => candidate === action);
  if (bulk === undefined) {
    flash(reply, "No action selected.");
    return reply.redirect(back);
  }
  const changed = await applyBulkUserAction(deps, viewer, bulk, selected);
  flash(reply, bulkMessage(bulk, changed.length));
  return reply.redirect(back);
}

function usersCount(count: number): string {
  return count === 1 ? "1 user was" : `${String(count)} users were`;
}

function bulkMessage(action: BulkUserAction, count: number): string {
  switch (action) {
    case "activate":
      return `${usersCount(count)} successfully activated.`;
    case "deactivate":
      return `${usersCount(count)} successfully deactivated.`;
    case "mark_verified":
      return `${usersCount(count)} successfully marked as verified.`;
    case "log_out_everywhere":
      return `${usersCount(count)} successfully logged out everywhere.`;
  }
}
