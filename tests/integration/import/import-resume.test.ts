// gatehouse import-django run as an operator runs it (a child process), killed with SIGKILL in
// the middle of its users: the next run continues after the last batch that committed, imports
// every user exactly once, and they sign in.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createDjangoSource,
  djangoPbkdf2,
  type DjangoSourceDb,
} from "../../support/django-source.js";
import { TOKEN_AUTH_USERNAME } from "../../support/operations.js";
import {
  freshDatabaseUrl,
  startTestApp,
  testDatabases,
  type TestApp,
} from "../../support/test-app.js";

const PROJECT_ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const USERS = 4000;
const BATCH = 100;

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** `gatehouse import-django …`; `killAfter` SIGKILLs it once a progress line matches. */
function importDjango(args: string[], databaseUrl: string, killAfter?: RegExp): Promise<Run> {
  const env = {
    PATH: process.env.PATH ?? "",
    HOME: process.env.HOME ?? "",
    DATABASE_URL: databaseUrl,
    LOG_LEVEL: "warn",
  };
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", "src/cli/main.ts", "import-django", ...args],
      {
        cwd: PROJECT_ROOT,
        env,
      },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
      if (killAfter?.test(stderr) === true) child.kill("SIGKILL");
    });
    child.on("error", reject);
    child.on("close", (code, signal) => {
      resolve({ code, signal, stdout, stderr });
    });
    child.stdin.end();
  });
}

describe.each(testDatabases())("import-django killed halfway, into %s", (target) => {
  let django: DjangoSourceDb;
  let database: { url: string; drop: () => Promise<void> };
  let app: TestApp | undefined;
  const password = "bulk-Django-pass";

  beforeAll(async () => {
    // The source is the other kind of database: both kinds of source are read somewhere here.
    django = await createDjangoSource(target === "sqlite" ? "postgres" : "sqlite", "auth");
    await django.addUsersInBulk({
      count: USERS,
      passwordHash: djangoPbkdf2(password),
      tokenEvery: 3,
      groupEvery: 10,
    });
    database = await freshDatabaseUrl(target);
  });
  afterAll(async () => {
    await app?.close();
    await database.drop();
    await django.drop();
  });

  it("continues after the last committed batch and imports every user once", async () => {
    const args = ["--from", django.url, "--batch-size", String(BATCH)];
    const killed = await importDjango(args, database.url, /users: \d+\/4,000/);
    expect(killed.signal, killed.stderr).toBe("SIGKILL");

    app = await startTestApp(target, { DATABASE_URL: database.url });
    const db = app.deps.db;
    const countUsers = async () =>
      Number(
        (
          await db
            .selectFrom("users")
            .select((eb) => eb.fn.countAll<number | string>().as("n"))
            .executeTakeFirstOrThrow()
        ).n,
      );
    const state = await db.selectFrom("django_import_state").selectAll().executeTakeFirstOrThrow();
    expect(state.phase).toBe("users");
    expect(state.finished_at).toBeNull();
    const imported = await countUsers();
    expect(imported).toBeGreaterThan(0);
    expect(imported).toBeLessThan(USERS);
    expect(imported % BATCH).toBe(0);

    const resumed = await importDjango(args, database.url);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toContain(`Continued an interrupted import: users after Django id`);
    expect(resumed.stdout).toMatch(
      new RegExp(`users\\s+${(USERS - imported).toLocaleString("en-US")}\\s+0\\s+0\\s+0`),
    );
    expect(resumed.stderr).toMatch(/users: 4,000 rows to read|users: \d[\d,]* rows to read/);
    expect(resumed.stderr).toMatch(/rows\/s/);
    expect(await countUsers()).toBe(USERS);
    const mapped = await db
      .selectFrom("django_import_map")
      .select((eb) => eb.fn.countAll<number | string>().as("n"))
      .where("kind", "=", "user")
      .executeTakeFirstOrThrow();
    expect(Number(mapped.n)).toBe(USERS);
    const tokens = await db
      .selectFrom("refresh_tokens")
      .select((eb) => eb.fn.countAll<number | string>().as("n"))
      .executeTakeFirstOrThrow();
    expect(Number(tokens.n)).toBe(Math.floor(USERS / 3));
    const finished = await db
      .selectFrom("django_import_state")
      .selectAll()
      .executeTakeFirstOrThrow();
    expect(finished.finished_at).not.toBeNull();

    for (const n of [1, imported, imported + 1, USERS]) {
      const login = await app.gql(TOKEN_AUTH_USERNAME, { username: `bulk${String(n)}`, password });
      expect((login.body.data?.tokenAuth as { success: boolean }).success, `bulk${String(n)}`).toBe(
        true,
      );
    }
  });
});
