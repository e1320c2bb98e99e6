// gatehouse inspect-django prints the USER_FIELDS declaration of a Django user table's own
// columns; the declaration loads, and `import-django` with it imports the table.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readUserFields } from "../../../src/config/user-fields.js";
import { aDjangoDeployment, type DjangoFixture } from "../../support/django-fixture.js";
import { freshDatabaseUrl, testDatabases } from "../../support/test-app.js";

const PROJECT_ROOT = fileURLToPath(new URL("../../../", import.meta.url));

function gatehouse(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "src/cli/main.ts", ...args], {
      cwd: PROJECT_ROOT,
      env: {
        PATH: process.env.PATH ?? "",
        HOME: process.env.HOME ?? "",
        LOG_LEVEL: "warn",
        ...env,
      },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => {
      resolve({ code, stdout, stderr });
    });
    child.stdin.end();
  });
}

describe.each(testDatabases())("inspect-django on a Django database in %s", (kind) => {
  let fixture: DjangoFixture;
  let target: { url: string; drop: () => Promise<void> };
  beforeAll(async () => {
    fixture = await aDjangoDeployment(kind);
    target = await freshDatabaseUrl(kind);
  });
  afterAll(async () => {
    await fixture.django.drop();
    await target.drop();
  });

  it("asks for --user-model when the database has two user models", async () => {
    const result = await gatehouse(["inspect-django", "--from", fixture.django.url], {
      DATABASE_URL: target.url,
    });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/several user models: accounts\.user .*auth\.user/);
  });

  it("prints a declaration that loads, and import-django imports the table with it", async () => {
    const inspected = await gatehouse(
      ["inspect-django", "--from", fixture.django.url, "--user-model", "accounts.User"],
      { DATABASE_URL: target.url },
    );
    expect(inspected.code, inspected.stderr).toBe(0);
    const { fields, problems } = readUserFields(inspected.stdout);
    expect(problems).toEqual([]);
    const byName = Object.fromEntries(fields.map((field) => [field.name, field]));
    expect(Object.keys(byName)).toEqual([
      "phone_number",
      "date_of_birth",
      "is_representative",
      "title",
      "external_id",
      "preferences",
      "balance",
      "logins",
    ]);
    expect(byName.phone_number).toMatchObject({ type: "CharField", maxLength: 20, null: false });
    expect(byName.date_of_birth).toMatchObject({ type: "DateField", null: true });
    expect(byName.is_representative).toMatchObject({ type: "BooleanField", default: false });
    expect(byName.external_id).toMatchObject({ type: "UUIDField", unique: true });
    expect(byName.preferences).toMatchObject({ type: "JSONField" });
    expect(byName.balance).toMatchObject(
      kind === "postgres"
        ? { type: "DecimalField", maxDigits: 8, decimalPlaces: 2 }
        : { type: "DecimalField" },
    );
    expect(byName.logins).toMatchObject({ type: "PositiveIntegerField" });
    expect(inspected.stderr).toContain("--skip-column company_id");

    const imported = await gatehouse(
      [
        "import-django",
        "--from",
        fixture.django.url,
        "--user-model",
        "accounts.User",
        "--skip-column",
        "company_id",
      ],
      { DATABASE_URL: target.url, USER_FIELDS: inspected.stdout },
    );
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stdout).toMatch(/^users\s+10\s+0\s+0\s+2$/m);
    expect(imported.stdout).toContain("blog.add_post: 2 grants");
    expect(imported.stdout).toMatch(/email ANN@example\.com: kept by Django user \d+/);
  });
});
