// The user change form: its fields read from a post or from the stored user, and the page that
// shows them with the group and permission choices and the declared fields' widgets.
import type { FastifyReply, FastifyRequest } from "fastify";
import { canAdmin, type AdminViewer } from "../accounts/staff/access.js";
import { canChangeAccount } from "../accounts/staff/privileges.js";
import type { AdminUserChange } from "../accounts/staff/user-changes.js";
import { declaredFormValues } from "../accounts/staff/declared-field-form.js";
import { adminUserChoices, type getUserForAdmin } from "../accounts/staff/users.js";
import { declaredFields, type UserFieldDeclaration } from "../accounts/fields/user-fields.js";
import type { ErrorDetail, ErrorMap } from "../accounts/errors.js";
import type { Deps } from "../deps.js";
import { formList, formText, isChecked, type FormBody } from "./forms.js";
import { parseId } from "./ids.js";
import { renderPage } from "./render.js";
import { secondFactorPanel } from "./users-second-factor.js";
import { passkeysPanel } from "./users-passkeys.js";
import { sessionsPanel } from "./users-sessions.js";

type LoadedUser = NonNullable<Awaited<ReturnType<typeof getUserForAdmin>>>;

// An id that cannot exist stays in as NaN, so the form reports an invalid choice instead of
// dropping it silently.
const choiceIds = (body: FormBody, name: string): number[] =>
  formList(body, name).map((raw) => parseId(raw) ?? Number.NaN);

/** The declared fields as posted: a checkbox "on" when ticked, other widgets their text. */
function declaredFieldsOf(config: Deps["config"], body: FormBody): Record<string, string> {
  return Object.fromEntries(
    declaredFields(config).map((field) => {
      const isCheckbox = field.type === "BooleanField" && !field.null;
      return [
        field.name,
        isCheckbox ? (isChecked(body, field.name) ? "on" : "") : formText(body, field.name),
      ];
    }),
  );
}

export function changeFormOf(config: Deps["config"], body: FormBody): AdminUserChange {
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
    fields: declaredFieldsOf(config, body),
  };
}

export function changeFormFromUser(config: Deps["config"], loaded: LoadedUser): AdminUserChange {
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
    fields: declaredFormValues(config, user),
  };
}

const INTEGER_TYPES = new Set(["IntegerField", "PositiveIntegerField", "BigIntegerField"]);
const INPUT_TYPES: Partial<Record<UserFieldDeclaration["type"], string>> = {
  EmailField: "email",
  URLField: "url",
  DateField: "date",
  DateTimeField: "datetime-local",
};

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Django's DecimalField step: 10^-decimal_places ("0.01"), "1" for none. */
function decimalStep(places: number | undefined): string {
  return places === undefined || places === 0 ? "1" : `0.${"0".repeat(places - 1)}1`;
}

interface FieldOption {
  value: string;
  label: string;
}

/** The select's options: Django's blank choice when the field may be blank or has no default. */
function selectOptions(field: UserFieldDeclaration): FieldOption[] | undefined {
  if (field.type === "BooleanField" && field.null)
    return [
      { value: "unknown", label: "Unknown" },
      { value: "true", label: "Yes" },
      { value: "false", label: "No" },
    ];
  if (field.choices === undefined) return undefined;
  const hasBlank = field.blank || field.default === undefined;
  return [
    ...(hasBlank ? [{ value: "", label: "---------" }] : []),
    ...field.choices.map((choice) => ({ value: String(choice.value), label: choice.label })),
  ];
}

function widgetOf(field: UserFieldDeclaration) {
  if (selectOptions(field) !== undefined) return { widget: "select" };
  if (field.type === "BooleanField") return { widget: "checkbox" };
  if (field.type === "TextField" || field.type === "JSONField") return { widget: "textarea" };
  if (INTEGER_TYPES.has(field.type))
    return {
      widget: "input",
      inputType: "number",
      step: "1",
      min: field.type === "PositiveIntegerField" ? "0" : undefined,
    };
  if (field.type === "FloatField") return { widget: "input", inputType: "number", step: "any" };
  if (field.type === "DecimalField")
    return { widget: "input", inputType: "number", step: decimalStep(field.decimalPlaces) };
  return { widget: "input", inputType: INPUT_TYPES[field.type] ?? "text" };
}

/** What the template needs to draw one declared field: widget, label, help, value and errors. */
function declaredFieldWidget(
  field: UserFieldDeclaration,
  value: string,
  errors: readonly ErrorDetail[],
) {
  const widget = widgetOf(field);
  // A datetime-local input refuses a value finer than its step: seconds, or milliseconds if any.
  const step = field.type === "DateTimeField" ? (value.includes(".") ? "0.001" : "1") : widget.step;
  return {
    ...widget,
    step,
    name: field.name,
    id: `id_${field.name}`,
    label: capitalize(field.verboseName),
    helpText: field.helpText,
    isUtc: field.type === "DateTimeField",
    value,
    isChecked: value === "on",
    maxLength: field.maxLength,
    // Django's `required` attribute: a field that may not be blank (a checkbox never is required).
    isRequired: !field.blank && field.type !== "BooleanField",
    options: selectOptions(field)?.map((option) => ({
      ...option,
      isSelected: option.value === value,
    })),
    errors: errors.map((error) => error.message),
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
    declaredFields: declaredFields(deps.config).map((field) =>
      declaredFieldWidget(field, form.fields?.[field.name] ?? "", page.errors?.[field.name] ?? []),
    ),
    // A superuser is shown read-only to staff who are not: saving would be refused.
    canChange: canAdmin(viewer, "change", "user") && canChangeAccount(viewer, loaded.user),
    canDelete: canAdmin(viewer, "delete", "user") && canChangeAccount(viewer, loaded.user),
    canEditSuperuser: viewer.user.isSuperuser,
    secondFactor: await secondFactorPanel(deps, viewer, loaded.user),
    sessions: await sessionsPanel(deps, viewer, loaded.user),
    passkeys: await passkeysPanel(deps, viewer, loaded.user),
    errors: page.errors,
  });
}
