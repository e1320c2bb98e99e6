import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  areLookAlikeUsernames,
  canonicalEmail,
  emailErrors,
  emailKeys,
  isValidEmail,
  nameErrors,
  normalizeEmail,
  normalizeUsername,
  usernameErrors,
  usernameSkeleton,
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

describe("canonicalEmail", () => {
  it.each([
    "alice@ｅxample.com",
    "alice@ＥＸＡＭＰＬＥ.ＣＯＭ",
    "alice@example\u3002com",
    "alice@\u{1d41e}xample.com",
    "alice@\u24d4xample.com",
    " alice@EXAMPLE.com ",
  ])("maps %j to the address the transport delivers it to", (raw) => {
    expect(canonicalEmail(raw)).toBe("alice@example.com");
  });

  it("writes an IDN domain as A-labels, whatever its case or form", () => {
    for (const raw of ["u@bücher.de", "u@BÜCHER.de", "u@xn--BCHER-kva.de", "u@bu\u0308cher.de"]) {
      expect(canonicalEmail(raw)).toBe("u@xn--bcher-kva.de");
    }
  });

  it("lower-cases an ASCII domain and nothing else, as Django does", () => {
    expect(canonicalEmail("Foo.Bar@Example.COM")).toBe("Foo.Bar@example.com");
    expect(canonicalEmail("x@[127.0.0.1]")).toBe("x@[127.0.0.1]");
    expect(canonicalEmail("plain")).toBe("plain");
  });

  it("leaves an invisible character in place for validation to refuse", () => {
    expect(canonicalEmail("alice@exa\u200bmple.com")).toBe("alice@exa\u200bmple.com");
    expect(isValidEmail(canonicalEmail("alice@exa\u200bmple.com"))).toBe(false);
  });

  it("is what normalizeEmail returns, and a fixed point", () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: "grapheme", maxLength: 20 })), (parts) => {
        const raw = parts.join("@");
        const once = canonicalEmail(raw);
        expect(normalizeEmail(raw)).toBe(once);
        expect(canonicalEmail(once)).toBe(once);
      }),
    );
  });

  it("keys an IDN by its A-labels and by the Unicode form older rows hold", () => {
    expect(emailKeys("Alice@BÜCHER.de")).toEqual(["alice@xn--bcher-kva.de", "alice@bücher.de"]);
    expect(emailKeys("Alice@Example.com")).toEqual(["alice@example.com"]);
  });
});

describe("isValidEmail and look-alike addresses", () => {
  it.each([
    '"alice"@example.com',
    '"al\u000bice"@example.com',
    '"a b"@example.com',
    "alice@example.com\u200b",
    "al\u200dice@example.com",
    "alice@exa\ufeffmple.com",
    "alice@exa\u00admple.com",
    "alice@example.com\u2060",
    "alice@\u202eexample.com",
    "alice@example.com\u0000",
  ])("refuses %j, which a transport would rewrite", (email) => {
    expect(isValidEmail(email)).toBe(false);
    expect(emailErrors(canonicalEmail(email))).toEqual([
      { message: "Enter a valid email address.", code: "invalid" },
    ]);
  });
});

describe("usernameSkeleton", () => {
  it.each([
    ["\u0430lice", "alice"],
    ["\u0410lice", "alice"],
    ["ro\u043et", "root"],
    ["al\u0131ce", "alice"],
    ["ram\u03bf\u0301n", "ramón"],
    ["ＲＯＯＴ", "root"],
  ])("gives %j the skeleton of %j", (lookAlike, original) => {
    expect(usernameSkeleton(lookAlike)).toBe(usernameSkeleton(original));
  });

  it("keeps visibly different names apart", () => {
    expect(usernameSkeleton("josé")).not.toBe(usernameSkeleton("jose"));
    expect(usernameSkeleton("alice")).not.toBe(usernameSkeleton("alicia"));
  });
});

describe("areLookAlikeUsernames", () => {
  it("finds a name in another script confusable with a Latin one", () => {
    expect(areLookAlikeUsernames("\u0430lice", "alice")).toBe(true);
    expect(areLookAlikeUsernames("root", "r\u03bf\u03bft")).toBe(true);
  });

  it("leaves ASCII pairs to the ordinary rules, as Django does", () => {
    expect(areLookAlikeUsernames("tom", "torn")).toBe(false);
    expect(areLookAlikeUsernames("user1", "userl")).toBe(false);
    expect(areLookAlikeUsernames("alice", "bob")).toBe(false);
  });
});
