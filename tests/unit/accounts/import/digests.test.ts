import { describe, expect, it } from "vitest";
import { changedColumns, digestRow } from "../../../../src/accounts/import/digests.js";

describe("changedColumns", () => {
  const layout = ["password", "email", "last_login", "groups"];
  const row = {
    password: "pbkdf2_sha256$1000$salt$abc",
    email: "ann@example.com",
    last_login: new Date("2024-01-02T03:04:05Z"),
    groups: [1, 2],
  };

  it("finds no change in the same values", () => {
    const digests = digestRow(layout, row);
    expect(changedColumns({ layout, digests }, { layout, digests })).toEqual(new Set());
  });

  it("names the columns whose value changed, whatever the digests' widths", () => {
    for (let n = 0; n < 50; n++) {
      const before = digestRow(layout, { ...row, password: `p${String(n)}` });
      const after = digestRow(layout, { ...row, password: `p${String(n)}`, groups: [1, 2, n] });
      expect(changedColumns({ layout, digests: after }, { layout, digests: before })).toEqual(
        new Set(["groups"]),
      );
    }
  });

  it("counts a column the recorded layout lacks as changed, and follows a reordered layout", () => {
    const old = ["email", "password"];
    const recorded = digestRow(old, row);
    expect(
      changedColumns(
        { layout, digests: digestRow(layout, row) },
        { layout: old, digests: recorded },
      ),
    ).toEqual(new Set(["last_login", "groups"]));
  });
});
