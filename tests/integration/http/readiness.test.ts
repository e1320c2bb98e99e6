// /readyz as a load balancer sees it (issue 19): not ready while the database lacks a migration
// this code needs (a node started with --no-migrate ahead of the deploy step), ready once
// migrated; /healthz says the process is alive all along.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FastifyInstance } from "fastify";
import { pino } from "pino";
import { loadConfig } from "../../../src/config/config.js";
import { migrateToLatest } from "../../../src/db/migrate.js";
import { createDeps, type Deps } from "../../../src/deps.js";
import { buildServer } from "../../../src/http/server.js";
import { freshDatabaseUrl, testDatabases } from "../../support/test-app.js";

describe.each(testDatabases())("/readyz on %s", (database) => {
  let deps: Deps;
  let app: FastifyInstance;
  let base: string;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    const fresh = await freshDatabaseUrl(database);
    drop = fresh.drop;
    const config = loadConfig({ NODE_ENV: "test", DATABASE_URL: fresh.url, LOG_LEVEL: "silent" });
    deps = createDeps(config, { log: pino({ level: "silent" }) });
    app = await buildServer(deps);
    base = await app.listen({ host: "127.0.0.1", port: 0 });
  });

  afterAll(async () => {
    await app.close();
    await deps.close();
    await drop();
  });

  it("answers 503 naming the pending migrations, then 200 once they are applied", async () => {
    const before = await fetch(`${base}/readyz`);
    expect(before.status).toBe(503);
    expect(before.headers.get("retry-after")).toBe("1");
    const body = (await before.json()) as { status: string; migrations: string; pending: string[] };
    expect(body.status).toBe("unavailable");
    expect(body.pending).toContain("202611260100_create-accounts");
    expect(body.migrations).toBe(
      `${String(body.pending.length)} migrations are not applied yet: run \`gatehouse migrate\` ` +
        "(or start one node without --no-migrate).",
    );
    expect((await fetch(`${base}/healthz`)).status).toBe(200);

    await migrateToLatest(deps.db);
    const after = await fetch(`${base}/readyz`);
    expect(after.status).toBe(200);
    expect(await after.json()).toEqual({ status: "ok" });
  });
});
