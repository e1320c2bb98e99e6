// PostgreSQL (or the pooler in front of it) restarting under a running node: requests fail
// cleanly with a 503 that says why, /readyz turns 503, and once the database is back the node
// answers again without a restart. The outage is a TCP relay between the node and PostgreSQL
// that this test cuts (every connection reset, the port closed) and reopens.
import { createServer, Socket, type Server } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { aVerifiedUser } from "../../support/builders.js";
import { ME } from "../../support/operations.js";
import {
  freshDatabaseUrl,
  startTestApp,
  testDatabases,
  type TestApp,
} from "../../support/test-app.js";

const UNAVAILABLE = "Service unavailable: the database cannot be reached. Try again.";

/** A relay to `target` on a fixed local port, which can be cut and reopened on that port. */
async function aRelay(target: { host: string; port: number }) {
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;
  const open = () =>
    new Promise<void>((resolve) => {
      server = createServer((client) => {
        const upstream = new Socket();
        upstream.connect(target.port, target.host);
        for (const socket of [client, upstream]) {
          sockets.add(socket);
          socket.on("close", () => sockets.delete(socket));
          socket.on("error", () => undefined);
        }
        client.pipe(upstream).pipe(client);
      });
      server.listen(port, "127.0.0.1", () => {
        port = (server?.address() as { port: number }).port;
        resolve();
      });
    });
  await open();
  return {
    get port() {
      return port;
    },
    async cut() {
      for (const socket of sockets) socket.resetAndDestroy();
      await new Promise((resolve) => server?.close(resolve));
    },
    reopen: open,
  };
}

describe.runIf(testDatabases().includes("postgres"))("a node whose database goes away", () => {
  let app: TestApp;
  let relay: Awaited<ReturnType<typeof aRelay>>;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    const fresh = await freshDatabaseUrl("postgres");
    drop = fresh.drop;
    const url = new URL(fresh.url);
    relay = await aRelay({ host: url.hostname, port: Number(url.port || 5432) });
    url.port = String(relay.port);
    app = await startTestApp("postgres", {
      DATABASE_URL: url.toString(),
      DATABASE_CONNECT_TIMEOUT: "1",
    });
  });
  afterAll(async () => {
    await app.close();
    await drop();
  });

  const readiness = async () => (await fetch(app.url.replace(/\/graphql$/, "/readyz"))).status;

  it("answers 503 with a clear message while it is gone, and serves again once it is back", async () => {
    const user = await aVerifiedUser(app);
    expect(await readiness()).toBe(200);

    await relay.cut();
    const during = await app.gql(ME, {}, { token: user.token });
    expect(during.status).toBe(503);
    expect(during.body.errors?.[0]?.message).toBe(UNAVAILABLE);
    expect(await readiness()).toBe(503);
    const liveness = await fetch(app.url.replace(/\/graphql$/, "/healthz"));
    expect(liveness.status).toBe(200);

    await relay.reopen();
    expect(await readiness()).toBe(200);
    const after = await app.gql(ME, {}, { token: user.token });
    expect(after.status).toBe(200);
    expect(after.body.data?.me).toMatchObject({ username: user.username });
  });
});
