// STYLE.md §2: each layering rule must refuse a probe import, or it has stopped firing. A rule
// whose resolver cannot find "./x.js" for x.ts passes everything in silence, so every probe
// imports a real module through a relative ".js" specifier, as our sources do.
import { fileURLToPath, pathToFileURL } from "node:url";
import { ESLint, type Linter } from "eslint";
import tseslint from "typescript-eslint";
import { beforeAll, describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../../../", import.meta.url));

const ZONES = "import-x/no-restricted-paths";
const IMPORTS = "no-restricted-imports";
const CYCLES = "import-x/no-cycle";

let eslint: ESLint;
let layering: Linter.Config[];
let projectConfig: Linter.Config[];

beforeAll(async () => {
  // A computed URL: eslint.config.js is plain JavaScript and ships no declarations.
  const configUrl = pathToFileURL(`${root}eslint.config.js`).href;
  const config = (await import(configUrl)) as {
    layering: Linter.Config[];
    default: Linter.Config[];
  };
  layering = config.layering;
  projectConfig = config.default;
  eslint = new ESLint({
    cwd: root,
    overrideConfigFile: true,
    // No type information: the probes are texts at paths that no tsconfig lists.
    overrideConfig: [
      { files: ["**/*.ts"], languageOptions: { parser: tseslint.parser } },
      ...layering,
    ],
  });
});

interface Report {
  rule: string;
  message: string;
}

async function lint(filePath: string, code: string): Promise<Report[]> {
  const [result] = await eslint.lintText(`${code}\n`, { filePath });
  if (result === undefined) throw new Error(`no lint result for ${filePath}`);
  return result.messages.map((m) => {
    // A parse error or an ignored file would report nothing of ours: fail rather than pass.
    if (m.ruleId === null) throw new Error(`${filePath}: ${m.message}`);
    return { rule: m.ruleId, message: m.message };
  });
}

/** Exactly one report, by `rule`, whose message gives the reason `why`. */
function expectOnly(reports: Report[], rule: string, why: string): void {
  expect(reports.map((r) => r.rule)).toEqual([rule]);
  expect(reports[0]?.message).toContain(why);
}

interface Probe {
  from: string;
  code: string;
}

const probe = (from: string, code: string): Probe => ({ from, code });

it("lints the project with these very layering blocks", () => {
  for (const block of layering) expect(projectConfig).toContain(block);
});

describe("layering zones (import-x/no-restricted-paths)", () => {
  const refused: [string, Probe, string][] = [
    [
      "graphql/ from accounts/",
      probe("src/accounts/probe.ts", 'import { PublicGraphQLError } from "../graphql/errors.js";'),
      "accounts/ is transport-free",
    ],
    [
      "graphql/ from a room inside accounts/",
      probe(
        "src/accounts/staff/probe.ts",
        'import { PublicGraphQLError } from "../../graphql/errors.js";',
      ),
      "accounts/ is transport-free",
    ],
    [
      "admin/ from accounts/",
      probe("src/accounts/probe.ts", 'import { renderPage } from "../admin/render.js";'),
      "accounts/ is transport-free",
    ],
    [
      "http/ from accounts/",
      probe("src/accounts/tokens/probe.ts", 'import { buildServer } from "../../http/server.js";'),
      "accounts/ is transport-free",
    ],
    [
      "cli/ from accounts/",
      probe("src/accounts/probe.ts", 'import { registerCommands } from "../cli/commands.js";'),
      "accounts/ is transport-free",
    ],
    [
      "main.ts from accounts/",
      probe("src/accounts/probe.ts", 'import { startServer } from "../main.js";'),
      "accounts/ is transport-free",
    ],
    [
      "db/ from graphql/",
      probe("src/graphql/probe.ts", 'import { pingDatabase } from "../db/database.js";'),
      "never to SQL",
    ],
    [
      "db/ types from graphql/operations/",
      probe(
        "src/graphql/operations/probe.ts",
        'import type { Database } from "../../db/tables.js";',
      ),
      "never to SQL",
    ],
    [
      "db/ from admin/",
      probe("src/admin/probe.ts", 'import { pingDatabase } from "../db/database.js";'),
      "never to SQL",
    ],
    [
      "db/ from http/",
      probe("src/http/probe.ts", 'import { pingDatabase } from "../db/database.js";'),
      "it reaches the rest through deps",
    ],
    [
      "accounts/ from http/",
      probe("src/http/probe.ts", 'import { signIn } from "../accounts/sessions.js";'),
      "it reaches the rest through deps",
    ],
    [
      "admin/ from graphql/",
      probe("src/graphql/probe.ts", 'import { renderPage } from "../admin/render.js";'),
      "graphql/ is one transport",
    ],
    [
      "http/ from graphql/",
      probe("src/graphql/probe.ts", 'import { buildServer } from "../http/server.js";'),
      "graphql/ is one transport",
    ],
    [
      "graphql/ from admin/",
      probe("src/admin/probe.ts", 'import { PublicGraphQLError } from "../graphql/errors.js";'),
      "admin/ is one transport",
    ],
    [
      "cli/ from admin/",
      probe("src/admin/probe.ts", 'import { registerCommands } from "../cli/commands.js";'),
      "admin/ is one transport",
    ],
    ...(
      [
        ["accounts/", "../accounts/errors.js"],
        ["accounts/ types", "../accounts/types.js"],
        ["graphql/", "../graphql/errors.js"],
        ["admin/", "../admin/render.js"],
        ["http/", "../http/server.js"],
        ["cli/", "../cli/commands.js"],
        ["mail/", "../mail/mailer.js"],
        ["deps.ts", "../deps.js"],
        ["main.ts", "../main.js"],
      ] as const
    ).map(([what, specifier]): [string, Probe, string] => [
      `${what} from db/`,
      probe("src/db/probe.ts", `import type { X } from "${specifier}";`),
      "db/ knows no domain",
    ]),
    ...(
      [
        ["accounts/", "../accounts/errors.js"],
        ["graphql/", "../graphql/errors.js"],
        ["admin/", "../admin/render.js"],
        ["http/", "../http/server.js"],
        ["cli/", "../cli/commands.js"],
        ["db/", "../db/database.js"],
        ["deps.ts", "../deps.js"],
      ] as const
    ).map(([what, specifier]): [string, Probe, string] => [
      `${what} from mail/`,
      probe("src/mail/probe.ts", `import { x } from "${specifier}";`),
      "mail/ only delivers messages",
    ]),
    ...(
      [
        ["accounts/", "../accounts/errors.js"],
        ["db/", "../db/database.js"],
        ["mail/", "../mail/mailer.js"],
        ["deps.ts", "../deps.js"],
        ["graphql/", "../graphql/errors.js"],
      ] as const
    ).map(([what, specifier]): [string, Probe, string] => [
      `${what} from config/`,
      probe("src/config/probe.ts", `import { x } from "${specifier}";`),
      "config/ is read by everyone and reads no one",
    ]),
  ];

  it.each(refused)("refuses an import of %s", async (_name, { from, code }, why) => {
    const reports = await lint(from, code);
    expectOnly(reports, ZONES, why);
  });

  const allowed: [string, Probe][] = [
    [
      "accounts/ → its own errors.ts",
      probe("src/accounts/probe.ts", 'import { AccountsError } from "./errors.js";'),
    ],
    [
      "a room in accounts/ → the accounts/ stores",
      probe("src/accounts/staff/probe.ts", 'import { findUserById } from "../users-store.js";'),
    ],
    [
      "accounts/ → the Deps type",
      probe("src/accounts/probe.ts", 'import type { Deps } from "../deps.js";'),
    ],
    [
      "accounts/ → the Config type",
      probe("src/accounts/probe.ts", 'import type { Config } from "../config/config.js";'),
    ],
    [
      "accounts/ → the mail transport interface",
      probe(
        "src/accounts/mail/probe.ts",
        'import type { MailTransport } from "../../mail/mailer.js";',
      ),
    ],
    [
      "graphql/ → accounts/",
      probe("src/graphql/probe.ts", 'import { AccountsError } from "../accounts/errors.js";'),
    ],
    [
      "graphql/operations/ → accounts/",
      probe(
        "src/graphql/operations/probe.ts",
        'import { signIn } from "../../accounts/sessions.js";',
      ),
    ],
    [
      "admin/ → accounts/",
      probe("src/admin/probe.ts", 'import { canAdmin } from "../accounts/staff/access.js";'),
    ],
    [
      "http/ → graphql/, admin/ and deps.ts",
      probe(
        "src/http/probe.ts",
        [
          'import { registerGraphQL } from "../graphql/http.js";',
          'import { renderPage } from "../admin/render.js";',
          'import type { Deps } from "../deps.js";',
        ].join("\n"),
      ),
    ],
    [
      "cli/ → accounts/, db/, config/ and deps.ts",
      probe(
        "src/cli/probe.ts",
        [
          'import { createSuperuser } from "../accounts/users.js";',
          'import { migrateToLatest } from "../db/migrate.js";',
          'import { loadConfig } from "../config/config.js";',
          'import { createDeps } from "../deps.js";',
        ].join("\n"),
      ),
    ],
    [
      "db/ → itself and the Config type",
      probe(
        "src/db/probe.ts",
        'import type { Database } from "./tables.js";\nimport type { Config } from "../config/config.js";',
      ),
    ],
    [
      "mail/ → the Config type",
      probe("src/mail/probe.ts", 'import type { Config } from "../config/config.js";'),
    ],
    [
      "config/ → itself",
      probe("src/config/probe.ts", 'import { parseDuration } from "./durations.js";'),
    ],
  ];

  it.each(allowed)("allows %s", async (_name, { from, code }) => {
    expect(await lint(from, code)).toEqual([]);
  });
});

describe("SQL and transport imports (no-restricted-imports)", () => {
  const refused: [string, Probe, string][] = [
    [
      "kysely from an accounts/ file that is not a store",
      probe("src/accounts/probe.ts", 'import { sql } from "kysely";'),
      "*-store.ts",
    ],
    [
      "db/ from a file in an accounts/ room that is not a store",
      probe("src/accounts/staff/probe.ts", 'import { PREPARE_ONCE } from "../../db/key-reads.js";'),
      "*-store.ts",
    ],
    [
      "deps.ts as a value from accounts/",
      probe("src/accounts/probe.ts", 'import { createDeps } from "../deps.js";'),
      "import type { Deps }",
    ],
    [
      "deps.ts as a value from a store in an accounts/ room",
      probe("src/accounts/tokens/probe-store.ts", 'import { systemClock } from "../../deps.js";'),
      "import type { Deps }",
    ],
    [
      "config/ as a value from accounts/",
      probe("src/accounts/probe.ts", 'import { loadConfig } from "../config/config.js";'),
      "type imports from config/ only",
    ],
    [
      "config/ as a value from db/",
      probe("src/db/probe.ts", 'import { loadConfig } from "../config/config.js";'),
      "type imports from config/ only",
    ],
    [
      "the GraphQL library from accounts/",
      probe("src/accounts/probe.ts", 'import { GraphQLError } from "graphql";'),
      "transport-free",
    ],
    [
      "the GraphQL server from an accounts/ store",
      probe("src/accounts/rate-limits/probe-store.ts", 'import mercurius from "mercurius";'),
      "transport-free",
    ],
    [
      "fastify from accounts/",
      probe("src/accounts/probe.ts", 'import type { FastifyRequest } from "fastify";'),
      "transport-free",
    ],
    [
      "kysely from graphql/",
      probe("src/graphql/probe.ts", 'import type { Kysely } from "kysely";'),
      "No storage",
    ],
    ["pg from admin/", probe("src/admin/probe.ts", 'import pg from "pg";'), "No storage"],
    [
      "better-sqlite3 from graphql/",
      probe("src/graphql/operations/probe.ts", 'import SQLite from "better-sqlite3";'),
      "No storage",
    ],
  ];

  it.each(refused)("refuses %s", async (_name, { from, code }, why) => {
    const reports = await lint(from, code);
    expectOnly(reports, IMPORTS, why);
  });

  const allowed: [string, Probe][] = [
    [
      "kysely and db/ from a store in an accounts/ room",
      probe(
        "src/accounts/staff/probe-store.ts",
        'import { sql } from "kysely";\nimport { PREPARE_ONCE } from "../../db/key-reads.js";',
      ),
    ],
    [
      "db/ from a store in accounts/",
      probe("src/accounts/probe-store.ts", 'import { PREPARE_ONCE } from "../db/key-reads.js";'),
    ],
    [
      "kysely and db/ types from an accounts/ file that is not a store",
      probe(
        "src/accounts/staff/probe.ts",
        'import type { Kysely } from "kysely";\nimport type { Database } from "../../db/tables.js";',
      ),
    ],
  ];

  it.each(allowed)("allows %s", async (_name, { from, code }) => {
    expect(await lint(from, code)).toEqual([]);
  });
});

describe("import cycles (import-x/no-cycle)", () => {
  it("refuses a runtime import that leads back to the importing module", async () => {
    // validation.ts imports MESSAGES from errors.ts, so errors.ts may not import it back.
    const reports = await lint(
      "src/accounts/errors.ts",
      'import { normalizeEmail } from "./validation.js";',
    );
    expect(reports).toEqual([{ rule: CYCLES, message: "Dependency cycle detected" }]);
  });

  it("refuses a cycle that passes through several modules", async () => {
    // schema.ts never names graphql/errors.ts, but its mutations and operations import it.
    const reports = await lint(
      "src/graphql/errors.ts",
      'import { printedSchema } from "./schema.js";',
    );
    expectOnly(reports, CYCLES, "Dependency cycle via");
  });

  it("allows a type-only import of a module that imports the importer", async () => {
    const reports = await lint(
      "src/accounts/errors.ts",
      'import type { Email } from "./validation.js";',
    );
    expect(reports).toEqual([]);
  });

  it("allows a runtime import whose way back is type-only", async () => {
    // users.ts imports accounts/types.ts for types only, which is not a runtime cycle.
    const reports = await lint(
      "src/accounts/types.ts",
      'import { getVisibleUser } from "./users.js";',
    );
    expect(reports).toEqual([]);
  });
});
