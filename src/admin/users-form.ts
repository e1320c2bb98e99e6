// The user change form: its fields read from a post or from the stored user, and the page that
// shows them with the group and permission choices.
import type { FastifyReply, FastifyRequest } from "fastify";
import { canAdmin, type AdminViewer } from "../accounts/staff/access.js";
import { canChangeAccount } from "../accounts/staff/privileges.js";
import type { AdminUserChange } from "../accounts/staff/user-changes.js";
import { adminUserChoices, type getUserForAdmin } from "../accounts/staff/users.js";
import type { ErrorMap } from "../accounts/errors.js";
import type { Deps } from "../deps.js";
import { formList, formText, isChecked, type FormBody } from "./forms.js";
import { parseId } from "./ids.js";
import { renderPage } from "./render.js";

type LoadedUser = NonNullable<Awaited<ReturnType<typeof getUserForAdmin>>>;

// An id that cannot exist stays in as NaN, so the form reports an invalid choice instead of
// dropping it silently.
const choiceIds = (body: FormBody, name: string): number[] =>
  formList(body, name).map((raw) => parseId(raw) ?? Number.NaN);

export function changeFormOf(body: FormBody): AdminUserChange {
  return {
    username: formText(body, "username"),
    email: formText(body, "email"),
    firstName: formText(body, "first_name"),
    lastName: formText(body, "last_name"),
    isActive: isChecked(body, "is_active"),
    isStaff: isChecked(body, "is_staff"),
    isSuperuser: isChecked(body, "is_superuser"),
    groupIds: choiceIds(body, "groups"),
    permissionIds: choiceIds(body, "user_permissions"),
    verified: isChecked(body, "verified"),
    archived: isChecked(body, "archived"),
    secondaryEmail: formText(body, "secondary_email"),
  };
}

export function changeFormFromUser(loaded: LoadedUser): AdminUserChange {
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

function formatTime(date: Date | null): string {
  return date === null ? "" : `${date.toISOString().slice(0, 19).replace("T", " ")} UTC`;
}

export async function renderChangePage(
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
    // A superuser is shown read-only to staff who are not: saving would be refused.
    canChange: canAdmin(viewer, "change", "user") && canChangeAccount(viewer, loaded.user),
    canDelete: canAdmin(viewer, "delete", "user") && canChangeAccount(viewer, loaded.user),
    canEditSuperuser: viewer.user.isSuperuser,
    errors: page.errors,
  });
}
