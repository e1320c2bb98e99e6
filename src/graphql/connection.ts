// The array-slice connection of graphene-django 2 / graphql-relay (SPEC §4.3), over a list
// known only by its length: cursors are base64("arrayconnection:<index>") into the filtered list.
import { PublicGraphQLError } from "./errors.js";

const CURSOR_PREFIX = "arrayconnection:";

export function offsetToCursor(offset: number): string {
  return Buffer.from(`${CURSOR_PREFIX}${offset}`, "utf8").toString("base64");
}

/** The index a cursor names, or `fallback` for anything that is not a valid cursor. */
export function cursorToOffset(cursor: string | null | undefined, fallback: number): number {
  if (cursor === null || cursor === undefined || cursor === "") return fallback;
  const text = Buffer.from(cursor, "base64").toString("utf8");
  if (!text.startsWith(CURSOR_PREFIX)) return fallback;
  const digits = text.slice(CURSOR_PREFIX.length);
  return /^-?\d+$/.test(digits) ? Number(digits) : fallback;
}

export interface ConnectionArgs {
  first?: number | null | undefined;
  last?: number | null | undefined;
  after?: string | null | undefined;
  before?: string | null | undefined;
  offset?: number | null | undefined;
}

export interface SlicePlan {
  /** Rows [start, end) of the filtered list to fetch. */
  start: number;
  end: number;
  hasPreviousPage: boolean;
  hasNextPage: boolean;
}

function checkLimits(args: ConnectionArgs, fieldName: string, maxLimit: number): void {
  for (const key of ["first", "last"] as const) {
    const value = args[key];
    if (typeof value !== "number") continue;
    if (value < 0) throw new PublicGraphQLError(`Argument "${key}" must be a non-negative integer`);
    if (value > maxLimit) {
      throw new PublicGraphQLError(
        `Requesting ${value} records on the \`${fieldName}\` connection exceeds the \`${key}\` limit of ${maxLimit} records.`,
      );
    }
  }
  if (typeof args.offset === "number" && args.before !== undefined && args.before !== null) {
    throw new PublicGraphQLError(
      `You can't provide a \`before\` value at the same time as an \`offset\` value to properly paginate the \`${fieldName}\` connection.`,
    );
  }
}

/** Validates the arguments (throwing the reference's messages) and plans the slice. */
export function planSlice(
  args: ConnectionArgs,
  listLength: number,
  fieldName: string,
  maxLimit: number,
): SlicePlan {
  checkLimits(args, fieldName, maxLimit);
  let after = args.after ?? undefined;
  // `offset` becomes an `after` cursor; a zero offset is ignored, as in the reference.
  if (typeof args.offset === "number" && args.offset !== 0) {
    const offset =
      after === undefined || after === ""
        ? args.offset
        : args.offset + cursorToOffset(after, -1) + 1;
    after = offsetToCursor(offset - 1);
  }
  const hasFirst = typeof args.first === "number";
  const hasLast = typeof args.last === "number";
  let first = hasFirst ? args.first : undefined;
  let sliceLength = Math.min(maxLimit, listLength);
  if (!hasFirst) {
    if (hasLast) {
      first = listLength;
      sliceLength = listLength;
    } else {
      first = maxLimit;
    }
  }
  const sliceStart = Math.min(cursorToOffset(after, -1) + 1, listLength);
  const before = args.before ?? undefined;
  const beforeOffset = cursorToOffset(before, listLength);
  const afterOffset = cursorToOffset(after, -1);
  let start = Math.max(sliceStart - 1, afterOffset, -1) + 1;
  let end = Math.min(sliceStart + sliceLength, beforeOffset, listLength);
  if (first !== undefined && first !== null) end = Math.min(end, start + first);
  if (hasLast && typeof args.last === "number") start = Math.max(start, end - args.last);
  const lowerBound = after !== undefined && after !== "" ? afterOffset + 1 : 0;
  const upperBound = before !== undefined && before !== "" ? beforeOffset : listLength;
  return {
    start,
    end: Math.max(start, end),
    hasPreviousPage: hasLast && start > lowerBound,
    // The reference sets `first` itself when the client gave neither, so this holds then too.
    hasNextPage: first !== undefined && first !== null && end < upperBound,
  };
}
