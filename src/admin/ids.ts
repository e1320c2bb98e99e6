// Row ids as they arrive in paths, forms and query strings. Anything but plain digits within the
// column's range is no id at all: PostgreSQL answers an out-of-range number with an error, not
// with "no such row", so such input must never reach it.
import type { FastifyRequest } from "fastify";

/** PostgreSQL's `integer` (int4), the type of every id column but the refresh tokens'. */
const INT4_MAX = 2_147_483_647;

/** The id `raw` names, or undefined when it cannot name a row. */
export function parseId(raw: unknown, max = INT4_MAX): number | undefined {
  if (typeof raw !== "string" || !/^\d+$/.test(raw)) return undefined;
  const id = Number(raw);
  return id <= max ? id : undefined;
}

/** A path parameter's id; undefined means the page is "not found". */
export function pathId(request: FastifyRequest, name: string, max = INT4_MAX): number | undefined {
  return parseId((request.params as Record<string, unknown>)[name], max);
}
