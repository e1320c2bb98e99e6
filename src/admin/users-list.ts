// The user list page (Django's change list): search, filters, sorting and pagination, with links
// that keep the other parameters, and the bulk actions the viewer may use.
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { canAdmin, type AdminViewer } from "../accounts/staff/access.js";
import {
  adminUserChoices,
  listUsersForAdmin,
  type AdminUserListQuery,
  type AdminUserPage,
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

const LIST_PATH = "/admin/users/";
const FLAGS = ["is_staff", "is_superuser", "is_active", "verified", "archived"] as const;
const LIST_PARAMS = ["q", ...FLAGS, "group", "o", "p"] as const;
// The search form resubmits the filters and the sort, not the old search or page.
const SEARCH_KEEPS = LIST_PARAMS.filter((name) => name !== "q" && name !== "p");

const FLAG_TITLES: Record<(typeof FLAGS)[number], string> = {
  is_staff: "By staff status",
  is_superuser: "By superuser status",
  is_active: "By active",
  verified: "By verified",
  archived: "By archived",
};

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

export function registerUserListPage(scope: FastifyInstance, deps: Deps): void {
  scope.get("/users/", (request, reply) => showList(deps, request, reply));
}

async function showList(deps: Deps, request: FastifyRequest, reply: FastifyReply) {
  const viewer = requireViewer(request, reply);
  if (viewer === undefined) return reply;
  const data = await listPageData(deps, viewer, listQuery(request, LIST_PARAMS));
  return renderPage(request, reply, "users/list.html", {
    section: "user",
    title: "Select user to change",
    ...data,
  });
}

function parseListQuery(query: QueryValues): AdminUserListQuery {
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
  };
}

/** Back to the list a form came from; only the list's own parameters survive, so it stays local. */
export function listUrl(filtersQuery: string): string {
  const params = Object.fromEntries(new URLSearchParams(filtersQuery));
  return listHref(LIST_PATH, pickParams(params, LIST_PARAMS));
}

function filtersOf(query: QueryValues, groups: GroupChoice[]) {
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
  return [...flags, byGroup];
}

function columnsOf(query: QueryValues, order: AdminUserPage["order"]) {
  return COLUMNS.map(([key, label]) => {
    if (!SORTABLE.has(key)) return { label };
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

/** Everything the list template shows. */
async function listPageData(deps: Deps, viewer: AdminViewer, query: QueryValues) {
  const listed = parseListQuery(query);
  const [page, choices] = await Promise.all([
    listUsersForAdmin(deps, viewer, listed),
    adminUserChoices(deps, viewer),
  ]);
  return {
    q: listed.search,
    users: page.users.map((user) => ({
      ...user,
      dateJoined: user.dateJoined.toISOString().slice(0, 10),
    })),
    columns: columnsOf(query, page.order),
    filters: filtersOf(query, choices.groups),
    searchHidden: hiddenFields(query, SEARCH_KEEPS),
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
