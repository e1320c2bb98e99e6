// The users table follows USER_FIELDS across starts (issue 13, item 2): new fields are added
// with their defaults and data kept; a removed or retyped field stops the start, saying what it
// would drop or convert, until `gatehouse fields --apply` does it.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  applyUserFieldColumns,
  fieldValues,
  newUserFieldColumns,
  syncUserFieldColumns,
} from "../../../../src/accounts/fields/user-fields.js";
import { findUserById } from "../../../../src/accounts/users-store.js";
import { insertUser } from "../../../../src/accounts/user-writes-store.js";
import { loadConfig } from "../../../../src/config/config.js";
import { migrateToLatest } from "../../../../src/db/migrate.js";
import { createDeps, type Deps } from "../../../../src/deps.js";
import { aPersistentDatabase, type PersistentDatabase } from "../../../support/server-process.js";
import { testDatabases, unique } from "../../../support/test-app.js";

const PROJECT_ROOT = fileURLToPath(new URL("../../../../", import.meta.url));
const PHONE = { type: "CharField", max_length: 20, blank: true, default: "" };
const LEVEL = { type: "IntegerField", default: 1 };

async function withDeps<T>(
  database: PersistentDatabase,
  fields: Record<string, unknown>,
  run: (deps: Deps) => Promise<T>,
): Promise<T> {
  const config = loadConfig({
    NODE_ENV: "test",
    DATABASE_URL: database.url,
    USER_FIELDS: JSON.stringify(fields),
    LOG_LEVEL: "silent",
  });
  const deps = createDeps(config, { log: pino({ level: "silent" }) });
  try {
    await migrateToLatest(deps.db);
    return await run(deps);
  } finally {
    await deps.close();
  }
}

async function aUser(deps: Deps, values: Record<string, unknown>): Promise<number> {
  const username = unique("fields");
  return insertUser(deps.db, {
    username,
    email: `${username}@example.com`,
    passwordHash: "!",
    dateJoined: new Date(),
    fieldColumns: newUserFieldColumns(deps.config, values),
  });
}

async function valuesOf(deps: Deps, id: number) {
  const user = await findUserById(deps.db, id);
  return user === undefined ? undefined : fieldValues(deps.config, user);
}

describe.each(testDatabases())("USER_FIELDS changes between starts, on %s", (database) => {
  let storage: PersistentDatabase;
  beforeAll(async () => {
    storage = await aPersistentDatabase(database);
  });
  afterAll(async () => {
    await storage.drop();
  });

  it("adds a new field with its default to existing users and keeps every value", async () => {
    const id = await withDeps(storage, { phone: PHONE }, async (deps) => {
      await syncUserFieldColumns(deps);
      return aUser(deps, { phone: "+41 79 000 00 00" });
    });
    await withDeps(storage, { phone: PHONE, level: LEVEL }, async (deps) => {
      const plan = await syncUserFieldColumns(deps);
      expect(plan.added.map((field) => field.name)).toEqual(["level"]);
      expect(await valuesOf(deps, id)).toEqual({ phone: "+41 79 000 00 00", level: 1 });
    });
  });

  it("refuses to start with a field removed or retyped, saying what it would do, and keeps the data", async () => {
    const id = await withDeps(storage, { phone: PHONE, level: LEVEL }, async (deps) => {
      await syncUserFieldColumns(deps);
      return aUser(deps, { phone: "555-0100", level: 7 });
    });
    await withDeps(storage, { phone: { ...PHONE, max_length: 40 } }, async (deps) => {
      await expect(syncUserFieldColumns(deps)).rejects.toThrow(
        /converts column phone \(maxLength 20 → 40\)[\s\S]*drops column level and every value in it[\s\S]*gatehouse fields --apply/,
      );
    });
    await withDeps(storage, { phone: PHONE, level: LEVEL }, async (deps) => {
      expect(await valuesOf(deps, id)).toEqual({ phone: "555-0100", level: 7 });
    });
  });

  it("drops and converts columns when told to, keeping what remains", async () => {
    const id = await withDeps(storage, { phone: PHONE, level: LEVEL }, async (deps) => {
      await syncUserFieldColumns(deps);
      return aUser(deps, { phone: "555-0199", level: 3 });
    });
    await withDeps(storage, { phone: { ...PHONE, max_length: 40 } }, async (deps) => {
      const plan = await applyUserFieldColumns(deps);
      expect(plan.destructive.map((change) => change.name).sort()).toEqual(["level", "phone"]);
      expect(await valuesOf(deps, id)).toEqual({ phone: "555-0199" });
      const longer = await aUser(deps, { phone: "x".repeat(40) });
      expect(await valuesOf(deps, longer)).toEqual({ phone: "x".repeat(40) });
      // Applied: the next start finds nothing to do.
      const again = await syncUserFieldColumns(deps);
      expect(again).toEqual({ added: [], recorded: [], destructive: [] });
    });
  });
});

describe("a server started with a declaration Django would refuse", () => {
  it("exits at start naming the field and the problem", () => {
    const result = spawnSync(process.execPath, ["--import", "tsx", "src/cli/main.ts", "serve"], {
      cwd: PROJECT_ROOT,
      env: {
        PATH: process.env.PATH ?? "",
        HOME: process.env.HOME ?? "",
        DATABASE_URL: "sqlite::memory:",
        USER_FIELDS: '{"nickname": {"type": "CharField"}}',
        LOGIN_ALLOWED_FIELDS: '["phone"]',
      },
      encoding: "utf8",
      timeout: 30_000,
    });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain(
      "USER_FIELDS: nickname: CharFields must define a 'max_length' attribute (Django fields.E120)",
    );
    expect(result.stderr).toContain('LOGIN_ALLOWED_FIELDS: the user model has no field "phone"');
  });
});
