// The user list page's view: query-string parsing, filter and sort links, pagination, and the
// bulk actions the viewer may use. Links keep the other parameters, as Django's change list does.
import { canAdmin, type AdminViewer } from "../accounts/staff/access.js";
import {
  adminUserChoices,
  listUsersForAdmin,
  type AdminUserListQuery,
  type AdminUserPage,
  type GroupChoice,
} from "../accounts/staff/users.js";
import type { Deps } from "../deps.js";
import { yesNo } from "./list-page.js";

export type QueryParams = Record<string, unknown>;

const LIST_PATH = "/admin/users/";
const LIST_KEYS = [
  "q",
  "is_staff",
  "is_superuser",
  "is_active",
  "verified",
  "archived",
  "group",
  "o",
  "p",
] as const;
type ListKey = (typeof LIST_KEYS)[number];

const FLAG_FILTERS = [
  ["is_staff", "By staff status", "isStaff"],
  ["is_superuser", "By superuser status", "isSuperuser"],
  ["is_active", "By active", "isActive"],
  ["verified", "By verified", "verified"],
  ["archived", "By archived", "archived"],
] as const;

const COLUMNS = [
  ["username", "Username"],
  ["email", "Email address"],
  ["first_name", "First name"],
  ["last_name", "Last name"],
  ["is_staff", "Staff status"],
  ["verified", "Verified"],
  ["archived", "Archived"],
  ["date_joined", "Date joined"],
] as const;
const SORTABLE = new Set([
  "username",
  "email",
  "first_name",
  "last_name",
  "is_staff",
  "date_joined",
]);

const ACTIONS = [
  ["delete_selected", "Delete selected users", "delete"],
  ["activate", "Activate selected users", "change"],
  ["deactivate", "Deactivate selected users", "change"],
  ["mark_verified", "Mark selected users as verified", "change"],
  ["log_out_everywhere", "Log selected users out everywhere (revoke refresh tokens)", "change"],
] as const;

function param(params: QueryParams, name: string): string {
  const value = params[name];
  const first: unknown = Array.isArray(value) ? value[0] : value;
  return typeof first === "string" ? first : "";
}

function flag(params: QueryParams, name: string): boolean | undefined {
  return yesNo(param(params, name));
}

export function parseListQuery(params: QueryParams): AdminUserListQuery {
  const group = param(params, "group");
  const page = param(params, "p");
  return {
    search: param(params, "q").slice(0, 200),
    isStaff: flag(params, "is_staff"),
    isSuperuser: flag(params, "is_superuser"),
    isActive: flag(params, "is_active"),
    verified: flag(params, "verified"),
    archived: flag(params, "archived"),
    groupId: /^\d{1,9}$/.test(group) ? Number(group) : undefined,
    order: param(params, "o"),
    page: /^\d{1,9}$/.test(page) ? Number(page) : 1,
  };
}

/** The list's parameters that are set, in a fixed order. */
function knownParams(params: QueryParams): Map<ListKey, string> {
  const known = new Map<ListKey, string>();
  for (const key of LIST_KEYS) {
    const value = param(params, key);
    if (value !== "") known.set(key, value);
  }
  return known;
}

function hrefOf(known: ReadonlyMap<ListKey, string>): string {
  const query = new URLSearchParams([...known]).toString();
  return query === "" ? LIST_PATH : `${LIST_PATH}?${query}`;
}

/** The current list with some parameters changed; any change but the page's goes back to page 1. */
function hrefWith(
  params: QueryParams,
  changes: Partial<Record<ListKey, string | undefined>>,
): string {
  const known = knownParams(params);
  if (!("p" in changes)) known.delete("p");
  for (const [key, value] of Object.entries(changes) as [ListKey, string | undefined][]) {
    if (value === undefined) known.delete(key);
    else known.set(key, value);
  }
  return hrefOf(known);
}

/** Back to the list a form came from; only the list's own parameters survive, so it stays local. */
export function listUrl(queryString: string): string {
  return hrefOf(knownParams(Object.fromEntries(new URLSearchParams(queryString))));
}

function filtersOf(params: QueryParams, groups: GroupChoice[]) {
  const choice = (key: ListKey, label: string, value: string | undefined) => ({
    label,
    href: hrefWith(params, { [key]: value }),
    isSelected: (param(params, key) || undefined) === value,
  });
  const filters = FLAG_FILTERS.map(([key, title]) => ({
    title,
    choices: [choice(key, "All", undefined), choice(key, "Yes", "1"), choice(key, "No", "0")],
  }));
  const groupChoices = groups.map((group) => choice("group", group.name, String(group.id)));
  return [
    ...filters,
    { title: "By group", choices: [choice("group", "All", undefined), ...groupChoices] },
  ];
}

function columnsOf(params: QueryParams, order: AdminUserPage["order"]) {
  return COLUMNS.map(([key, label]) => {
    if (!SORTABLE.has(key)) return { label };
    const isCurrent = order.column === key;
    const isAscending = isCurrent && !order.isDescending;
    return {
      label,
      href: hrefWith(params, { o: isAscending ? `-${key}` : key }),
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

/** Everything the list template shows. */
export async function listPageData(
  deps: Deps,
  viewer: AdminViewer,
  params: QueryParams,
  query: AdminUserListQuery,
) {
  const [page, choices] = await Promise.all([
    listUsersForAdmin(deps, viewer, query),
    adminUserChoices(deps, viewer),
  ]);
  const current = knownParams(params);
  current.delete("p");
  return {
    q: query.search,
    users: page.users.map((user) => ({
      ...user,
      dateJoined: user.dateJoined.toISOString().slice(0, 10),
    })),
    columns: columnsOf(params, page.order),
    filters: filtersOf(params, choices.groups),
    // The search form resubmits the filters and the sort, not the old search or page.
    searchHidden: [...current]
      .filter(([key]) => key !== "q")
      .map(([name, value]) => ({ name, value })),
    filtersQuery: new URLSearchParams([...knownParams(params)]).toString(),
    actions: ACTIONS.filter(([, , needs]) => canAdmin(viewer, needs, "user")).map(
      ([value, label]) => ({ value, label }),
    ),
    canAdd: canAdmin(viewer, "add", "user"),
    countText: countText(page),
    // Sorting is not a filter: "Clear all filters" appears for a search or a filter.
    isFiltered: [...current.keys()].some((key) => key !== "o"),
    pagination: {
      page: page.page,
      pageCount: pageCountText(page),
      previousHref: page.page > 1 ? hrefWith(params, { p: String(page.page - 1) }) : undefined,
      nextHref: page.hasNextPage ? hrefWith(params, { p: String(page.page + 1) }) : undefined,
    },
    clearHref: LIST_PATH,
  };
}
