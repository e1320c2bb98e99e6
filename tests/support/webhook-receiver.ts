// A webhook receiver on loopback, as another service would run one: it records every request it
// gets (headers and raw body), answers what the test tells it to, and verifies signatures with
// the `standardwebhooks` package, an implementation independent of Gatehouse's.
import {
  createServer,
  type IncomingHttpHeaders,
  type RequestListener,
  type Server,
} from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";

export interface ReceivedWebhook {
  headers: IncomingHttpHeaders;
  body: string;
  /** The webhook-id header. */
  id: string;
  json: { type: string; timestamp: string; data: Record<string, unknown> };
}

/** Whether the event is about user `id` (a `user` in its data, or a `userId`). */
export function isAboutUser(hook: ReceivedWebhook, id: number): boolean {
  const data = hook.json.data as { user?: { id?: number } | null; userId?: number };
  return data.user?.id === id || data.userId === id;
}

export interface WebhookReceiver {
  url: string;
  received: ReceivedWebhook[];
  /** What the next requests get; 200 unless set. */
  answerWith(status: number | ((hook: ReceivedWebhook) => number)): void;
  /** Requests that answered 2xx, in arrival order. */
  accepted(): ReceivedWebhook[];
  waitFor(predicate: (accepted: ReceivedWebhook[]) => boolean, timeoutMs?: number): Promise<void>;
  /** Throws unless the request is signed with `secret` (timestamp within five minutes of now). */
  verify(hook: ReceivedWebhook, secret: string): unknown;
  close(): Promise<void>;
}

/**
 * Listens on `port` (0: any free one) on 127.0.0.1; with `tls`, over https under that key and
 * certificate, its URL naming `localhost` (the name a test certificate is made for).
 */
export async function startWebhookReceiver(
  port = 0,
  tls?: { key: string; cert: string },
): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  const acceptedHooks: ReceivedWebhook[] = [];
  let answer: number | ((hook: ReceivedWebhook) => number) = 200;
  const onRequest: RequestListener = (request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const hook: ReceivedWebhook = {
        headers: request.headers,
        body,
        id: String(request.headers["webhook-id"]),
        json: JSON.parse(body) as ReceivedWebhook["json"],
      };
      received.push(hook);
      const status = typeof answer === "number" ? answer : answer(hook);
      if (status >= 200 && status < 300) acceptedHooks.push(hook);
      response.writeHead(status, status === 302 ? { location: "http://127.0.0.1:9/" } : {});
      response.end();
    });
  };
  const server: Server =
    tls === undefined ? createServer(onRequest) : createHttpsServer(tls, onRequest);
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  const address = server.address() as AddressInfo;
  return {
    url:
      tls === undefined
        ? `http://127.0.0.1:${String(address.port)}/hooks`
        : `https://localhost:${String(address.port)}/hooks`,
    received,
    answerWith(status) {
      answer = status;
    },
    accepted: () => acceptedHooks,
    async waitFor(predicate, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(acceptedHooks)) {
        if (Date.now() > deadline) {
          throw new Error(`webhooks not received in time; got ${String(acceptedHooks.length)}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    },
    verify(hook, secret) {
      const headers = Object.fromEntries(
        ["webhook-id", "webhook-timestamp", "webhook-signature"].map((name) => [
          name,
          String(hook.headers[name]),
        ]),
      );
      return new Webhook(secret).verify(hook.body, headers);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}
