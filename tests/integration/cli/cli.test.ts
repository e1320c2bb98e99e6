// The gatehouse CLI (SPEC §1) run as an operator runs it: a child process on a SQLite file, whose
// effects are then checked through a started server on the same file.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { aRegisteredUser, STRONG_PASSWORD } from "../../support/builders.js";
import { ME, REVOKE_TOKEN, TOKEN_AUTH_USERNAME } from "../../support/operations.js";
import { startTestApp, unique, type TestApp } from "../../support/test-app.js";

const PROJECT_ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const EIGHT_DAYS_SECONDS = 8 * 86_400;

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `gatehouse <args>` with only the given settings in its environment. */
function runCli(
  args: string[],
  options: { env?: Record<string, string>; input?: string } = {},
): Promise<CliResult> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "",
    HOME: process.env.HOME ?? "",
    ...(process.env.TMPDIR === undefined ? {} : { TMPDIR: process.env.TMPDIR }),
    PASSWORD_HASH_MEMORY_KIB: "1024",
    PASSWORD_HASH_TIME_COST: "1",
    LOG_LEVEL: "warn",
    ...options.env,
  };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "src/cli/main.ts", ...args], {
      cwd: PROJECT_ROOT,
      env,
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => {
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(options.input ?? "");
  });
}

/** A SQLite file of its own in a temporary folder. */
function aDatabaseFile() {
  const dir = mkdtempSync(join(tmpdir(), "gatehouse-cli-"));
  return {
    url: `sqlite:${join(dir, "cli.sqlite")}`,
    remove: () => {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function logsIn(app: TestApp, username: string, password: string): Promise<boolean> {
  const response = await app.gql(TOKEN_AUTH_USERNAME, { username, password });
  return (response.body.data?.tokenAuth as { success: boolean }).success;
}

describe("gatehouse migrate", () => {
  const database = aDatabaseFile();
  afterAll(() => {
    database.remove();
  });

  it("applies the migrations, then has nothing left to apply", async () => {
    const first = await runCli(["migrate"], { env: { DATABASE_URL: database.url } });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/^Applied: \d{12}_create-accounts/);
    const second = await runCli(["migrate"], { env: { DATABASE_URL: database.url } });
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout.trim()).toBe("No migrations to apply.");
  });
});

describe("gatehouse createsuperuser and changepassword", () => {
  const database = aDatabaseFile();
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp("sqlite", { DATABASE_URL: database.url });
  });
  afterAll(async () => {
    await app.close();
    database.remove();
  });

  const superuserEnv = (username: string, password: string) => ({
    DATABASE_URL: database.url,
    GATEHOUSE_SUPERUSER_USERNAME: username,
    GATEHOUSE_SUPERUSER_EMAIL: `${username}@example.com`,
    GATEHOUSE_SUPERUSER_PASSWORD: password,
  });

  it("creates an active staff superuser from the environment with --no-input", async () => {
    const username = unique("admin");
    const result = await runCli(["createsuperuser", "--no-input"], {
      env: superuserEnv(username, STRONG_PASSWORD),
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.trim()).toBe(`Superuser created: ${username}`);

    const login = await app.gql(TOKEN_AUTH_USERNAME, { username, password: STRONG_PASSWORD });
    const token = (login.body.data?.tokenAuth as { success: boolean; token: string }).token;
    const me = await app.gql(ME, {}, { token });
    expect(me.body.data?.me).toMatchObject({
      username,
      email: `${username}@example.com`,
      isStaff: true,
      isActive: true,
    });
    const row = await app.deps.db
      .selectFrom("users")
      .select("is_superuser")
      .where("username", "=", username)
      .executeTakeFirstOrThrow();
    expect(Boolean(row.is_superuser)).toBe(true);
  });

  describe.concurrent("refusals", () => {
    it("exits non-zero naming the variables when --no-input lacks them", async () => {
      const result = await runCli(["createsuperuser", "--no-input"], {
        env: { DATABASE_URL: database.url },
      });
      expect(result.code).not.toBe(0);
      expect(result.stderr).toContain("GATEHOUSE_SUPERUSER_USERNAME");
      expect(result.stderr).toContain("GATEHOUSE_SUPERUSER_PASSWORD");
    });

    it("exits non-zero with the validator's message for a weak password", async () => {
      const username = unique("admin");
      const result = await runCli(["createsuperuser", "--no-input"], {
        env: superuserEnv(username, "12345678"),
      });
      expect(result.code).not.toBe(0);
      expect(result.stderr).toContain("This password is too common.");
      expect(result.stderr).toContain("This password is entirely numeric.");
      expect(await logsIn(app, username, "12345678")).toBe(false);
    });

    it("exits non-zero for an unknown user", async () => {
      const result = await runCli(["changepassword", unique("nobody")], {
        env: { DATABASE_URL: database.url },
        input: "Fresh-Horse-77\nFresh-Horse-77\n",
      });
      expect(result.code).not.toBe(0);
      expect(result.stderr).toContain("does not exist");
    });

    it("exits non-zero when the two passwords differ", async () => {
      const result = await runCli(["changepassword", "anyone"], {
        env: { DATABASE_URL: database.url },
        input: "Fresh-Horse-77\nFresh-Horse-78\n",
      });
      expect(result.code).not.toBe(0);
      expect(result.stderr).toContain("Your passwords didn't match.");
    });
  });

  it("changes a password read twice from piped stdin", async () => {
    const user = await aRegisteredUser(app);
    const newPassword = "Fresh-Horse-77";
    const result = await runCli(["changepassword", user.username], {
      env: { DATABASE_URL: database.url },
      input: `${newPassword}\n${newPassword}\n`,
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`Password changed successfully for user '${user.username}'`);
    expect(await logsIn(app, user.username, user.password)).toBe(false);
    expect(await logsIn(app, user.username, newPassword)).toBe(true);
  });

  it("exits non-zero when stdin ends before the second password", async () => {
    const user = await aRegisteredUser(app);
    const result = await runCli(["changepassword", user.username], {
      env: { DATABASE_URL: database.url },
      input: "Fresh-Horse-77\n",
    });
    expect(result.code).not.toBe(0);
    expect(await logsIn(app, user.username, user.password)).toBe(true);
  });
});

describe("gatehouse cleartokens", () => {
  const database = aDatabaseFile();
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp("sqlite", { DATABASE_URL: database.url });
  });
  afterAll(async () => {
    await app.close();
    database.remove();
  });

  it("deletes revoked refresh tokens, and expired ones with --expired", async () => {
    const user = await aRegisteredUser(app);
    const login = async () => {
      const response = await app.gql(TOKEN_AUTH_USERNAME, {
        username: user.username,
        password: user.password,
      });
      return (response.body.data?.tokenAuth as { refreshToken: string }).refreshToken;
    };
    await login();
    const revoked = await login();
    expect(
      (await app.gql(REVOKE_TOKEN, { refreshToken: revoked })).body.data?.revokeToken,
    ).toMatchObject({ success: true });
    app.clock.advance(-EIGHT_DAYS_SECONDS);
    await login();
    app.clock.advance(EIGHT_DAYS_SECONDS);

    const env = { DATABASE_URL: database.url };
    const plain = await runCli(["cleartokens"], { env });
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stdout.trim()).toBe("Deleted 1 revoked and 0 expired refresh tokens.");
    const expired = await runCli(["cleartokens", "--expired"], { env });
    expect(expired.code, expired.stderr).toBe(0);
    expect(expired.stdout.trim()).toBe("Deleted 0 revoked and 1 expired refresh tokens.");
  });
});

describe("gatehouse print-schema", () => {
  it("prints the GraphQL schema", async () => {
    const result = await runCli(["print-schema"]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain("type Query {");
    expect(result.stdout).toContain("users(");
  });
});
