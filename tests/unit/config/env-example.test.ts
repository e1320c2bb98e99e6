// .env.example documents every setting (STYLE.md §6): exactly the variables loadConfig reads,
// each once, with the default loadConfig applies.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { CONFIG_VARIABLES, loadConfig } from "../../../src/config/config.js";

const EXAMPLE_PATH = new URL("../../../.env.example", import.meta.url);

function documentedSettings(): [string, string][] {
  return readFileSync(EXAMPLE_PATH, "utf8")
    .split("\n")
    .map((line) => /^# ([A-Z][A-Z0-9_]*)=(.*)$/.exec(line))
    .filter((match) => match !== null)
    .map((match) => [match[1] ?? "", match[2] ?? ""]);
}

describe(".env.example", () => {
  it("lists every variable loadConfig reads, and nothing else", () => {
    const names = documentedSettings().map(([name]) => name);
    expect([...names].sort()).toEqual([...CONFIG_VARIABLES].sort());
  });

  it("lists each variable once", () => {
    const names = documentedSettings().map(([name]) => name);
    expect(names.filter((name, index) => names.indexOf(name) !== index)).toEqual([]);
  });

  it("gives the defaults loadConfig applies", () => {
    // An empty value documents "unset": its default is derived from other settings.
    const env = Object.fromEntries(documentedSettings().filter(([, value]) => value !== ""));
    expect(loadConfig(env)).toEqual(loadConfig({}));
  });
});
