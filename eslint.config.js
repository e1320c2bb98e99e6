// Lint enforces STYLE.md §2 (who may import whom) and the promise rules; a violation fails npm test.
import path from "node:path";
import js from "@eslint/js";
import tseslint from "typescript-eslint";
import importX from "eslint-plugin-import-x";
import { createTypeScriptImportResolver } from "eslint-import-resolver-typescript";

const root = import.meta.dirname;

const zone = (target, from, message, except) => ({
  target,
  from,
  message,
  ...(except && { except }),
});

const transportFree =
  "accounts/ is transport-free: the API, the admin UI and the CLI share its rules";
const noSql = "transport code speaks to accounts/, never to SQL";
// A regex, not a gitignore group: "graphql/*" would also match our own "../graphql/errors.js".
const noTransportPackages = {
  regex: String.raw`^(graphql|mercurius|fastify)(/|$)|^@(pothos|fastify|escape\.tech)/`,
  message: "accounts/ is transport-free: no GraphQL server, no HTTP framework.",
};
// deps.ts wires accounts/ together, so a value import from accounts/ would be a cycle.
const depsTypeOnly = {
  group: ["**/deps.js"],
  message: "accounts/ receives its Deps; only `import type { Deps }` from deps.ts.",
  allowTypeImports: true,
};
const configTypesOnly = (layer) => ({
  group: ["**/config/*"],
  message: `${layer} takes its settings as a Config argument: type imports from config/ only.`,
  allowTypeImports: true,
});
const sqlInStores = {
  group: ["kysely", "**/db/*"],
  message: "SQL lives in *-store.ts files.",
  allowTypeImports: true,
};

/**
 * STYLE.md §2 as lint rules. Exported so tests/unit/lint/layering.test.ts probes these very zones:
 * a rule that cannot resolve an import passes it in silence.
 */
export const layering = [
  {
    files: ["src/**/*.ts"],
    plugins: { "import-x": importX },
    settings: {
      // Our sources import "./x.js" for ./x.ts; without this resolver no zone ever matches.
      "import-x/resolver-next": [
        createTypeScriptImportResolver({ project: path.join(root, "tsconfig.json") }),
      ],
      // no-cycle only follows modules with these extensions; the default (.js, .mjs, .cjs) would
      // skip every one of our sources and find no cycle at all.
      "import-x/extensions": [".ts", ".js"],
    },
    rules: {
      "import-x/no-restricted-paths": [
        "error",
        {
          basePath: root,
          zones: [
            zone(
              "./src/accounts",
              ["./src/graphql", "./src/admin", "./src/http", "./src/cli", "./src/main.ts"],
              transportFree,
            ),
            zone("./src/graphql", "./src/db", noSql),
            zone("./src/admin", "./src/db", noSql),
            zone(
              "./src/graphql",
              ["./src/admin", "./src/http", "./src/cli"],
              "graphql/ is one transport; it shares accounts/, not other transports",
            ),
            zone(
              "./src/admin",
              ["./src/graphql", "./src/http", "./src/cli"],
              "admin/ is one transport; it shares accounts/, not other transports",
            ),
            zone(
              "./src/http",
              ["./src/db", "./src/accounts"],
              "http/ serves graphql/ and admin/; it reaches the rest through deps",
            ),
            zone("./src/db", "./src", "db/ knows no domain", ["./db", "./config"]),
            zone("./src/mail", "./src", "mail/ only delivers messages", ["./mail", "./config"]),
            zone("./src/config", "./src", "config/ is read by everyone and reads no one", [
              "./config",
            ]),
          ],
        },
      ],
      // Type-only imports never count (the rule skips them), so `import type { Deps }` is no cycle.
      // Packages cannot import us back, and walking their declaration files only costs time.
      "import-x/no-cycle": ["error", { ignoreExternal: true }],
    },
  },
  {
    files: ["src/accounts/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        { patterns: [noTransportPackages, depsTypeOnly, configTypesOnly("accounts/")] },
      ],
    },
  },
  {
    // Repeats the block above: a later block replaces the rule's options, it does not merge them.
    files: ["src/accounts/**/*.ts"],
    ignores: ["src/accounts/**/*-store.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [noTransportPackages, depsTypeOnly, configTypesOnly("accounts/"), sqlInStores],
        },
      ],
    },
  },
  {
    files: ["src/graphql/**/*.ts", "src/admin/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            { group: ["kysely", "pg", "better-sqlite3"], message: "No storage in transport code." },
          ],
        },
      ],
    },
  },
  {
    files: ["src/db/**/*.ts"],
    rules: { "no-restricted-imports": ["error", { patterns: [configTypesOnly("db/")] }] },
  },
];

export default tseslint.config(
  { ignores: ["dist/**", "node_modules/**", "bench/results/**", "coverage/**"] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: root },
    },
    rules: {
      "@typescript-eslint/switch-exhaustiveness-check": "error",
      // Dropping fields with a rest pattern (`{ secret: _secret, ...rest }`) is intended.
      "@typescript-eslint/no-unused-vars": [
        "error",
        { ignoreRestSiblings: true, varsIgnorePattern: "^_" },
      ],
      "@typescript-eslint/restrict-template-expressions": ["error", { allowNumber: true }],
      "no-console": "error",
      "no-restricted-syntax": [
        "error",
        {
          selector: "MemberExpression[object.name='process'][property.name='env']",
          message: "Only src/config reads process.env: take settings from Config.",
        },
        {
          selector: "CallExpression[callee.object.name='process'][callee.property.name='exit']",
          message: "Only the CLI and main.ts exit the process.",
        },
      ],
    },
  },
  ...layering,
  {
    files: ["src/cli/**/*.ts", "src/main.ts"],
    rules: { "no-console": "off", "no-restricted-syntax": "off" },
  },
  {
    // Migrations are typed against Kysely<any> so they stay frozen in time (STYLE.md §8).
    files: ["src/db/migrate.ts", "src/db/migrations/**/*.ts"],
    rules: { "@typescript-eslint/no-explicit-any": "off" },
  },
  {
    files: ["src/config/**/*.ts"],
    rules: { "no-restricted-syntax": "off" },
  },
  {
    files: ["tests/**/*.ts", "bench/**/*.ts", "*.config.ts"],
    rules: {
      "no-console": "off",
      "no-restricted-syntax": "off",
      "@typescript-eslint/no-non-null-assertion": "off",
    },
  },
  {
    files: ["**/*.js", "**/*.mjs"],
    ...tseslint.configs.disableTypeChecked,
  },
);
