import { describe, expect, it } from "vitest";
import {
  emailErrors,
  isValidEmail,
  nameErrors,
  normalizeEmail,
  normalizeUsername,
  usernameErrors,
} from "../../../src/accounts/validation.js";

describe("normalizeUsername", () => {
  it("trims and applies NFKC, so full-width letters become ASCII", () => {
    expect(normalizeUsername("  ａｌｉｃｅ ")).toBe("alice");
  });

  it("leaves an over-long name as it is, since it fails the length check anyway", () => {
    const long = "ａ".repeat(151);
    expect(normalizeUsername(long)).toBe(long);
  });
});

describe("usernameErrors", () => {
  it("accepts letters, digits and @ . + - _ in any script", () => {
    expect(usernameErrors("zoë.o'neil".replace("'", ""))).toEqual([]);
    expect(usernameErrors("用户_1+x@y-z")).toEqual([]);
  });

  it("reports Django's invalid message for spaces and punctuation", () => {
    expect(usernameErrors("bad name")).toEqual([
      {
        message:
          "Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters.",
        code: "invalid",
      },
    ]);
  });

  it("counts characters, not UTF-16 units, in the max-length message", () => {
    expect(usernameErrors("😀".repeat(151))).toEqual([
      { message: "Ensure this value has at most 150 characters (it has 151).", code: "max_length" },
    ]);
  });

  it("reports only 'required' for an empty name", () => {
    expect(usernameErrors("")).toEqual([{ message: "This field is required.", code: "required" }]);
  });
});

describe("emails", () => {
  it("lower-cases the domain only", () => {
    expect(normalizeEmail(" Foo.Bar@Example.COM ")).toBe("Foo.Bar@example.com");
  });

  it.each([
    "a@b.co",
    "first.last+tag@sub.example.org",
    "x@localhost",
    "x@[127.0.0.1]",
    "u@bücher.de",
  ])("accepts %s", (email) => {
    expect(isValidEmail(email)).toBe(true);
  });

  it.each([
    "",
    "plain",
    "@example.com",
    "a@",
    "a@b",
    "a b@example.com",
    "a@example.com\n",
    "a@-example.com",
    "a..b@example.com",
  ])("rejects %j", (email) => {
    expect(isValidEmail(email)).toBe(false);
  });

  it("reports both the format and the length problem of a long invalid address", () => {
    const email = `${"x".repeat(250)}@@example.com`;
    expect(emailErrors(email, 254).map((error) => error.code)).toEqual(["invalid", "max_length"]);
  });

  it("limits names to 150 characters", () => {
    expect(nameErrors("n".repeat(150))).toEqual([]);
    expect(nameErrors("n".repeat(151))[0]?.code).toBe("max_length");
  });
});

describe("nameErrors with NUL", () => {
  it("refuses a NUL character with Django's message", () => {
    expect(nameErrors("a\u0000b")).toEqual([
      { message: "Null characters are not allowed.", code: "null_characters_not_allowed" },
    ]);
  });
});
