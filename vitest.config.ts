import { defineConfig } from "vitest/config";

// Node loads graphql's CommonJS build for every `import "graphql"` (the package has no "exports"),
// but Vite would pick its .mjs "module" build for our sources while Pothos and Mercurius keep the
// CommonJS one: two realms, and graphql's instanceof checks throw. Resolve as Node does.
const sameGraphqlAsNode = { alias: [{ find: /^graphql$/, replacement: "graphql/index.js" }] };

export default defineConfig({
  test: {
    projects: [
      {
        resolve: sameGraphqlAsNode,
        test: {
          name: "unit",
          include: ["tests/unit/**/*.test.ts"],
        },
      },
      {
        resolve: sameGraphqlAsNode,
        test: {
          name: "integration",
          include: ["tests/integration/**/*.test.ts"],
          testTimeout: 30_000,
          hookTimeout: 60_000,
          globalSetup: ["tests/support/global-setup.ts"],
        },
      },
      {
        resolve: sameGraphqlAsNode,
        test: {
          name: "browser",
          include: ["tests/browser/**/*.test.ts"],
          testTimeout: 60_000,
          hookTimeout: 90_000,
          globalSetup: ["tests/support/global-setup.ts"],
        },
      },
    ],
  },
});
