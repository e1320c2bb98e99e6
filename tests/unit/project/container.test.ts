// The container files (issue 15). No Docker engine runs here and hadolint is not packaged for
// Debian, so this checks what they promise: a multi-stage Dockerfile whose small final stage
// runs the built CLI as a non-root user with a health check, hadolint's main rules, and a
// compose.yaml (read with the small YAML reader below) that wires Gatehouse to PostgreSQL and
// Redis with settings Gatehouse knows.
import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { CONFIG_VARIABLES } from "../../../src/config/config.js";

const root = new URL("../../../", import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), "utf8");

interface Instruction {
  keyword: string;
  args: string;
}

/** Dockerfile instructions, continuation lines joined, comments dropped. */
function instructions(text: string): Instruction[] {
  return text
    .replace(/\\\n/g, " ")
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"))
    .map((line) => {
      const [keyword = "", ...rest] = line.split(/\s+/);
      return { keyword: keyword.toUpperCase(), args: rest.join(" ") };
    });
}

/** The instructions of each stage, by its name (or its index). */
function stages(all: Instruction[]): Map<string, Instruction[]> {
  const result = new Map<string, Instruction[]>();
  let current: Instruction[] | undefined;
  for (const instruction of all) {
    if (instruction.keyword === "FROM") {
      current = [];
      const name = /\bAS\s+(\S+)$/i.exec(instruction.args)?.[1] ?? String(result.size);
      result.set(name, current);
    }
    current?.push(instruction);
  }
  return result;
}

describe("Dockerfile", () => {
  const all = instructions(read("Dockerfile"));
  const byStage = stages(all);
  const runtime = byStage.get("runtime") ?? [];
  const args = Object.fromEntries(
    all
      .filter((instruction) => instruction.keyword === "ARG")
      .map((instruction) => instruction.args.split("=") as [string, string]),
  );

  it("builds in one stage and runs from a final stage named runtime", () => {
    expect([...byStage.keys()]).toEqual(["build", "runtime"]);
    expect(all.filter((instruction) => instruction.keyword === "FROM").at(-1)?.args).toMatch(
      /AS runtime$/,
    );
  });

  it("pins its base image to a Node 20 slim tag, never latest (hadolint DL3006, DL3007)", () => {
    expect(args.NODE_VERSION).toMatch(/^20(\.\d+)*-\w+-slim$/);
    for (const instruction of all.filter((each) => each.keyword === "FROM")) {
      expect(instruction.args).toMatch(/^node:\$\{NODE_VERSION\} AS \w+$/);
    }
  });

  it("gives Node the heap limits `npm start` gives it", () => {
    const manifest = JSON.parse(read("package.json")) as { scripts: { start: string } };
    const startFlags = manifest.scripts.start.split(/\s+/).filter((word) => word.startsWith("--"));
    expect(startFlags.length).toBeGreaterThan(0);
    const environment = runtime
      .filter((instruction) => instruction.keyword === "ENV")
      .map((instruction) => instruction.args)
      .join(" ");
    const nodeOptions = /NODE_OPTIONS="([^"]*)"/.exec(environment)?.[1] ?? "";
    expect(nodeOptions.split(/\s+/).sort()).toEqual([...startFlags].sort());
  });

  it("runs as a non-root user, with a health check on /healthz and the built CLI", () => {
    const users = runtime.filter((instruction) => instruction.keyword === "USER");
    expect(users.map((user) => user.args)).toEqual(["node"]);
    const healthcheck = runtime.find((instruction) => instruction.keyword === "HEALTHCHECK");
    expect(healthcheck?.args).toMatch(/\/(healthz|readyz)/);
    const entrypoint = runtime.find((instruction) => instruction.keyword === "ENTRYPOINT");
    const manifest = JSON.parse(read("package.json")) as { bin: { gatehouse: string } };
    expect(JSON.parse(entrypoint?.args ?? "null")).toEqual(["node", manifest.bin.gatehouse]);
    const command = runtime.find((instruction) => instruction.keyword === "CMD");
    expect(JSON.parse(command?.args ?? "null")).toEqual(["serve"]);
  });

  it("listens on every interface of the container, on the port it exposes", () => {
    const environment = runtime
      .filter((instruction) => instruction.keyword === "ENV")
      .map((instruction) => instruction.args)
      .join(" ");
    expect(environment).toContain("HOST=0.0.0.0");
    expect(environment).toContain("NODE_ENV=production");
    const port = /PORT=(\d+)/.exec(environment)?.[1];
    expect(runtime.find((instruction) => instruction.keyword === "EXPOSE")?.args).toBe(port);
  });

  it("keeps compilers, dev dependencies and sources out of the final stage", () => {
    expect(runtime.some((instruction) => /apt-get|npm (ci|install)/.test(instruction.args))).toBe(
      false,
    );
    const copies = runtime.filter((instruction) => instruction.keyword === "COPY");
    expect(copies.map((copy) => copy.args)).not.toContainEqual(expect.stringMatching(/\bsrc\b/));
    const build = byStage.get("build") ?? [];
    expect(build.some((instruction) => /npm prune --omit=dev/.test(instruction.args))).toBe(true);
  });

  it("follows hadolint's rules for apt-get and COPY (DL3008 aside: Debian's versions move)", () => {
    for (const instruction of all.filter((each) => each.args.includes("apt-get install"))) {
      expect(instruction.args).toContain("--no-install-recommends"); // DL3015
      expect(instruction.args).toContain("-y"); // DL3014
      expect(instruction.args).toContain("rm -rf /var/lib/apt/lists/*"); // DL3009
    }
    expect(all.some((instruction) => instruction.keyword === "ADD")).toBe(false); // DL3020
    expect(all.some((instruction) => /^(sudo|cd) /.test(instruction.args))).toBe(false); // DL3004, DL3003
    expect(all.filter((instruction) => instruction.keyword === "WORKDIR").length).toBe(2);
  });

  it("copies only files that exist and that .dockerignore lets through", () => {
    const ignore = read(".dockerignore")
      .split("\n")
      .filter((line) => line.startsWith("!"))
      .map((line) => line.slice(1).replace(/\/$/, ""));
    const sources = all
      .filter(
        (instruction) => instruction.keyword === "COPY" && !instruction.args.includes("--from"),
      )
      .flatMap((instruction) => instruction.args.split(/\s+/).slice(0, -1));
    expect(sources.length).toBeGreaterThan(0);
    for (const source of sources) {
      expect(existsSync(new URL(source, root)), source).toBe(true);
      expect(ignore, source).toContain(source.replace(/\/$/, ""));
    }
  });
});

/** A reader for the YAML that compose.yaml uses: block maps and lists, flow lists, scalars. */
function parseYaml(text: string): unknown {
  if (text.includes("\t")) throw new Error("YAML: tabs are not allowed for indentation");
  const lines = text
    .split("\n")
    .map((line, index) => ({ number: index + 1, raw: line.replace(/\s+$/, "") }))
    .filter(({ raw }) => raw.trim() !== "" && !raw.trim().startsWith("#"))
    .map(({ number, raw }) => ({
      number,
      indent: raw.length - raw.trimStart().length,
      text: raw.trim(),
    }));
  let index = 0;
  const scalar = (value: string): unknown => {
    if (value.startsWith("[") || value.startsWith('"')) return JSON.parse(value) as unknown;
    if (value.startsWith("'")) return value.slice(1, -1).replace(/''/g, "'");
    if (/^-?\d+$/.test(value)) return Number(value);
    if (value.includes(" #")) throw new Error(`YAML: a comment after a value: ${value}`);
    return value;
  };
  const block = (indent: number): unknown => {
    const first = lines[index];
    if (first?.text.startsWith("- ")) {
      const list: unknown[] = [];
      while (lines[index]?.indent === indent && lines[index]?.text.startsWith("- ")) {
        list.push(scalar(lines[index]?.text.slice(2) ?? ""));
        index += 1;
      }
      return list;
    }
    const map: Record<string, unknown> = {};
    while (lines[index]?.indent === indent) {
      const line = lines[index];
      const match = /^([A-Za-z0-9_.-]+):(?:\s+(.+))?$/.exec(line?.text ?? "");
      if (match === null) throw new Error(`YAML line ${line?.number}: not "key: value"`);
      const key = match[1] ?? "";
      if (key in map) throw new Error(`YAML line ${line?.number}: ${key} given twice`);
      index += 1;
      const next = lines[index];
      if (match[2] !== undefined) map[key] = scalar(match[2]);
      else if (next !== undefined && next.indent > indent) map[key] = block(next.indent);
      else map[key] = null;
    }
    const next = lines[index];
    if (next !== undefined && next.indent > indent)
      throw new Error(`YAML line ${next.number}: unexpected indentation`);
    return map;
  };
  const document = block(0);
  if (index < lines.length) throw new Error(`YAML line ${lines[index]?.number}: not read`);
  return document;
}

interface Service {
  build?: string;
  image?: string;
  ports?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  volumes?: string[];
}

describe("compose.yaml", () => {
  const text = read("compose.yaml");
  const compose = parseYaml(text) as {
    services: Record<string, Service>;
    volumes: Record<string, null>;
  };
  const gatehouse = compose.services.gatehouse ?? {};

  it("runs Gatehouse, built here, with PostgreSQL and Redis once they are healthy", () => {
    expect(Object.keys(compose.services).sort()).toEqual(["gatehouse", "postgres", "redis"]);
    expect(gatehouse.build).toBe(".");
    expect(gatehouse.depends_on).toEqual({
      postgres: { condition: "service_healthy" },
      redis: { condition: "service_healthy" },
    });
    expect(compose.services.postgres?.healthcheck?.test[0]).toMatch(/^CMD/);
    expect(compose.services.redis?.healthcheck?.test[0]).toMatch(/^CMD/);
  });

  it("gives Gatehouse only settings it knows, production's secrets required", () => {
    const environment = gatehouse.environment ?? {};
    for (const name of Object.keys(environment)) expect(CONFIG_VARIABLES).toContain(name);
    expect(environment.NODE_ENV).toBe("production");
    expect(environment.DATABASE_URL).toMatch(
      /^postgres:\/\/gatehouse:.*@postgres:5432\/gatehouse$/,
    );
    expect(environment.REDIS_URL).toBe("redis://redis:6379/0");
    expect(environment.SECRET_KEY).toMatch(/^\$\{SECRET_KEY:\?/);
    expect(environment.JWT_SECRET_KEY).toMatch(/^\$\{JWT_SECRET_KEY:\?/);
  });

  it("publishes the port the image exposes, on the loopback address only", () => {
    const exposed = /^EXPOSE (\d+)$/m.exec(read("Dockerfile"))?.[1];
    expect(gatehouse.ports).toEqual([`127.0.0.1:${exposed}:${exposed}`]);
  });

  it("declares the volumes it mounts, and closes every ${…} it interpolates", () => {
    const mounted = Object.values(compose.services)
      .flatMap((service) => service.volumes ?? [])
      .map((volume) => volume.split(":")[0]);
    expect(Object.keys(compose.volumes)).toEqual(mounted);
    for (const reference of text.match(/\$\{[^}]*\}?/g) ?? [])
      expect(reference).toMatch(/^\$\{[A-Z_]+(:[-?][^}]*)?\}$/);
  });
});

describe("parseYaml", () => {
  it("refuses what it cannot read rather than guess", () => {
    expect(() => parseYaml("a:\n  b: 1\n    c: 2\n")).toThrow(/indentation/);
    expect(() => parseYaml("a: 1\na: 2\n")).toThrow(/twice/);
    expect(() => parseYaml("a:\n\tb: 1\n")).toThrow(/tabs/);
    expect(parseYaml('a:\n  - "x"\n  - y\nb: [1, 2]\n')).toEqual({ a: ["x", "y"], b: [1, 2] });
  });
});
