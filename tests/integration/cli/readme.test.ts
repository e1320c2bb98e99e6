// The README tells the truth (issue 15): every command of its `sh` blocks and of its CLI table
// exists (npm scripts in package.json, CLI commands whose `--help` works and lists the options
// shown), every file it links to is there, and the quickstart's claims match the code.
import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../../src/config/config.js";
import { runCli } from "../../support/cli.js";

const root = new URL("../../../", import.meta.url);
const README = readFileSync(new URL("README.md", root), "utf8");
const manifest = JSON.parse(readFileSync(new URL("package.json", root), "utf8")) as {
  scripts: Record<string, string>;
  engines: { node: string };
};

interface CliUse {
  command: string;
  options: string[];
  where: string;
}

/** The commands of the README's ```sh blocks, one per line or per `&&`, comments dropped. */
function shellCommands(): string[] {
  return [...README.matchAll(/^[ \t]*```sh\n([\s\S]*?)^[ \t]*```/gm)]
    .flatMap((block) => (block[1] ?? "").split("\n"))
    .map((line) => line.replace(/\s+#.*$/, "").trim())
    .filter((line) => line !== "")
    .flatMap((line) => line.split("&&").map((command) => command.trim()));
}

/** What a shell command runs: npm scripts, CLI commands, docker files; refusals for the rest. */
function classify(line: string): {
  scripts: string[];
  cli?: CliUse;
  files: string[];
  unknown?: string;
} {
  const words = line
    .split(">")[0]!
    .trim()
    .split(/\s+/)
    .filter((word, index, all) => !all.slice(0, index + 1).every((w) => /^[A-Z_]+=/.test(w)));
  const [tool, verb, name, ...rest] = words;
  const cliUse = (args: string[]): CliUse => ({
    command: args[0] ?? "",
    options: args.filter((arg) => arg.startsWith("--")),
    where: line,
  });
  if (tool === "npm" && (verb === "install" || verb === "ci")) return { scripts: [], files: [] };
  if (tool === "npm" && (verb === "test" || verb === "start"))
    return { scripts: [verb], files: [] };
  if (tool === "npm" && verb === "run" && name !== undefined) {
    const args = rest[0] === "--" ? rest.slice(1) : rest;
    return name === "cli"
      ? { scripts: [name], cli: cliUse(args), files: [] }
      : { scripts: [name], files: [] };
  }
  if (tool === "gatehouse" && verb !== undefined)
    return { scripts: [], cli: cliUse(words.slice(1)), files: [] };
  if (tool === "docker" && verb === "build") return { scripts: [], files: ["Dockerfile"] };
  if (tool === "docker" && verb === "compose") return { scripts: [], files: ["compose.yaml"] };
  return { scripts: [], files: [], unknown: line };
}

/** The rows of the CLI section's table: `command [subcommand] <args> [--option]`. */
function cliTable(): CliUse[] {
  const section = README.split(/^## CLI$/m)[1]?.split(/^## /m)[0] ?? "";
  return [...section.matchAll(/^\| `([a-z0-9-]+(?: [a-z][a-z0-9-]*)?)([^`]*)`/gm)].map((row) => ({
    command: row[1] ?? "",
    options: [...(row[2] ?? "").matchAll(/--[a-z-]+/g)].map((option) => option[0]),
    where: `CLI table: ${row[0]}`,
  }));
}

describe("the README's commands", () => {
  const classified = shellCommands().map(classify);

  it("has shell blocks, and only commands this test knows how to check", () => {
    expect(classified.length).toBeGreaterThan(5);
    expect(classified.flatMap((each) => each.unknown ?? [])).toEqual([]);
  });

  it("names only npm scripts that package.json defines, in its blocks and in its text", () => {
    const inText = [...README.matchAll(/npm run ([\w:-]+)/g)].map((match) => match[1] ?? "");
    const named = [...classified.flatMap((each) => each.scripts), ...inText];
    expect(named.length).toBeGreaterThan(3);
    for (const script of named) expect(manifest.scripts, script).toHaveProperty([script]);
  });

  it("names only files that exist", () => {
    const files = classified.flatMap((each) => each.files);
    const links = [...README.matchAll(/\]\((?!https?:|#)([^)\s]+)\)/g)].map(
      (match) => match[1] ?? "",
    );
    expect(links.length).toBeGreaterThan(5);
    for (const file of [...files, ...links])
      expect(existsSync(new URL(file, root)), file).toBe(true);
  });

  it("names only CLI commands whose --help works and lists the options shown", async () => {
    const uses = [...classified.flatMap((each) => each.cli ?? []), ...cliTable()];
    const commands = [...new Set(uses.map((use) => use.command))];
    expect(commands).toEqual(
      expect.arrayContaining(["serve", "createsuperuser", "changepassword"]),
    );
    const helps = new Map(
      await Promise.all(
        commands.map(
          async (command) => [command, await runCli([...command.split(" "), "--help"])] as const,
        ),
      ),
    );
    for (const use of uses) {
      const help = helps.get(use.command);
      expect(help?.code, `${use.where}: ${help?.stderr ?? ""}`).toBe(0);
      expect(help?.stdout, use.where).toContain(`Usage: gatehouse ${use.command}`);
      for (const option of use.options) expect(help?.stdout, use.where).toContain(option);
    }
    // A dozen CLIs start at once, each compiling the sources: a busy CI machine took over 60 s.
  }, 180_000);
});

describe("the quickstart's claims", () => {
  const defaults = loadConfig({});

  it("starts on http://127.0.0.1:4000 with a SQLite file at ./data/gatehouse.sqlite", () => {
    expect(README).toContain("starts on http://127.0.0.1:4000");
    expect(`http://${defaults.http.host}:${defaults.http.port}`).toBe("http://127.0.0.1:4000");
    expect(README).toContain("a SQLite file at `./data/gatehouse.sqlite`");
    expect(defaults.database.url).toBe("sqlite:./data/gatehouse.sqlite");
    expect(defaults.mail.transport.kind).toBe("console");
    expect(defaults.database.migrateOnStart).toBe(true);
  });

  it("builds before starting, and tests with typecheck, lint, unit and integration", () => {
    expect(manifest.scripts.prestart).toContain("npm run build");
    for (const step of ["npm run typecheck", "npm run lint", "vitest run"])
      expect(manifest.scripts.test).toContain(step);
  });

  it("states the Node versions package.json's engines allow", () => {
    expect(manifest.engines.node).toBe(">=20.19 <21 || >=22");
    expect(README).toContain("Node.js 20.19 or a later 20.x, or 22 and later");
  });
});
