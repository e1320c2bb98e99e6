// `gatehouse keys list | rotate | prune` run as an operator runs them, on a SQLite file a server
// (started in the test) also uses.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../../support/cli.js";

const directory = mkdtempSync(join(tmpdir(), "gatehouse-keys-"));
const EDDSA = { DATABASE_URL: `sqlite:${join(directory, "keys.sqlite")}`, JWT_ALGORITHM: "EdDSA" };

afterAll(() => {
  rmSync(directory, { recursive: true, force: true });
});

describe("gatehouse keys", () => {
  it("lists, rotates with a delay, and prunes nothing still in use", async () => {
    const empty = await runCli(["keys", "list"], { env: EDDSA });
    expect(empty).toMatchObject({ code: 0 });
    expect(empty.stdout).toContain("No stored keys yet");

    const first = await runCli(["keys", "rotate", "--activate-in", "0"], { env: EDDSA });
    expect(first.code).toBe(0);
    const rotated = await runCli(["keys", "rotate"], { env: EDDSA });
    expect(rotated.code).toBe(0);
    const kid = /New key (\S+) \(EdDSA\) signs from/.exec(rotated.stdout)?.[1];
    expect(kid).toBeDefined();

    const listed = await runCli(["keys", "list"], { env: EDDSA });
    const lines = listed.stdout.trim().split("\n");
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/ EdDSA {2}current$/);
    expect(lines[1]).toMatch(new RegExp(`^${kid ?? ""}  EdDSA  pending  signs from `));

    const pruned = await runCli(["keys", "prune"], { env: EDDSA });
    expect(pruned).toMatchObject({ code: 0, stdout: "No key can be removed yet.\n" });
  });

  it("refuses a duration it cannot read", async () => {
    const result = await runCli(["keys", "rotate", "--activate-in", "soon"], { env: EDDSA });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('--activate-in: "soon" is not a duration');
  });

  it("refuses to rotate keys the configuration holds, and says where they are", async () => {
    const database = { DATABASE_URL: `sqlite:${join(directory, "other.sqlite")}` };
    const secret = await runCli(["keys", "rotate"], { env: database });
    expect(secret.code).toBe(1);
    expect(secret.stderr).toContain("JWT_ALGORITHM is HS256");
  });
});
