// `npm install` on the oldest Node the project supports prints no engine warning (issue 15):
// every package of the lock file accepts Node 20.19, the lower bound of package.json's engines.
// cookie 2 and content-disposition 3 ask for Node 22, so package.json overrides them with the
// last majors that accept Node 18 (the same API: parseCookie/stringifySetCookie, create).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const OLDEST_NODE = "20.19.0";

type Version = [number, number, number];

function parseVersion(text: string): Version {
  const [major = 0, minor = 0, patch = 0] = text.split(".").map((part) => Number(part));
  return [major, minor, patch];
}

function compare(a: Version, b: Version): number {
  for (let index = 0; index < 3; index += 1) {
    const difference = (a[index] ?? 0) - (b[index] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}

/** The versions a partial version stands for, as [lowest, first above]: 20 → [20.0.0, 21.0.0). */
function span(partial: string): [Version, Version] {
  const parts = partial.split(".").filter((part) => !/^[x*]$/i.test(part) && part !== "");
  const low = parseVersion(parts.join("."));
  const high: Version = [...low];
  if (parts.length === 0)
    return [
      [0, 0, 0],
      [Infinity, 0, 0],
    ];
  if (parts.length >= 3) high[2] += 1;
  else if (parts.length === 2) [high[1], high[2]] = [high[1] + 1, 0];
  else [high[0], high[1], high[2]] = [high[0] + 1, 0, 0];
  return [low, high];
}

/** One comparator of a node-semver range (>=, >, <, <=, =, ^, ~, x-ranges), for release versions. */
function satisfiesComparator(version: Version, comparator: string): boolean {
  const match = /^(>=|<=|>|<|=|\^|~)?v?(.*)$/.exec(comparator);
  const operator = match?.[1] ?? "";
  const [low, high] = span(match?.[2] ?? "*");
  switch (operator) {
    case ">=":
      return compare(version, low) >= 0;
    case ">":
      return compare(version, high) >= 0;
    case "<":
      return compare(version, low) < 0;
    case "<=":
      return compare(version, high) < 0;
    case "^": {
      const caret: Version =
        low[0] > 0 ? [low[0] + 1, 0, 0] : low[1] > 0 ? [0, low[1] + 1, 0] : [0, 0, low[2] + 1];
      return compare(version, low) >= 0 && compare(version, caret) < 0;
    }
    case "~":
      return compare(version, low) >= 0 && compare(version, [low[0], low[1] + 1, 0]) < 0;
    default:
      return compare(version, low) >= 0 && compare(version, high) < 0;
  }
}

function satisfies(version: string, range: string): boolean {
  const parsed = parseVersion(version);
  return range.split("||").some((alternative) =>
    alternative
      .trim()
      .replace(/(>=|<=|>|<|=|\^|~)\s+/g, "$1")
      .split(/\s+/)
      .filter((comparator) => comparator !== "")
      .every((comparator) => satisfiesComparator(parsed, comparator)),
  );
}

interface LockFile {
  packages: Record<string, { version?: string; engines?: { node?: string } | string[] }>;
}

describe("satisfies (the engines check's range reading)", () => {
  it("reads the range forms the lock file holds", () => {
    expect(satisfies("20.19.0", ">=20.19 <21 || >=22")).toBe(true);
    expect(satisfies("20.18.3", ">=20.19 <21 || >=22")).toBe(false);
    expect(satisfies("20.19.0", ">=22")).toBe(false);
    expect(satisfies("20.19.0", "^20.19.0 || ^22.13.0 || >=24")).toBe(true);
    expect(satisfies("20.19.0", "^18.18.0 || ^20.9.0 || >=21.1.0")).toBe(true);
    expect(satisfies("20.19.0", "^20.20.0 || >=22")).toBe(false);
    expect(satisfies("20.19.0", "20.x || 22.x")).toBe(true);
    expect(satisfies("20.19.0", "18 || 20 || >=22")).toBe(true);
    expect(satisfies("20.19.0", "10.* || >= 12.*")).toBe(true);
    expect(satisfies("20.19.0", ">= 20.19.0")).toBe(true);
    expect(satisfies("20.19.0", "~20.18.0")).toBe(false);
    expect(satisfies("20.19.0", "*")).toBe(true);
    expect(satisfies("20.19.0", "<20")).toBe(false);
  });
});

describe("package-lock.json", () => {
  it(`holds no package whose engines exclude Node ${OLDEST_NODE}`, () => {
    const manifest = JSON.parse(
      readFileSync(new URL("../../../package.json", import.meta.url), "utf8"),
    ) as { engines: { node: string } };
    expect(satisfies(OLDEST_NODE, manifest.engines.node)).toBe(true);
    const lock = JSON.parse(
      readFileSync(new URL("../../../package-lock.json", import.meta.url), "utf8"),
    ) as LockFile;
    const refusing = Object.entries(lock.packages).flatMap(([path, entry]) => {
      const range = Array.isArray(entry.engines) ? undefined : entry.engines?.node;
      return range === undefined || satisfies(OLDEST_NODE, range)
        ? []
        : [`${path}@${entry.version ?? "?"} wants node ${range}`];
    });
    expect(refusing).toEqual([]);
  });
});
