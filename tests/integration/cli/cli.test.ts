// The gatehouse CLI (SPEC §1) run as an operator runs it: a child process on a SQLite file, whose
// effects are then checked through a started server on the same file.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { aRegisteredUser, STRONG_PASSWORD } from "../../support/builders.js";
import { runCli, runCliOnTerminal } from "../../support/cli.js";
import { ME, REVOKE_TOKEN, TOKEN_AUTH_USERNAME } from "../../support/operations.js";
import { startTestApp, unique, type TestApp } from "../../support/test-app.js";

const EIGHT_DAYS_SECONDS = 8 * 86_400;

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
      // An existing user: an unknown one is refused before any password is asked for.
      const user = await aRegisteredUser(app);
      const result = await runCli(["changepassword", user.username], {
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

describe("gatehouse createsuperuser, interactive", () => {
  const database = aDatabaseFile();
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp("sqlite", { DATABASE_URL: database.url });
  });
  afterAll(async () => {
    await app.close();
    database.remove();
  });

  const env = () => ({ DATABASE_URL: database.url });
  const lines = (...answers: string[]) => `${answers.join("\n")}\n`;

  it("asks again after a taken username, a bad address, different and refused passwords", async () => {
    const taken = await aRegisteredUser(app);
    const username = unique("asked");
    const result = await runCli(["createsuperuser"], {
      env: env(),
      input: lines(
        taken.username,
        username,
        "not-an-address",
        `${username}@example.com`,
        "Fresh-Horse-77",
        "Fresh-Horse-78",
        "12345678",
        "12345678",
        "n",
        STRONG_PASSWORD,
        STRONG_PASSWORD,
      ),
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr.split("\n").filter((line) => line !== "")).toEqual([
      "Error: That username is already taken.",
      "Error: Enter a valid email address.",
      "Error: Your passwords didn't match.",
      "This password is too common.",
      "This password is entirely numeric.",
    ]);
    expect(result.stdout.match(/Username[^:]*: /g)).toHaveLength(2);
    expect(result.stdout.match(/Email address: /g)).toHaveLength(2);
    expect(result.stdout).toContain("Bypass password validation and create user anyway? [y/N]: ");
    expect(result.stdout).toContain(`Superuser created: ${username}`);
    expect(await logsIn(app, username, STRONG_PASSWORD)).toBe(true);
  });

  it("keeps a refused password when the bypass question is answered y", async () => {
    const username = unique("bypass");
    const result = await runCli(["createsuperuser"], {
      env: env(),
      input: lines(username, "", "12345678", "12345678", "y"),
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain("This password is entirely numeric.");
    expect(result.stdout).toContain(`Superuser created: ${username}`);
    expect(await logsIn(app, username, "12345678")).toBe(true);
  });

  it("refuses blank passwords and exits non-zero when the input ends", async () => {
    const username = unique("blank");
    const result = await runCli(["createsuperuser"], {
      env: env(),
      input: lines(username, "", "", ""),
    });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("Error: Blank passwords aren't allowed.");
    expect(await logsIn(app, username, "")).toBe(false);
  });

  it("asks on a terminal, showing what is typed except the passwords", async () => {
    const username = unique("tty");
    const session = runCliOnTerminal(["createsuperuser"], { env: env() });
    await session.answer("Username", username);
    await session.answer("Email address: ", "not-an-address");
    await session.answer("Email address: ", `${username}@example.com`);
    await session.answer("Password: ", STRONG_PASSWORD);
    await session.answer("Password (again): ", STRONG_PASSWORD);
    const { code, output } = await session.finished();
    expect(code, output).toBe(0);
    expect(output).toContain(username);
    expect(output).toContain("Error: Enter a valid email address.");
    expect(output).toContain(`Superuser created: ${username}`);
    expect(output).not.toContain(STRONG_PASSWORD);
    expect(await logsIn(app, username, STRONG_PASSWORD)).toBe(true);
  });
});

describe("gatehouse changepassword, interactive", () => {
  const database = aDatabaseFile();
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp("sqlite", { DATABASE_URL: database.url });
  });
  afterAll(async () => {
    await app.close();
    database.remove();
  });

  it("says that an unknown user does not exist before asking for a password", async () => {
    const result = await runCli(["changepassword", "nosuchuser"], {
      env: { DATABASE_URL: database.url },
      input: "Fresh-Horse-77\nFresh-Horse-77\n",
    });
    expect(result.code).not.toBe(0);
    expect(result.stderr.trim()).toBe("Error: user 'nosuchuser' does not exist");
    expect(result.stdout).not.toContain("Password");
  });

  it("asks again after a refused password, and gives up after three attempts", async () => {
    const user = await aRegisteredUser(app);
    const changed = await runCli(["changepassword", user.username], {
      env: { DATABASE_URL: database.url },
      input: "12345678\n12345678\nFresh-Horse-77\nFresh-Horse-77\n",
    });
    expect(changed.code, changed.stderr).toBe(0);
    expect(changed.stdout).toContain(`Changing password for user '${user.username}'`);
    expect(changed.stderr).toContain("This password is entirely numeric.");
    expect(await logsIn(app, user.username, "Fresh-Horse-77")).toBe(true);

    const refused = await runCli(["changepassword", user.username], {
      env: { DATABASE_URL: database.url },
      input: "12345678\n12345678\n".repeat(3),
    });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain(
      `Error: Aborting password change for user '${user.username}' after 3 attempts`,
    );
    expect(await logsIn(app, user.username, "Fresh-Horse-77")).toBe(true);
  });
});

describe("gatehouse --version", () => {
  it("prints the version of package.json", async () => {
    const manifest = JSON.parse(
      readFileSync(new URL("../../../package.json", import.meta.url), "utf8"),
    ) as { version: string };
    const result = await runCli(["--version"]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.trim()).toBe(manifest.version);
  });
});

describe("settings from .env", () => {
  let folder: string;
  beforeAll(() => {
    folder = mkdtempSync(join(tmpdir(), "gatehouse-dotenv-"));
    writeFileSync(
      join(folder, ".env"),
      "# settings of this folder\nGRAPHQL_API_STYLE=relay\nRELAY_CONNECTION_MAX_LIMIT='50'\n",
    );
  });
  afterAll(() => {
    rmSync(folder, { recursive: true, force: true });
  });

  // Without GATEHOUSE_ENV_FILE: the working folder's .env, as a developer's shell has it.
  const fromFolder = (env: Record<string, string> = {}) =>
    runCli(["print-schema"], { cwd: folder, env, envFile: "folder" });

  it("reads .env from the working folder at start", async () => {
    const result = await fromFolder();
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain("input RegisterInput {");
  });

  it("lets a variable of the real environment override the file", async () => {
    const result = await fromFolder({ GRAPHQL_API_STYLE: "graphql" });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).not.toContain("input RegisterInput {");
  });

  it("reads no file when GATEHOUSE_ENV_FILE is empty, and fails naming one that is missing", async () => {
    const none = await runCli(["print-schema"], { cwd: folder, env: { GATEHOUSE_ENV_FILE: "" } });
    expect(none.stdout).not.toContain("input RegisterInput {");
    const missing = await runCli(["print-schema"], {
      cwd: folder,
      env: { GATEHOUSE_ENV_FILE: "production.env" },
    });
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain(`GATEHOUSE_ENV_FILE (${join(folder, "production.env")})`);
  });

  it("refuses an OTEL_* variable of the file that nothing would read", async () => {
    writeFileSync(join(folder, "traces.env"), "OTEL_TRACES_EXPORTER=console\n");
    const result = await runCli(["print-schema"], {
      cwd: folder,
      env: { GATEHOUSE_ENV_FILE: "traces.env" },
    });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("OTEL_TRACES_EXPORTER is not read by Gatehouse");
  });
});
