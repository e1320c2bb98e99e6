// Admin pages for User status (SPEC §2.3, §12): list, change form and history. There is no add
// page: a status row is created with its user. The list and form helpers at the end are shared
// with the Refresh tokens and Groups sections.
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { canAdmin, type AdminViewer } from "../accounts/admin-access.js";
import { changeUserStatus, getUserStatus, listUserStatuses, userStatusHistory, type AdminListPage } from "../accounts/admin-status.js";
import { AccountsError } from "../accounts/errors.js";
import type { Deps } from "../deps.js";
import { csrfCheck, requireViewer } from "./plugin.js";
import { flash, renderPage } from "./render.js";

const BASE = "/admin/user-status/";

export function registerUserStatusPages(scope: FastifyInstance, deps: Deps): void {
  const checkCsrf = csrfCheck(scope);
  scope.get("/user-status/", (request, reply) => showList(deps, request, reply));
  scope.get("/user-status/:userId/change/", (request, reply) => showChangeForm(deps, request, reply));
  scope.post("/user-status/:userId/change/", { preHandler: checkCsrf }, (request, reply) => saveChangeForm(deps, request, reply));
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
    filters: [yesNoFilter(BASE, query, "verified", "By verified"), yesNoFilter(BASE, query, "archived", "By archived")],
    pagination: pagination(BASE, query, result),
  });
}

async function showChangeForm(deps: Deps, request: FastifyRequest, reply: FastifyReply) {
  const viewer = requireViewer(request, reply);
  if (viewer === undefined) return reply;
  const status = await getUserStatus(deps, viewer, pathId(request, "userId"));
  if (status === undefined) return notFound(request, reply, "user status");
  return renderChangeForm(request, reply, viewer, status);
}

async function saveChangeForm(deps: Deps, request: FastifyRequest, reply: FastifyReply) {
  const viewer = requireViewer(request, reply);
  if (viewer === undefined) return reply;
  const userId = pathId(request, "userId");
  const body = formBody(request);
  const input = { verified: isChecked(body, "verified"), archived: isChecked(body, "archived"), secondaryEmail: formText(body, "secondary_email") };
  try {
    const status = await changeUserStatus(deps, viewer, userId, input);
    if (status === undefined) return await notFound(request, reply, "user status");
    flash(reply, `The user status “${status.name}” was changed successfully.`);
    return await reply.redirect(body._continue === undefined ? BASE : `${BASE}${String(userId)}/change/`);
  } catch (error) {
    // Field errors show the form again; a refusal goes on to the 403 page.
    if (!(error instanceof AccountsError) || error.hasCode("permission_denied")) throw error;
    const status = await getUserStatus(deps, viewer, userId);
    if (status === undefined) return notFound(request, reply, "user status");
    return renderChangeForm(request, reply, viewer, { ...status, ...input }, error.errors);
  }
}

async function showHistory(deps: Deps, request: FastifyRequest, reply: FastifyReply) {
  const viewer = requireViewer(request, reply);
  if (viewer === undefined) return reply;
  const history = await userStatusHistory(deps, viewer, pathId(request, "userId"));
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
  status: { userId: number; name: string; verified: boolean; archived: boolean; secondaryEmail: string | null },
  errors?: Record<string, unknown>,
) {
  return renderPage(request, reply, "user-status/change.html", {
    title: canAdmin(viewer, "change", "userStatus") ? "Change user status" : "View user status",
    section: "userStatus",
    status,
    canChange: canAdmin(viewer, "change", "userStatus"),
    errors,
  });
}

// --- helpers shared by the admin list and form pages ---

export type QueryValues = Partial<Record<string, string>>;

/** The named query parameters that arrived as single strings; anything else is ignored. */
export function listQuery(request: FastifyRequest, names: readonly string[]): QueryValues {
  const raw = request.query as Record<string, unknown>;
  const values: QueryValues = {};
  for (const name of names) {
    const value = raw[name];
    if (typeof value === "string" && value !== "") values[name] = value;
  }
  return values;
}

/** A `1`/`0` filter parameter; anything else means "All". */
export function yesNo(value: string | undefined): boolean | undefined {
  return value === "1" ? true : value === "0" ? false : undefined;
}

export function listHref(base: string, query: QueryValues): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined && value !== "") params.set(key, value);
  const text = params.toString();
  return text === "" ? base : `${base}?${text}`;
}

/** A sidebar filter with All / Yes / No links, keeping the other parameters (page reset). */
export function yesNoFilter(base: string, query: QueryValues, param: string, title: string) {
  const current = yesNo(query[param]) === undefined ? undefined : query[param];
  const choices = [["All", undefined], ["Yes", "1"], ["No", "0"]] as const;
  return {
    title,
    choices: choices.map(([label, value]) => ({
      label,
      href: listHref(base, { ...query, [param]: value, p: undefined }),
      isSelected: current === value,
    })),
  };
}

/** Hidden inputs that carry the current filters through the search form. */
export function hiddenFields(query: QueryValues, names: readonly string[]) {
  return names.flatMap((name) => (query[name] === undefined ? [] : [{ name, value: query[name] }]));
}

export function pagination(base: string, query: QueryValues, result: AdminListPage<unknown>) {
  const at = (page: number) => listHref(base, { ...query, p: page === 1 ? undefined : String(page) });
  return {
    count: result.count,
    page: result.page,
    pageCount: result.pageCount,
    previousHref: result.page > 1 ? at(result.page - 1) : undefined,
    nextHref: result.page < result.pageCount ? at(result.page + 1) : undefined,
  };
}

const INT32_MAX = 2_147_483_647;

/**
 * A path id; one that cannot exist (not digits, beyond the column's range, which PostgreSQL
 * would reject with an error) reads as 0, which matches nothing.
 */
export function pathId(request: FastifyRequest, name: string, max = INT32_MAX): number {
  const raw = (request.params as Record<string, unknown>)[name];
  const id = typeof raw === "string" && /^\d{1,16}$/.test(raw) ? Number(raw) : 0;
  return id <= max ? id : 0;
}

export function notFound(request: FastifyRequest, reply: FastifyReply, what: string) {
  return renderPage(request, reply, "error.html", { title: "Page not found (404)", detail: `That ${what} does not exist. Perhaps it was deleted?` }, 404);
}

export function formBody(request: FastifyRequest): Record<string, unknown> {
  return (request.body ?? {}) as Record<string, unknown>;
}

export function formText(body: Record<string, unknown>, name: string): string {
  const value = body[name];
  return typeof value === "string" ? value : "";
}

/** An HTML checkbox: present when ticked, absent otherwise. */
export function isChecked(body: Record<string, unknown>, name: string): boolean {
  return body[name] !== undefined;
}

/** Every value of a repeated field (checkboxes, `_selected_action`). */
export function formList(body: Record<string, unknown>, name: string): string[] {
  const value = body[name];
  const values = Array.isArray(value) ? value : [value];
  return values.filter((item): item is string => typeof item === "string");
}
