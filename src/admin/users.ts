// The admin's user pages (SPEC §12): the list (search, filters, sorting, pagination, bulk
// actions), add, change, set password, delete and history. Handlers read forms and render pages;
// the accounts domain checks permissions, validates and records every change.
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { canAdmin, requireAdmin, type AdminViewer } from "../accounts/staff/access.js";
import {
  addUserFromAdmin,
  applyBulkUserAction,
  BULK_USER_ACTIONS,
  changeUserFromAdmin,
  deleteUsersFromAdmin,
  setUserPasswordFromAdmin,
  type AdminUserChange,
  type BulkUserAction,
} from "../accounts/staff/user-changes.js";
import {
  adminUserChoices,
  getUserForAdmin,
  previewUserDeletion,
  userHistory,
} from "../accounts/staff/users.js";
import { AccountsError, type ErrorMap } from "../accounts/errors.js";
import type { Deps } from "../deps.js";
import { csrfCheck, requireViewer } from "./plugin.js";
import { flash, renderPage } from "./render.js";
import { listPageData, listUrl, parseListQuery, type QueryParams } from "./users-list.js";

type Form = Record<string, unknown>;

function formOf(request: FastifyRequest): Form {
  return (request.body ?? {}) as Form;
}

/** Every string submitted under `name` (checkboxes and multi-selects repeat the name). */
function values(form: Form, name: string): string[] {
  const value = form[name];
  if (Array.isArray(value)) return value.filter((item): item is string => typeof item === "string");
  return typeof value === "string" ? [value] : [];
}

const text = (form: Form, name: string): string => values(form, name)[0] ?? "";
const isChecked = (form: Form, name: string): boolean =>
  values(form, name).some((value) => value !== "");
// Anything but a plain id within PostgreSQL's integer range becomes NaN, which names nothing.
const numbers = (items: string[]): number[] =>
  items.map((item) => (/^\d{1,9}$/.test(item) ? Number(item) : Number.NaN));

function idParam(request: FastifyRequest): number | undefined {
  const { id } = request.params as { id?: string };
  return id !== undefined && /^\d{1,9}$/.test(id) ? Number(id) : undefined;
}

/** The outcome of a form submission: its value, or the field errors to show with the form. */
async function attempt<T>(work: () => Promise<T>): Promise<{ value: T } | { errors: ErrorMap }> {
  try {
    return { value: await work() };
  } catch (error) {
    // Refusals go on to the 403 page; only form errors are shown with the form.
    if (!(error instanceof AccountsError) || error.hasCode("permission_denied")) throw error;
    return { errors: error.errors };
  }
}

function notFound(reply: FastifyReply): FastifyReply {
  reply.callNotFound();
  return reply;
}

function formatTime(date: Date | null): string {
  return date === null ? "" : `${date.toISOString().slice(0, 19).replace("T", " ")} UTC`;
}

function changeFormOf(form: Form): AdminUserChange {
  return {
    username: text(form, "username"),
    email: text(form, "email"),
    firstName: text(form, "first_name"),
    lastName: text(form, "last_name"),
    isActive: isChecked(form, "is_active"),
    isStaff: isChecked(form, "is_staff"),
    isSuperuser: isChecked(form, "is_superuser"),
    groupIds: numbers(values(form, "groups")),
    permissionIds: numbers(values(form, "user_permissions")),
    verified: isChecked(form, "verified"),
    archived: isChecked(form, "archived"),
    secondaryEmail: text(form, "secondary_email"),
  };
}

type LoadedUser = NonNullable<Awaited<ReturnType<typeof getUserForAdmin>>>;

function changeFormFromUser(loaded: LoadedUser): AdminUserChange {
  const { user } = loaded;
  return {
    username: user.username,
    email: user.email,
    firstName: user.firstName,
    lastName: user.lastName,
    isActive: user.isActive,
    isStaff: user.isStaff,
    isSuperuser: user.isSuperuser,
    groupIds: loaded.groupIds,
    permissionIds: loaded.permissionIds,
    verified: user.status.verified,
    archived: user.status.archived,
    secondaryEmail: user.status.secondaryEmail ?? "",
  };
}

async function renderChangePage(
  deps: Deps,
  request: FastifyRequest,
  reply: FastifyReply,
  page: { viewer: AdminViewer; loaded: LoadedUser; form: AdminUserChange; errors?: ErrorMap },
): Promise<FastifyReply> {
  const { viewer, loaded, form } = page;
  const choices = await adminUserChoices(deps, viewer);
  return renderPage(request, reply, "users/change.html", {
    section: "user",
    title: `Change user: ${loaded.user.username}`,
    user: {
      id: loaded.user.id,
      username: loaded.user.username,
      lastLogin: formatTime(loaded.user.lastLogin),
      dateJoined: formatTime(loaded.user.dateJoined),
    },
    form,
    groups: choices.groups.map((group) => ({
      ...group,
      isSelected: form.groupIds.includes(group.id),
    })),
    permissions: choices.permissions.map((permission) => ({
      ...permission,
      isChecked: form.permissionIds.includes(permission.id),
    })),
    password: loaded.password,
    canChange: canAdmin(viewer, "change", "user"),
    canDelete: canAdmin(viewer, "delete", "user"),
    canEditSuperuser: viewer.user.isSuperuser,
    errors: page.errors,
  });
}

function registerListPages(scope: FastifyInstance, deps: Deps): void {
  const checkCsrf = csrfCheck(scope);

  scope.get("/users/", async (request, reply) => {
    const viewer = requireViewer(request, reply);
    if (viewer === undefined) return reply;
    const params = request.query as QueryParams;
    const data = await listPageData(deps, viewer, params, parseListQuery(params));
    return renderPage(request, reply, "users/list.html", {
      section: "user",
      title: "Select user to change",
      ...data,
    });
  });

  scope.post("/users/action/", { preHandler: checkCsrf }, async (request, reply) => {
    const viewer = requireViewer(request, reply);
    if (viewer === undefined) return reply;
    const form = formOf(request);
    const action = text(form, "action");
    const selected = numbers(values(form, "_selected_action")).filter(Number.isSafeInteger);
    const back = listUrl(text(form, "_changelist_filters"));
    if (selected.length === 0) {
      flash(
        reply,
        "Items must be selected in order to perform actions on them. No items have been changed.",
      );
      return reply.redirect(back);
    }
    if (action === "delete_selected")
      return deleteSelected(deps, request, reply, {
        viewer,
        selected,
        back,
        isConfirmed: text(form, "post") === "yes",
      });
    const bulk = BULK_USER_ACTIONS.find((candidate) => candidate === action);
    if (bulk === undefined) {
      flash(reply, "No action selected.");
      return reply.redirect(back);
    }
    const changed = await applyBulkUserAction(deps, viewer, bulk, selected);
    flash(reply, bulkMessage(bulk, changed.length));
    return reply.redirect(back);
  });
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

async function deleteSelected(
  deps: Deps,
  request: FastifyRequest,
  reply: FastifyReply,
  options: { viewer: AdminViewer; selected: number[]; back: string; isConfirmed: boolean },
): Promise<FastifyReply> {
  const { viewer, selected, back } = options;
  if (options.isConfirmed) {
    const deleted = await deleteUsersFromAdmin(deps, viewer, selected);
    flash(
      reply,
      `Successfully deleted ${String(deleted.length)} ${deleted.length === 1 ? "user" : "users"}.`,
    );
    return reply.redirect(back);
  }
  const previews = await previewUserDeletion(deps, viewer, selected);
  return renderPage(
    request,
    reply,
    "users/delete.html",
    deletePageData(previews, { isBulk: true, back }),
  );
}

function deletePageData(
  previews: Awaited<ReturnType<typeof previewUserDeletion>>,
  options: { isBulk: boolean; back: string },
) {
  const tokenCount = previews.reduce((sum, preview) => sum + preview.refreshTokens.total, 0);
  return {
    section: "user",
    title: "Are you sure?",
    previews: previews.map((preview) => ({
      ...preview,
      hiddenTokens: preview.refreshTokens.total - preview.refreshTokens.prefixes.length,
    })),
    summary: { users: previews.length, statuses: previews.length, refreshTokens: tokenCount },
    isBulk: options.isBulk,
    back: options.back,
    filtersQuery: options.back.split("?")[1] ?? "",
  };
}

function registerAddPage(scope: FastifyInstance, deps: Deps): void {
  scope.get("/users/add/", async (request, reply) => {
    const viewer = requireViewer(request, reply);
    if (viewer === undefined) return reply;
    requireAdmin(viewer, "add", "user");
    return renderPage(request, reply, "users/add.html", { section: "user", title: "Add user" });
  });

  scope.post("/users/add/", { preHandler: csrfCheck(scope) }, async (request, reply) => {
    const viewer = requireViewer(request, reply);
    if (viewer === undefined) return reply;
    const form = formOf(request);
    const input = {
      username: text(form, "username"),
      email: text(form, "email"),
      password1: text(form, "password1"),
      password2: text(form, "password2"),
    };
    const outcome = await attempt(() => addUserFromAdmin(deps, viewer, input));
    if ("errors" in outcome) {
      return renderPage(request, reply, "users/add.html", {
        section: "user",
        title: "Add user",
        username: input.username,
        email: input.email,
        errors: outcome.errors,
      });
    }
    const user = outcome.value;
    if (!canAdmin(viewer, "change", "user")) {
      flash(reply, `The user “${user.username}” was added successfully.`);
      return reply.redirect("/admin/users/");
    }
    flash(
      reply,
      `The user “${user.username}” was added successfully. You may edit it again below.`,
    );
    return reply.redirect(`/admin/users/${String(user.id)}/change/`);
  });
}

function registerChangePages(scope: FastifyInstance, deps: Deps): void {
  scope.get("/users/:id/change/", async (request, reply) => {
    const viewer = requireViewer(request, reply);
    if (viewer === undefined) return reply;
    const id = idParam(request);
    const loaded = id === undefined ? undefined : await getUserForAdmin(deps, viewer, id);
    if (loaded === undefined) return notFound(reply);
    return renderChangePage(deps, request, reply, {
      viewer,
      loaded,
      form: changeFormFromUser(loaded),
    });
  });

  scope.post("/users/:id/change/", { preHandler: csrfCheck(scope) }, async (request, reply) => {
    const viewer = requireViewer(request, reply);
    if (viewer === undefined) return reply;
    const id = idParam(request);
    if (id === undefined) return notFound(reply);
    const form = formOf(request);
    const input = changeFormOf(form);
    const outcome = await attempt(() => changeUserFromAdmin(deps, viewer, id, input));
    const loaded = await getUserForAdmin(deps, viewer, id);
    if (loaded === undefined || ("value" in outcome && outcome.value === undefined))
      return notFound(reply);
    if ("errors" in outcome)
      return renderChangePage(deps, request, reply, {
        viewer,
        loaded,
        form: input,
        errors: outcome.errors,
      });
    flash(reply, `The user “${loaded.user.username}” was changed successfully.`);
    return reply.redirect(
      isChecked(form, "_continue") ? `/admin/users/${String(id)}/change/` : "/admin/users/",
    );
  });
}

function registerPasswordPage(scope: FastifyInstance, deps: Deps): void {
  const show = async (
    request: FastifyRequest,
    reply: FastifyReply,
    viewer: AdminViewer,
    errors?: ErrorMap,
  ) => {
    requireAdmin(viewer, "change", "user");
    const id = idParam(request);
    const loaded = id === undefined ? undefined : await getUserForAdmin(deps, viewer, id);
    if (loaded === undefined) return notFound(reply);
    const { username } = loaded.user;
    return renderPage(request, reply, "users/password.html", {
      section: "user",
      title: `Change password: ${username}`,
      user: { id: loaded.user.id, username },
      errors,
    });
  };

  scope.get("/users/:id/password/", async (request, reply) => {
    const viewer = requireViewer(request, reply);
    return viewer === undefined ? reply : show(request, reply, viewer);
  });

  scope.post("/users/:id/password/", { preHandler: csrfCheck(scope) }, async (request, reply) => {
    const viewer = requireViewer(request, reply);
    if (viewer === undefined) return reply;
    const id = idParam(request);
    if (id === undefined) return notFound(reply);
    const form = formOf(request);
    const outcome = await attempt(() =>
      setUserPasswordFromAdmin(deps, viewer, id, {
        password1: text(form, "password1"),
        password2: text(form, "password2"),
      }),
    );
    if ("errors" in outcome) return show(request, reply, viewer, outcome.errors);
    if (outcome.value === undefined) return notFound(reply);
    flash(reply, "Password changed successfully.");
    return reply.redirect(`/admin/users/${String(id)}/change/`);
  });
}

function registerDeleteAndHistoryPages(scope: FastifyInstance, deps: Deps): void {
  scope.get("/users/:id/delete/", async (request, reply) => {
    const viewer = requireViewer(request, reply);
    if (viewer === undefined) return reply;
    const id = idParam(request);
    const previews = id === undefined ? [] : await previewUserDeletion(deps, viewer, [id]);
    if (previews.length === 0) return notFound(reply);
    return renderPage(
      request,
      reply,
      "users/delete.html",
      deletePageData(previews, { isBulk: false, back: `/admin/users/${String(id)}/change/` }),
    );
  });

  scope.post("/users/:id/delete/", { preHandler: csrfCheck(scope) }, async (request, reply) => {
    const viewer = requireViewer(request, reply);
    if (viewer === undefined) return reply;
    const id = idParam(request);
    const deleted = id === undefined ? [] : await deleteUsersFromAdmin(deps, viewer, [id]);
    if (deleted.length === 0) return notFound(reply);
    flash(reply, `The user “${deleted.join("")}” was deleted successfully.`);
    return reply.redirect("/admin/users/");
  });

  scope.get("/users/:id/history/", async (request, reply) => {
    const viewer = requireViewer(request, reply);
    if (viewer === undefined) return reply;
    const id = idParam(request);
    const loaded = id === undefined ? undefined : await getUserForAdmin(deps, viewer, id);
    if (loaded === undefined) return notFound(reply);
    const entries = await userHistory(deps, viewer, loaded.user.id);
    return renderPage(request, reply, "users/history.html", {
      section: "user",
      title: `Change history: ${loaded.user.username}`,
      user: { id: loaded.user.id, username: loaded.user.username },
      entries,
    });
  });
}

export function registerUserPages(scope: FastifyInstance, deps: Deps): void {
  registerListPages(scope, deps);
  registerAddPage(scope, deps);
  registerChangePages(scope, deps);
  registerPasswordPage(scope, deps);
  registerDeleteAndHistoryPages(scope, deps);
}
