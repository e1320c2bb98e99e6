import { describe, expect, it } from "vitest";
import { cursorToOffset, offsetToCursor, planSlice } from "../../../src/graphql/connection.js";

const plan = (args: Parameters<typeof planSlice>[0], length: number) =>
  planSlice(args, length, "users", 100);

describe("cursors", () => {
  it("are base64 of arrayconnection:<index>, as graphql-relay writes them", () => {
    expect(offsetToCursor(0)).toBe("YXJyYXljb25uZWN0aW9uOjA=");
    expect(cursorToOffset("YXJyYXljb25uZWN0aW9uOjI=", -1)).toBe(2);
  });

  it("fall back to the default for anything else", () => {
    expect(cursorToOffset("garbage", -1)).toBe(-1);
    expect(cursorToOffset(Buffer.from("other:3").toString("base64"), 7)).toBe(7);
  });
});

describe("planSlice", () => {
  it("takes the first 100 rows when neither first nor last is given", () => {
    expect(plan({}, 250)).toEqual({
      start: 0,
      end: 100,
      hasPreviousPage: false,
      hasNextPage: true,
    });
  });

  it("pages forward with first and after", () => {
    expect(plan({ first: 2, after: offsetToCursor(1) }, 3)).toEqual({
      start: 2,
      end: 3,
      hasPreviousPage: false,
      hasNextPage: false,
    });
  });

  it("applies last alone to the whole filtered list", () => {
    expect(plan({ last: 2 }, 250)).toEqual({
      start: 248,
      end: 250,
      hasPreviousPage: true,
      hasNextPage: false,
    });
  });

  it("pages backward with last and before", () => {
    expect(plan({ last: 2, before: offsetToCursor(5) }, 10)).toEqual({
      start: 3,
      end: 5,
      hasPreviousPage: true,
      hasNextPage: false,
    });
  });

  it("turns offset into an after cursor, added to a given after", () => {
    expect(plan({ first: 2, offset: 3 }, 10)).toMatchObject({ start: 3, end: 5 });
    expect(plan({ first: 2, offset: 3, after: offsetToCursor(1) }, 10)).toMatchObject({
      start: 5,
      end: 7,
    });
  });

  it("ignores a zero offset", () => {
    expect(plan({ first: 1, offset: 0 }, 5)).toMatchObject({ start: 0, end: 1 });
  });

  it("refuses more than the connection limit with the reference's message", () => {
    expect(() => plan({ first: 101 }, 5)).toThrow(
      "Requesting 101 records on the `users` connection exceeds the `first` limit of 100 records.",
    );
    expect(() => plan({ last: 101 }, 5)).toThrow("exceeds the `last` limit of 100 records.");
  });

  it("refuses offset together with before", () => {
    expect(() => plan({ offset: 1, before: offsetToCursor(3) }, 5)).toThrow(
      "You can't provide a `before` value at the same time as an `offset` value to properly paginate the `users` connection.",
    );
  });

  it("gives an empty page past the end", () => {
    const result = plan({ first: 5, after: offsetToCursor(20) }, 3);
    expect(result.end - result.start).toBe(0);
    expect(result.hasNextPage).toBe(false);
  });
});
