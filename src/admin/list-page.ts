// What the admin's list pages share, in Django's change-list conventions: the list's parameters,
// and filter, sort and page links that keep the other parameters.
import type { FastifyRequest } from "fastify";
import type { AdminListPage } from "../accounts/staff/user-statuses.js";
import { formText } from "./forms.js";

export type QueryValues = Partial<Record<string, string>>;

/** Django's answer to a bulk action run with no row selected. */
export const NOTHING_SELECTED =
  "Items must be selected in order to perform actions on them. No items have been changed.";

/**
 * The named parameters that are set, in the order named, from a parsed query string or a form
 * (which carries the list's state through a post); a repeated one keeps its last value.
 */
export function pickParams(source: Record<string, unknown>, names: readonly string[]): QueryValues {
  const values: QueryValues = {};
  for (const name of names) {
    const value = formText(source, name);
    if (value !== "") values[name] = value;
  }
  return values;
}

/** The named query parameters of the page; anything else is ignored. */
export function listQuery(request: FastifyRequest, names: readonly string[]): QueryValues {
  return pickParams(request.query as Record<string, unknown>, names);
}

/** A `1`/`0` filter parameter; anything else means "All". */
export function yesNo(value: string | undefined): boolean | undefined {
  return value === "1" ? true : value === "0" ? false : undefined;
}

export function queryString(query: QueryValues): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query))
    if (value !== undefined && value !== "") params.set(key, value);
  return params.toString();
}

export function listHref(base: string, query: QueryValues): string {
  const text = queryString(query);
  return text === "" ? base : `${base}?${text}`;
}

/**
 * A sidebar filter, keeping the other parameters (the page is reset). `current` is the value in
 * effect: a parameter the list could not read filters nothing, so "All" is the one selected.
 */
export function choiceFilter(
  base: string,
  query: QueryValues,
  filter: { param: string; title: string; current: string | undefined },
  choices: readonly (readonly [label: string, value: string])[],
) {
  const { param, current } = filter;
  return {
    title: filter.title,
    choices: [["All", undefined] as const, ...choices].map(([label, value]) => ({
      label,
      href: listHref(base, { ...query, [param]: value, p: undefined }),
      isSelected: current === value,
    })),
  };
}

const YES_NO = [
  ["Yes", "1"],
  ["No", "0"],
] as const;

/** A filter with All / Yes / No links. */
export function yesNoFilter(base: string, query: QueryValues, param: string, title: string) {
  const current = yesNo(query[param]) === undefined ? undefined : query[param];
  return choiceFilter(base, query, { param, title, current }, YES_NO);
}

/** Hidden inputs that carry the current filters through the search form. */
export function hiddenFields(query: QueryValues, names: readonly string[]) {
  return names.flatMap((name) => (query[name] === undefined ? [] : [{ name, value: query[name] }]));
}

/** Previous and next page links; page 1 is the list without `p`. */
export function pageLinks(base: string, query: QueryValues, page: number, hasNext: boolean) {
  const at = (target: number) =>
    listHref(base, { ...query, p: target === 1 ? undefined : String(target) });
  return {
    previousHref: page > 1 ? at(page - 1) : undefined,
    nextHref: hasNext ? at(page + 1) : undefined,
  };
}

export function pagination(base: string, query: QueryValues, result: AdminListPage<unknown>) {
  return {
    count: result.count,
    page: result.page,
    pageCount: result.pageCount,
    ...pageLinks(base, query, result.page, result.page < result.pageCount),
  };
}
