import { describe, expect, it } from "vitest";
import { changeMessageText } from "../../../../src/accounts/import/admin-log.js";

describe("changeMessageText", () => {
  it("renders Django's JSON change messages as LogEntry.get_change_message() does", () => {
    expect(changeMessageText('[{"added": {}}]')).toBe("Added.");
    expect(changeMessageText('[{"changed": {"fields": ["Email address"]}}]')).toBe(
      "Changed Email address.",
    );
    expect(
      changeMessageText('[{"changed": {"fields": ["First name", "Last name", "Active"]}}]'),
    ).toBe("Changed First name, Last name and Active.");
    expect(
      changeMessageText(
        '[{"added": {"name": "user status", "object": "ann"}}, {"deleted": {"name": "refresh token", "object": "0f3a"}}]',
      ),
    ).toBe("Added user status \u201cann\u201d. Deleted refresh token \u201c0f3a\u201d.");
    expect(changeMessageText("[]")).toBe("No fields changed.");
  });

  it("keeps the plain text of rows older than Django 1.10, and text that is not JSON", () => {
    expect(changeMessageText("Changed password.")).toBe("Changed password.");
    expect(changeMessageText("[not json")).toBe("[not json");
  });
});
