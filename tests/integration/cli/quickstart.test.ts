// The README's quickstart as a new user meets it (issue 15): `gatehouse serve` with nothing set,
// in a folder of its own, keeps its SQLite file at ./data/gatehouse.sqlite there, answers GET /
// with links to GraphiQL and the admin, runs the README's register mutation, and prints the
// activation mail readably to the console, with a link whole on its line that verifyAccount
// accepts.
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServerProcess, type ServerProcess } from "../../support/server-process.js";

const README = readFileSync(new URL("../../../README.md", import.meta.url), "utf8");

async function graphql(url: string, query: string, variables: Record<string, unknown> = {}) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as { data?: Record<string, Record<string, unknown>> };
}

async function eventually(read: () => string, pattern: RegExp): Promise<RegExpExecArray> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const match = pattern.exec(read());
    if (match !== null) return match;
    if (Date.now() > deadline) throw new Error(`${String(pattern)} never appeared in:\n${read()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe("the quickstart, from an empty folder", () => {
  let folder: string;
  let server: ServerProcess;
  beforeAll(async () => {
    folder = mkdtempSync(join(tmpdir(), "gatehouse-quickstart-"));
    server = await startServerProcess({}, { cwd: folder });
  });
  afterAll(async () => {
    await server.stop();
    rmSync(folder, { recursive: true, force: true });
  });

  it("keeps its database at ./data/gatehouse.sqlite of the folder it started in", () => {
    expect(existsSync(join(folder, "data", "gatehouse.sqlite"))).toBe(true);
  });

  it("answers GET / with links to GraphiQL and the admin", async () => {
    const response = await fetch(server.graphqlUrl.replace(/graphql$/, ""));
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain('href="/graphql"');
    expect(html).toContain('href="/admin/"');
  });

  it("registers the README's user, and prints an activation link that verifyAccount takes", async () => {
    const mutation = /```graphql\n([\s\S]*?)```/.exec(README)?.[1] ?? "";
    expect(mutation).toContain("register(");
    const registered = await graphql(server.graphqlUrl, mutation);
    expect(registered.data?.register).toMatchObject({ success: true, errors: null });

    const output = () => server.output();
    await eventually(output, /^-{79}$/m);
    const mail = server.output();
    expect(mail).toMatch(/^To: ada@example\.com$/m);
    expect(mail).toMatch(/^Subject: Activate your account/m);
    expect(mail).toMatch(/^Message-ID: <.+>$/m);
    expect(mail).not.toMatch(/^Content-Transfer-Encoding/m);
    const link = (await eventually(output, /^https?:\/\/\S+\/activate\/(\S+)$/m))[1] ?? "";
    const verified = await graphql(
      server.graphqlUrl,
      "mutation ($token: String!) { verifyAccount(token: $token) { success errors } }",
      { token: link },
    );
    expect(verified.data?.verifyAccount).toEqual({ success: true, errors: null });
  });
});
