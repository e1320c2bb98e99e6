// The user list page (Django's change list): the ADMIN_USER_LIST_FIELDS columns, search,
// filters (the declared Booleans and choices among them), sorting and pagination, with links
// that keep the other parameters, and the bulk actions the viewer may use.
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { declaredFields, type UserFieldDeclaration } from "../accounts/fields/user-fields.js";
import { isTextType } from "../accounts/fields/values.js";
import { canAdmin, type AdminViewer } from "../accounts/staff/access.js";
import {
  ADMIN_USER_SORT_COLUMNS,
  adminUserChoices,
  listUsersForAdmin,
  type AdminUserListQuery,
  type AdminUserPage,
  type AdminUserRow,
  type GroupChoice,
} from "../accounts/staff/users.js";
import type { Deps } from "../deps.js";
import { requireViewer } from "./guards.js";
import { parseId } from "./ids.js";
import {
  choiceFilter,
  hiddenFields,
  listHref,
  listQuery,
  pageLinks,
  pickParams,
  queryString,
  yesNo,
  yesNoFilter,
  type QueryValues,
} from "./list-page.js";
import { renderPage } from "./render.js";

type Config = Deps["config"];

const LIST_PATH = "/admin/users/";
const FLAGS = ["is_staff", "is_superuser", "is_active", "verified", "archived"] as const;

/** Declared fields with a sidebar filter: Booleans (All / Yes / No) and fields with choices. */
function filterableFields(config: Config): UserFieldDeclaration[] {
  return declaredFields(config).filter(
    (field) => field.type === "BooleanField" || field.choices !== undefined,
  );
}

// Django's lookups as parameters (`newsletter__exact=1`, `newsletter__isnull=True`): a declared
// name has no "__", so they never meet the list's own parameters.
const exactParam = (field: UserFieldDeclaration) => `${field.name}__exact`;
const isNullParam = (field: UserFieldDeclaration) => `${field.name}__isnull`;

/** The list's parameters: its own, then the declared fields' filters. */
function listParams(config: Config): string[] {
  const declared = filterableFields(config).flatMap((field) =>
    field.type === "BooleanField" && field.null
      ? [exactParam(field), isNullParam(field)]
      : [exactParam(field)],
  );
  return ["q", ...FLAGS, "group", ...declared, "o", "p"];
}

// The search form resubmits the filters and the sort, not the old search or page.
const searchKeeps = (config: Config) =>
  listParams(config).filter((name) => name !== "q" && name !== "p");

const FLAG_TITLES: Record<(typeof FLAGS)[number], string> = {
  is_staff: "By staff status",
  is_superuser: "By superuser status",
  is_active: "By active",
  verified: "By verified",
  archived: "By archived",
};

/** A time's text is kept on one line (it would break at its hyphens). */
type Cell = { text: string; isTime?: boolean } | { boolean: boolean };

/** Django's empty_value_display. */
const EMPTY = "-";

function formatTime(date: Date | null): Cell {
  if (date === null) return { text: EMPTY };
  return { text: `${date.toISOString().slice(0, 19).replace("T", " ")} UTC`, isTime: true };
}

/** The built-in columns ADMIN_USER_LIST_FIELDS may name: header and cell. */
const BUILT_IN_COLUMNS: Record<string, { label: string; cell: (user: AdminUserRow) => Cell }> = {
  id: { label: "ID", cell: (user) => ({ text: String(user.id) }) },
  username: { label: "Username", cell: (user) => ({ text: user.username }) },
  email: { label: "Email address", cell: (user) => ({ text: user.email }) },
  first_name: { label: "First name", cell: (user) => ({ text: user.firstName }) },
  last_name: { label: "Last name", cell: (user) => ({ text: user.lastName }) },
  is_staff: { label: "Staff status", cell: (user) => ({ boolean: user.isStaff }) },
  is_superuser: { label: "Superuser status", cell: (user) => ({ boolean: user.isSuperuser }) },
  is_active: { label: "Active", cell: (user) => ({ boolean: user.isActive }) },
  verified: { label: "Verified", cell: (user) => ({ boolean: user.verified }) },
  archived: { label: "Archived", cell: (user) => ({ boolean: user.archived }) },
  secondary_email: {
    label: "Secondary email",
    cell: (user) => ({ text: user.secondaryEmail ?? EMPTY }),
  },
  date_joined: {
    label: "Date joined",
    cell: (user) => ({ text: user.dateJoined.toISOString().slice(0, 10), isTime: true }),
  },
  last_login: { label: "Last login", cell: (user) => formatTime(user.lastLogin) },
};

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** A declared field's cell, as Django shows it: a choice's label, a Boolean's icon, "-" for none. */
function declaredCell(field: UserFieldDeclaration, value: unknown): Cell {
  if (value === null || value === undefined) return { text: EMPTY };
  // Django's display_for_field: a choice's label, "-" for a value that is none of them.
  if (field.choices !== undefined)
    return { text: field.choices.find((choice) => choice.value === value)?.label ?? EMPTY };
  if (typeof value === "boolean") return { boolean: value };
  if (value instanceof Date) return formatTime(value);
  if (field.type === "JSONField") return { text: JSON.stringify(value) };
  if (typeof value === "string")
    return { text: value === "" && !isTextType(field) ? EMPTY : value };
  return { text: JSON.stringify(value) };
}

interface ListColumn {
  name: string;
  label: string;
  isSortable: boolean;
  cell: (user: AdminUserRow) => Cell;
}

/** ADMIN_USER_LIST_FIELDS' columns (config checks every name at start). */
function listColumns(config: Config): ListColumn[] {
  const declared = declaredFields(config);
  return config.accounts.adminUserListFields.flatMap((name): ListColumn[] => {
    const builtIn = BUILT_IN_COLUMNS[name];
    if (builtIn !== undefined)
      return [{ name, ...builtIn, isSortable: ADMIN_USER_SORT_COLUMNS.some((c) => c === name) }];
    const field = declared.find((candidate) => candidate.name === name);
    if (field === undefined) return [];
    return [
      {
        name,
        label: capitalize(field.verboseName),
        isSortable: true,
        cell: (user) => declaredCell(field, user.fields[name]),
      },
    ];
  });
}

const ACTIONS = [
  ["delete_selected", "Delete selected users", "delete"],
  ["activate", "Activate selected users", "change"],
  ["deactivate", "Deactivate selected users", "change"],
  ["mark_verified", "Mark selected users as verified", "change"],
  ["log_out_everywhere", "Log selected users out everywhere (revoke refresh tokens)", "change"],
] as const;

export function registerUserListPage(scope: FastifyInstance, deps: Deps): void {
  scope.get("/users/", (request, reply) => showList(deps, request, reply));
}

async function showList(deps: Deps, request: FastifyRequest, reply: FastifyReply) {
  const viewer = requireViewer(request, reply);
  if (viewer === undefined) return reply;
  const data = await listPageData(deps, viewer, listQuery(request, listParams(deps.config)));
  return renderPage(request, reply, "users/list.html", {
    section: "user",
    title: "Select user to change",
    ...data,
  });
}

/** The declared fields' filters in effect: a Boolean, a choice's value, or null (unknown). */
function fieldFiltersOf(config: Config, query: QueryValues): Record<string, unknown> {
  const filters: Record<string, unknown> = {};
  for (const field of filterableFields(config)) {
    const current = currentFilterValue(field, query);
    if (current === undefined) continue;
    if (field.type === "BooleanField")
      filters[field.name] = current === "" ? null : current === "1";
    else filters[field.name] = field.choices?.find((c) => String(c.value) === current)?.value;
  }
  return filters;
}

/**
 * The filter choice in effect, as its link writes it: "1" / "0" / "" (unknown) for a Boolean,
 * a choice's value; undefined ("All") for anything the list could not read.
 */
function currentFilterValue(field: UserFieldDeclaration, query: QueryValues): string | undefined {
  const exact = query[exactParam(field)];
  if (field.type === "BooleanField") {
    if (field.null && query[isNullParam(field)] === "True") return "";
    return yesNo(exact) === undefined ? undefined : exact;
  }
  return field.choices?.some((choice) => String(choice.value) === exact) === true
    ? exact
    : undefined;
}

function parseListQuery(config: Config, query: QueryValues): AdminUserListQuery {
  return {
    search: (query.q ?? "").slice(0, 200),
    isStaff: yesNo(query.is_staff),
    isSuperuser: yesNo(query.is_superuser),
    isActive: yesNo(query.is_active),
    verified: yesNo(query.verified),
    archived: yesNo(query.archived),
    groupId: parseId(query.group),
    order: query.o ?? "",
    page: parseId(query.p) ?? 1,
    fieldFilters: fieldFiltersOf(config, query),
  };
}

/** Back to the list a form came from; only the list's own parameters survive, so it stays local. */
export function listUrl(config: Config, filtersQuery: string): string {
  const params = Object.fromEntries(new URLSearchParams(filtersQuery));
  return listHref(LIST_PATH, pickParams(params, listParams(config)));
}

/** A declared field's sidebar filter: All / Yes / No (/ Unknown), or All and each choice's label. */
function declaredFilter(field: UserFieldDeclaration, query: QueryValues) {
  const current = currentFilterValue(field, query);
  const title = `By ${field.verboseName}`;
  const reset = { [exactParam(field)]: undefined, [isNullParam(field)]: undefined, p: undefined };
  const choices: { label: string; value: string | undefined; params: QueryValues }[] =
    field.type === "BooleanField"
      ? [
          { label: "Yes", value: "1", params: { [exactParam(field)]: "1" } },
          { label: "No", value: "0", params: { [exactParam(field)]: "0" } },
          ...(field.null
            ? [{ label: "Unknown", value: "", params: { [isNullParam(field)]: "True" } }]
            : []),
        ]
      : (field.choices ?? []).map((choice) => ({
          label: choice.label,
          value: String(choice.value),
          params: { [exactParam(field)]: String(choice.value) },
        }));
  return {
    title,
    choices: [{ label: "All", value: undefined, params: {} }, ...choices].map((choice) => ({
      label: choice.label,
      href: listHref(LIST_PATH, { ...query, ...reset, ...choice.params }),
      isSelected: current === choice.value,
    })),
  };
}

function filtersOf(config: Config, query: QueryValues, groups: GroupChoice[]) {
  const flags = FLAGS.map((flag) => yesNoFilter(LIST_PATH, query, flag, FLAG_TITLES[flag]));
  const groupId = parseId(query.group);
  const byGroup = choiceFilter(
    LIST_PATH,
    query,
    {
      param: "group",
      title: "By group",
      current: groupId === undefined ? undefined : String(groupId),
    },
    groups.map((group) => [group.name, String(group.id)] as const),
  );
  const declared = filterableFields(config).map((field) => declaredFilter(field, query));
  return [...flags, byGroup, ...declared];
}

function columnsOf(
  columns: readonly ListColumn[],
  query: QueryValues,
  order: AdminUserPage["order"],
) {
  return columns.map(({ name: key, label, isSortable }) => {
    if (!isSortable) return { label };
    const isCurrent = order.column === key;
    const isAscending = isCurrent && !order.isDescending;
    return {
      label,
      href: listHref(LIST_PATH, { ...query, o: isAscending ? `-${key}` : key, p: undefined }),
      indicator: isCurrent ? (order.isDescending ? " ▼" : " ▲") : "",
      ariaSort: isCurrent ? (order.isDescending ? "descending" : "ascending") : undefined,
    };
  });
}

function countText(page: AdminUserPage): string {
  const noun = page.count === 1 && page.countKind === "exact" ? "user" : "users";
  const qualifier =
    page.countKind === "estimated" ? "about " : page.countKind === "atLeast" ? "more than " : "";
  return `${qualifier}${page.count.toLocaleString("en")} ${noun}`;
}

function pageCountText(page: AdminUserPage): string | undefined {
  if (page.pageCount === undefined) return undefined;
  return `${page.countKind === "estimated" ? "about " : ""}${page.pageCount.toLocaleString("en")}`;
}

/** "Search by username, name or email", and the declared text fields the search also reads. */
function searchLabel(config: Config): string {
  const names = [
    "username",
    "name",
    "email",
    ...declaredFields(config)
      .filter(isTextType)
      .map((field) => field.verboseName),
  ];
  return `Search by ${names.slice(0, -1).join(", ")} or ${names.at(-1) ?? ""}`;
}

/** Everything the list template shows. */
async function listPageData(deps: Deps, viewer: AdminViewer, query: QueryValues) {
  const listed = parseListQuery(deps.config, query);
  const columns = listColumns(deps.config);
  const [page, choices] = await Promise.all([
    listUsersForAdmin(deps, viewer, listed),
    adminUserChoices(deps, viewer),
  ]);
  return {
    q: listed.search,
    users: page.users.map((user) => ({
      id: user.id,
      username: user.username,
      cells: columns.map((column) => column.cell(user)),
    })),
    columns: columnsOf(columns, query, page.order),
    filters: filtersOf(deps.config, query, choices.groups),
    searchLabel: searchLabel(deps.config),
    searchHidden: hiddenFields(query, searchKeeps(deps.config)),
    filtersQuery: queryString(query),
    actions: ACTIONS.filter(([, , needs]) => canAdmin(viewer, needs, "user")).map(
      ([value, label]) => ({ value, label }),
    ),
    canAdd: canAdmin(viewer, "add", "user"),
    countText: countText(page),
    // Sorting is not a filter: "Clear all filters" appears for a search or a filter.
    isFiltered: Object.keys(query).some((key) => key !== "o" && key !== "p"),
    pagination: {
      page: page.page,
      pageCount: pageCountText(page),
      ...pageLinks(LIST_PATH, query, page.page, page.hasNextPage),
    },
    clearHref: LIST_PATH,
  };
}
