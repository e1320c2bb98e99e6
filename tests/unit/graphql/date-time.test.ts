import { describe, expect, it } from "vitest";
import { formatDateTime } from "../../../src/graphql/builder.js";
import { filterArgumentName } from "../../../src/graphql/operations/users.js";

describe("formatDateTime", () => {
  it("writes microseconds and an explicit UTC offset, as Python's isoformat does", () => {
    expect(formatDateTime(new Date("2024-05-01T10:20:30.123Z"))).toBe(
      "2024-05-01T10:20:30.123000+00:00",
    );
  });

  it("omits the fraction when it is zero", () => {
    expect(formatDateTime(new Date("2024-05-01T10:20:30.000Z"))).toBe("2024-05-01T10:20:30+00:00");
  });
});

describe("filterArgumentName", () => {
  it.each([
    ["email", "exact", "email"],
    ["username", "icontains", "username_Icontains"],
    ["is_active", "exact", "isActive"],
    ["status__secondary_email", "exact", "status_SecondaryEmail"],
    ["status__verified", "exact", "status_Verified"],
  ])("names %s / %s as %s", (field, lookup, expected) => {
    expect(filterArgumentName(field, lookup)).toBe(expected);
  });
});
