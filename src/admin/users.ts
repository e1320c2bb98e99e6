// The admin's user pages (SPEC §12): the list and its bulk actions, deletion, and here add,
// change, set password and history. Handlers read forms and render pages; the accounts domain
// checks permissions, validates and records every change.
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { canAdmin, requireAdmin, type AdminViewer } from "../accounts/staff/access.js";
import { requireMayChangeAccount } from "../accounts/staff/privileges.js";
import {
  addUserFromAdmin,
  changeUserFromAdmin,
  setUserPasswordFromAdmin,
} from "../accounts/staff/user-changes.js";
import { getUserForAdmin, userHistory } from "../accounts/staff/users.js";
import type { ErrorMap } from "../accounts/errors.js";
import type { Deps } from "../deps.js";
import { notFound } from "./error-pages.js";
import { addFormErrors } from "./add-user-form.js";
import { attempt, formBody, formText, isChecked } from "./forms.js";
import { csrfCheck, requireViewer } from "./guards.js";
import { pathId } from "./ids.js";
import { flash, renderPage } from "./render.js";
import { registerUserActions } from "./users-actions.js";
import { registerUserDeletePage } from "./users-delete.js";
import { changeFormFromUser, changeFormOf, renderChangePage } from "./users-form.js";
import { registerUserListPage } from "./users-list.js";
import { registerUserSecondFactorReset } from "./users-second-factor.js";
import { registerUserPasskeyPages } from "./users-passkeys.js";
import { registerUserSessionPages } from "./users-sessions.js";

export function registerUserPages(scope: FastifyInstance, deps: Deps): void {
  const checkCsrf = csrfCheck(scope);
  registerUserListPage(scope, deps);
  registerUserActions(scope, deps);
  scope.get("/users/add/", showAddForm);
  scope.post("/users/add/", { preHandler: checkCsrf }, (request, reply) =>
    saveAddForm(deps, request, reply),
  );
  scope.get("/users/:id/change/", (request, reply) => showChangeForm(deps, request, reply));
  scope.post("/users/:id/change/", { preHandler: checkCsrf }, (request, reply) =>
    saveChangeForm(deps, request, reply),
  );
  scope.get("/users/:id/password/", (request, reply) => showPasswordForm(deps, request, reply));
  scope.post("/users/:id/password/", { preHandler: checkCsrf }, (request, reply) =>
    savePasswordForm(deps, request, reply),
  );
  registerUserDeletePage(scope, deps);
  registerUserSecondFactorReset(scope, deps);
  registerUserSessionPages(scope, deps);
  registerUserPasskeyPages(scope, deps);
  scope.get("/users/:id/history/", (request, reply) => showHistory(deps, request, reply));
}

/** The user a path names, if it exists and the viewer may see it. */
async function userOf(deps: Deps, request: FastifyRequest, viewer: AdminViewer) {
  const id = pathId(request, "id");
  return id === undefined ? undefined : getUserForAdmin(deps, viewer, id);
}

async function showAddForm(request: FastifyRequest, reply: FastifyReply) {
  const viewer = requireViewer(request, reply);
  if (viewer === undefined) return reply;
  requireAdmin(viewer, "add", "user");
  return renderPage(request, reply, "users/add.html", { section: "user", title: "Add user" });
}

async function saveAddForm(deps: Deps, request: FastifyRequest, reply: FastifyReply) {
  const viewer = requireViewer(request, reply);
  if (viewer === undefined) return reply;
  const body = formBody(request);
  const input = {
    username: formText(body, "username"),
    email: formText(body, "email"),
    password1: formText(body, "password1"),
    password2: formText(body, "password2"),
  };
  const outcome = await attempt(() => addUserFromAdmin(deps, viewer, input));
  if ("errors" in outcome) {
    const { username, email } = input;
    const page = {
      section: "user",
      title: "Add user",
      username,
      email,
      ...addFormErrors(outcome.errors),
    };
    return renderPage(request, reply, "users/add.html", page);
  }
  const user = outcome.value;
  // Django's "You may edit it again below" only for staff who may edit it.
  if (!canAdmin(viewer, "change", "user")) {
    flash(reply, `The user “${user.username}” was added successfully.`);
    return reply.redirect("/admin/users/");
  }
  flash(reply, `The user “${user.username}” was added successfully. You may edit it again below.`);
  return reply.redirect(`/admin/users/${String(user.id)}/change/`);
}

async function showChangeForm(deps: Deps, request: FastifyRequest, reply: FastifyReply) {
  const viewer = requireViewer(request, reply);
  if (viewer === undefined) return reply;
  const loaded = await userOf(deps, request, viewer);
  if (loaded === undefined) return notFound(request, reply, "user");
  return renderChangePage(deps, request, reply, {
    viewer,
    loaded,
    form: changeFormFromUser(deps.config, loaded),
  });
}

async function saveChangeForm(deps: Deps, request: FastifyRequest, reply: FastifyReply) {
  const viewer = requireViewer(request, reply);
  if (viewer === undefined) return reply;
  const id = pathId(request, "id");
  if (id === undefined) return notFound(request, reply, "user");
  const body = formBody(request);
  const input = changeFormOf(deps.config, body);
  const outcome = await attempt(() => changeUserFromAdmin(deps, viewer, id, input));
  const loaded = await getUserForAdmin(deps, viewer, id);
  if (loaded === undefined || ("value" in outcome && outcome.value === undefined))
    return notFound(request, reply, "user");
  if ("errors" in outcome) {
    const page = { viewer, loaded, form: input, errors: outcome.errors };
    return renderChangePage(deps, request, reply, page);
  }
  flash(reply, `The user “${loaded.user.username}” was changed successfully.`);
  return reply.redirect(
    isChecked(body, "_continue") ? `/admin/users/${String(id)}/change/` : "/admin/users/",
  );
}

async function showPasswordForm(
  deps: Deps,
  request: FastifyRequest,
  reply: FastifyReply,
  errors?: ErrorMap,
) {
  const viewer = requireViewer(request, reply);
  if (viewer === undefined) return reply;
  requireAdmin(viewer, "change", "user");
  const loaded = await userOf(deps, request, viewer);
  if (loaded === undefined) return notFound(request, reply, "user");
  requireMayChangeAccount(viewer, loaded.user);
  const { id, username } = loaded.user;
  return renderPage(request, reply, "users/password.html", {
    section: "user",
    title: `Change password: ${username}`,
    user: { id, username },
    errors,
  });
}

async function savePasswordForm(deps: Deps, request: FastifyRequest, reply: FastifyReply) {
  const viewer = requireViewer(request, reply);
  if (viewer === undefined) return reply;
  const id = pathId(request, "id");
  if (id === undefined) return notFound(request, reply, "user");
  const body = formBody(request);
  const passwords = {
    password1: formText(body, "password1"),
    password2: formText(body, "password2"),
  };
  const outcome = await attempt(() => setUserPasswordFromAdmin(deps, viewer, id, passwords));
  if ("errors" in outcome) return showPasswordForm(deps, request, reply, outcome.errors);
  if (outcome.value === undefined) return notFound(request, reply, "user");
  flash(reply, "Password changed successfully.");
  return reply.redirect(`/admin/users/${String(id)}/change/`);
}

async function showHistory(deps: Deps, request: FastifyRequest, reply: FastifyReply) {
  const viewer = requireViewer(request, reply);
  if (viewer === undefined) return reply;
  const loaded = await userOf(deps, request, viewer);
  if (loaded === undefined) return notFound(request, reply, "user");
  const { id, username } = loaded.user;
  return renderPage(request, reply, "users/history.html", {
    section: "user",
    title: `Change history: ${username}`,
    user: { id, username },
    entries: await userHistory(deps, viewer, id),
  });
}
