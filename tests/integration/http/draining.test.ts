// A server that is closing (SIGTERM, a worker leaving a rolling restart) still answers a request
// whose connection it had accepted before: the client did nothing wrong, and no other process
// will see that request. Only new connections stop, since the listener is closed.
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "../../support/test-app.js";

describe("a server closing with a connection open", () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp("sqlite");
  });
  afterAll(async () => {
    await app.close();
  });

  it("answers the request that connection sends, then closes it", async () => {
    const { port } = new URL(app.url);
    const socket = connect(Number(port), "127.0.0.1");
    await new Promise((resolve) => socket.once("connect", resolve));
    // Connection accepted; the request follows once the server has begun to close.
    const closing = app.app.close();
    const body = JSON.stringify({ query: "{ __typename }" });
    const received: Buffer[] = [];
    socket.on("data", (chunk: Buffer) => received.push(chunk));
    const ended = new Promise((resolve) => socket.once("close", resolve));
    socket.write(
      [
        "POST /graphql HTTP/1.1",
        `Host: 127.0.0.1:${port}`,
        "Content-Type: application/json",
        `Content-Length: ${String(Buffer.byteLength(body))}`,
        "",
        body,
      ].join("\r\n"),
    );
    await ended;
    await closing;
    const answer = Buffer.concat(received).toString("latin1");
    expect(answer.split("\r\n")[0]).toBe("HTTP/1.1 200 OK");
    expect(answer.toLowerCase()).toContain("connection: close");
    expect(answer).toContain('{"data":{"__typename":"Query"}}');
  });
});
