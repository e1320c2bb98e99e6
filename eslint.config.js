// Lint enforces STYLE.md §2 (who may import whom) and the promise rules; a violation fails npm test.
import js from "@eslint/js";
import tseslint from "typescript-eslint";
import importX from "eslint-plugin-import-x";

const zone = (target, from, message) => ({ target, from, message });

export default tseslint.config(
  { ignores: ["dist/**", "node_modules/**", "bench/results/**", "coverage/**"] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { "import-x": importX },
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
      "import-x/no-restricted-paths": [
        "error",
        {
          zones: [
            zone("./src/accounts", "./src/graphql", "accounts/ is transport-free"),
            zone("./src/accounts", "./src/admin", "accounts/ is transport-free"),
            zone("./src/accounts", "./src/http", "accounts/ is transport-free"),
            zone("./src/accounts", "./src/cli", "accounts/ is transport-free"),
            zone("./src/graphql", "./src/db", "graphql/ speaks to accounts/, never to SQL"),
            zone("./src/admin", "./src/db", "admin/ speaks to accounts/, never to SQL"),
            zone("./src/db", "./src/accounts", "db/ knows no domain"),
            zone("./src/mail", "./src/accounts", "mail/ only delivers messages"),
          ],
        },
      ],
    },
  },
  {
    // Only the stores and db/ speak SQL.
    files: ["src/accounts/**/*.ts"],
    ignores: ["src/accounts/**/*-store.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["kysely", "**/db/*"],
              message: "SQL lives in *-store.ts files.",
              allowTypeImports: true,
            },
          ],
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
