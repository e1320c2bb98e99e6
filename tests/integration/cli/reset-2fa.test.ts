// `gatehouse reset-2fa <natural key>` run as an operator runs it: a child process on a SQLite
// file, whose effect is then checked through a started server on the same file.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../support/cli.js";
import { aUserWithTotp, TOKEN_AUTH_OTP } from "../../support/second-factor.js";
import { startTestApp, unique, type TestApp } from "../../support/test-app.js";

describe("gatehouse reset-2fa", () => {
  const dir = mkdtempSync(join(tmpdir(), "gatehouse-cli-2fa-"));
  const databaseUrl = `sqlite:${join(dir, "cli.sqlite")}`;
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp("sqlite", { DATABASE_URL: databaseUrl });
  });
  afterAll(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function signsInWithoutCode(user: { username: string; password: string }) {
    const response = await app.gql(TOKEN_AUTH_OTP, user);
    return (response.body.data?.tokenAuth as { success: boolean }).success;
  }

  it("removes a user's second factor: the password alone signs in again", async () => {
    const user = await aUserWithTotp(app);
    expect(await signsInWithoutCode(user)).toBe(false);
    const result = await runCli(["reset-2fa", user.username], {
      env: { DATABASE_URL: databaseUrl },
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.trim()).toBe(
      `Two-factor authentication reset for user '${user.username}'`,
    );
    expect(await signsInWithoutCode(user)).toBe(true);
    const again = await runCli(["reset-2fa", user.username], {
      env: { DATABASE_URL: databaseUrl },
    });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout.trim()).toBe(`User '${user.username}' had no two-factor authentication`);
  });

  it("exits non-zero for an unknown user", async () => {
    const result = await runCli(["reset-2fa", unique("nobody")], {
      env: { DATABASE_URL: databaseUrl },
    });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("does not exist");
  });
});
