// Parsers for the text of environment variables (booleans, durations, JSON lists and maps,
// rate-limit rules, password validators): each turns one variable into its typed value or a
// zod issue naming what is wrong.
import { z } from "zod";
import { parseDurationSeconds } from "./durations.js";
import type { PasswordValidatorSetting, RateLimitRule, ScalarName } from "./types.js";

export const bool = z.preprocess((value) => {
  if (typeof value !== "string") return value;
  const text = value.trim().toLowerCase();
  if (["1", "true", "yes", "on"].includes(text)) return true;
  if (["0", "false", "no", "off", ""].includes(text)) return false;
  return value;
}, z.boolean());

export const integer = z.coerce.number().int();

export const duration = z.string().transform((text, ctx) => {
  const seconds = parseDurationSeconds(text);
  if (seconds === undefined) {
    ctx.addIssue({ code: "custom", message: `"${text}" is not a duration (e.g. 300, 5m, 1h, 7d)` });
    return z.NEVER;
  }
  return seconds;
});

/** A rate limit written `<attempts>/<window>`, e.g. `5/1m` or `10/3600`. */
export const rateLimitRule = z.string().transform((text, ctx): RateLimitRule => {
  const [count = "", window = "", ...rest] = text.split("/");
  const limit = /^\s*\d+\s*$/.test(count) ? Number(count) : 0;
  const windowSeconds = parseDurationSeconds(window) ?? 0;
  if (rest.length > 0 || limit < 1 || windowSeconds < 1) {
    ctx.addIssue({
      code: "custom",
      message: `"${text}" is not a rate limit (attempts/window, e.g. 5/1m or 10/1h)`,
    });
    return z.NEVER;
  }
  return { limit, windowSeconds };
});

/** A list given as JSON (`["a","b"]`) or comma-separated (`a,b`). */
export const stringList = z.string().transform((text, ctx): string[] => {
  const trimmed = text.trim();
  if (trimmed === "") return [];
  if (trimmed.startsWith("[")) {
    try {
      const parsed: unknown = JSON.parse(trimmed);
      if (Array.isArray(parsed) && parsed.every((item) => typeof item === "string")) return parsed;
    } catch {
      // reported below
    }
    ctx.addIssue({ code: "custom", message: "must be a JSON list of strings" });
    return z.NEVER;
  }
  return trimmed
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== "");
});

const scalarName = z.enum(["String", "Int", "Float", "Boolean", "ID"]);

/** SPEC §11.1: a field list (each a String) or a map field → scalar name. */
export const fieldMap = z.string().transform((text, ctx): Record<string, ScalarName> => {
  const trimmed = text.trim();
  if (trimmed === "") return {};
  let parsed: unknown;
  try {
    parsed = trimmed.startsWith("[") || trimmed.startsWith("{") ? JSON.parse(trimmed) : undefined;
  } catch {
    ctx.addIssue({
      code: "custom",
      message: "must be JSON: a list of fields or a map field → type",
    });
    return z.NEVER;
  }
  if (parsed === undefined) parsed = trimmed.split(",").map((item) => item.trim());
  if (Array.isArray(parsed) && parsed.every((item) => typeof item === "string")) {
    return Object.fromEntries(parsed.map((field) => [field, "String" as const]));
  }
  const asMap = z.record(z.string(), scalarName).safeParse(parsed);
  if (asMap.success) return asMap.data;
  ctx.addIssue({
    code: "custom",
    message: "must be a list of fields or a map field → scalar name",
  });
  return z.NEVER;
});

export const jsonObject = z.string().transform((text, ctx): Record<string, unknown> => {
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)) {
      return parsed as Record<string, unknown>;
    }
  } catch {
    // reported below
  }
  ctx.addIssue({ code: "custom", message: "must be a JSON object" });
  return z.NEVER;
});

export const filterFields = jsonObject.pipe(z.record(z.string(), z.array(z.string())));

export const validatorList = z.string().transform((text, ctx): PasswordValidatorSetting[] => {
  const entry = z.union([
    z.string().transform((name) => ({ name, options: {} })),
    z.object({ name: z.string(), options: z.record(z.string(), z.unknown()).default({}) }),
  ]);
  const names = [
    "UserAttributeSimilarityValidator",
    "MinimumLengthValidator",
    "CommonPasswordValidator",
    "NumericPasswordValidator",
  ] as const;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    ctx.addIssue({ code: "custom", message: "must be a JSON list" });
    return z.NEVER;
  }
  const list = z.array(entry).safeParse(parsed);
  if (!list.success) {
    ctx.addIssue({ code: "custom", message: "must be a list of names or {name, options}" });
    return z.NEVER;
  }
  const result: PasswordValidatorSetting[] = [];
  for (const item of list.data) {
    // Django settings name validators by dotted path; only the class name matters here.
    const shortName = item.name.split(".").pop() ?? item.name;
    const known = names.find((name) => name === shortName);
    if (known === undefined) {
      ctx.addIssue({ code: "custom", message: `unknown password validator "${item.name}"` });
      return z.NEVER;
    }
    result.push({ name: known, options: item.options });
  }
  return result;
});

export const DEFAULT_VALIDATORS = JSON.stringify([
  "UserAttributeSimilarityValidator",
  "MinimumLengthValidator",
  "CommonPasswordValidator",
  "NumericPasswordValidator",
]);

export const DEFAULT_FILTER_FIELDS = JSON.stringify({
  email: ["exact"],
  username: ["exact", "icontains", "istartswith"],
  is_active: ["exact"],
  status__archived: ["exact"],
  status__verified: ["exact"],
  status__secondary_email: ["exact"],
});

export const optionalText = z
  .string()
  .optional()
  .transform((text) => (text === undefined || text.trim() === "" ? undefined : text));
