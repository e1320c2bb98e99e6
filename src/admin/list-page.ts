// What the admin's list and form pages share, in Django's change-list conventions: query and
// path parameters, filter and page links that keep the other parameters, and form fields.
import type { FastifyReply, FastifyRequest } from "fastify";
import type { AdminListPage } from "../accounts/staff/user-statuses.js";
import { renderPage } from "./render.js";

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
  for (const [key, value] of Object.entries(query))
    if (value !== undefined && value !== "") params.set(key, value);
  const text = params.toString();
  return text === "" ? base : `${base}?${text}`;
}

/** A sidebar filter with All / Yes / No links, keeping the other parameters (page reset). */
export function yesNoFilter(base: string, query: QueryValues, param: string, title: string) {
  const current = yesNo(query[param]) === undefined ? undefined : query[param];
  const choices = [
    ["All", undefined],
    ["Yes", "1"],
    ["No", "0"],
  ] as const;
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
  const at = (page: number) =>
    listHref(base, { ...query, p: page === 1 ? undefined : String(page) });
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
  return renderPage(
    request,
    reply,
    "error.html",
    {
      title: "Page not found (404)",
      detail: `That ${what} does not exist. Perhaps it was deleted?`,
    },
    404,
  );
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
