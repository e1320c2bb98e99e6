// HTTP/1.1 over a plain socket, for tests that must send what fetch refuses to: any bytes in the
// body, any header (Host included) and malformed requests. One request per connection.
import { connect } from "node:net";

export interface RawRequest {
  method: string;
  path: string;
  /** Header lines in order, written as latin1 bytes exactly as given. */
  headers: [string, string][];
  body?: Uint8Array;
  /** Write Content-Length for the body (default true). */
  withContentLength?: boolean;
}

export type RawResponse =
  | { kind: "answer"; status: number; headers: Record<string, string>; body: Buffer }
  /** The server closed the connection without a complete answer. */
  | { kind: "closed"; error: string };

const DEFAULT_TIMEOUT_MS = 20_000;

export function rawRequest(
  port: number,
  request: RawRequest,
  timeoutMs = DEFAULT_TIMEOUT_MS,
): Promise<RawResponse> {
  const body = Buffer.from(request.body ?? new Uint8Array());
  const lines = [`${request.method} ${request.path} HTTP/1.1`];
  for (const [name, value] of request.headers) lines.push(`${name}: ${value}`);
  if (request.withContentLength ?? true) lines.push(`Content-Length: ${body.length}`);
  lines.push("Connection: close", "", "");
  const head = Buffer.from(lines.join("\r\n"), "latin1");
  return rawExchange(port, Buffer.concat([head, body]), timeoutMs);
}

/** Writes `bytes` exactly as given and reads the answer. */
export function rawExchange(
  port: number,
  bytes: Uint8Array,
  timeoutMs = DEFAULT_TIMEOUT_MS,
): Promise<RawResponse> {
  return exchange(port, [bytes], timeoutMs, { readAfterWriting: false });
}

/**
 * Writes the chunks one after another without waiting for the server to take them, and reads the
 * answer only once the last is written, as a client that uploads a whole body before reading
 * does: a server that closes early makes its writes fail (EPIPE, ECONNRESET) before the answer is
 * read, and that is a "closed" answer here.
 */
export function rawUpload(
  port: number,
  chunks: readonly Uint8Array[],
  timeoutMs = DEFAULT_TIMEOUT_MS,
): Promise<RawResponse> {
  return exchange(port, chunks, timeoutMs, { readAfterWriting: true });
}

function exchange(
  port: number,
  bytes: readonly Uint8Array[],
  timeoutMs: number,
  options: { readAfterWriting: boolean },
): Promise<RawResponse> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    if (options.readAfterWriting) socket.pause();
    const chunks: Buffer[] = [];
    let isSettled = false;
    const settle = (result: RawResponse) => {
      if (isSettled) return;
      isSettled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => {
      settle({ kind: "closed", error: `no answer within ${timeoutMs} ms` });
    }, timeoutMs);
    socket.on("connect", () => {
      // A server that answers early (413) may close before the whole body is written: the answer
      // read so far still counts, so write errors are not failures by themselves (though with
      // readAfterWriting nothing has been read by then).
      for (const chunk of bytes) socket.write(chunk);
      if (options.readAfterWriting) {
        // Called once every chunk before it is written: only then does this client read.
        socket.write(new Uint8Array(), (error) => {
          if (error === undefined || error === null) socket.resume();
        });
      }
    });
    socket.on("data", (chunk: Buffer) => {
      chunks.push(chunk);
      const parsed = parseResponse(Buffer.concat(chunks));
      if (parsed !== undefined) settle(parsed);
    });
    socket.on("error", (error) => {
      const parsed = parseResponse(Buffer.concat(chunks));
      settle(parsed ?? { kind: "closed", error: error.message });
    });
    socket.on("close", () => {
      const parsed = parseResponse(Buffer.concat(chunks), { isComplete: true });
      settle(parsed ?? { kind: "closed", error: "connection closed without an answer" });
    });
  });
}

/**
 * Writes `bytes`, then one more byte every `trickleMs` until the server closes the connection (a
 * closed peer only shows when a write fails): the answer read by then, and how long after its
 * first bytes arrived the connection was closed.
 */
export function rawTrickle(
  port: number,
  bytes: Uint8Array,
  trickleMs: number,
  timeoutMs = DEFAULT_TIMEOUT_MS,
): Promise<{ response: RawResponse; closedAfterAnswerMs: number }> {
  return new Promise((resolve) => {
    // Half-open: the server's FIN does not make this side end its own.
    const socket = connect({ host: "127.0.0.1", port, allowHalfOpen: true });
    const chunks: Buffer[] = [];
    let answeredAt: number | undefined;
    const trickle = setInterval(() => {
      if (socket.writable) socket.write("x");
    }, trickleMs);
    const timer = setTimeout(() => socket.destroy(), timeoutMs);
    socket.on("connect", () => socket.write(bytes));
    socket.on("data", (chunk: Buffer) => {
      answeredAt ??= Date.now();
      chunks.push(chunk);
    });
    socket.on("error", () => undefined);
    socket.on("close", () => {
      clearInterval(trickle);
      clearTimeout(timer);
      resolve({
        response: parseResponse(Buffer.concat(chunks), { isComplete: true }) ?? {
          kind: "closed",
          error: "connection closed without an answer",
        },
        closedAfterAnswerMs: Date.now() - (answeredAt ?? Date.now()),
      });
    });
  });
}

/** The answer in `data`, or undefined while it is incomplete. */
function parseResponse(
  data: Buffer,
  options: { isComplete?: boolean } = {},
): RawResponse | undefined {
  const headEnd = data.indexOf("\r\n\r\n");
  if (headEnd < 0) return undefined;
  const [statusLine = "", ...headerLines] = data
    .subarray(0, headEnd)
    .toString("latin1")
    .split("\r\n");
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1]);
  if (!Number.isInteger(status)) return { kind: "closed", error: `bad status line ${statusLine}` };
  const headers: Record<string, string> = {};
  for (const line of headerLines) {
    const colon = line.indexOf(":");
    if (colon > 0)
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const rest = data.subarray(headEnd + 4);
  const length = headers["content-length"];
  if (length !== undefined) {
    const size = Number(length);
    return rest.length >= size
      ? { kind: "answer", status, headers, body: rest.subarray(0, size) }
      : undefined;
  }
  if (headers["transfer-encoding"]?.toLowerCase() === "chunked") {
    const decoded = decodeChunked(rest);
    return decoded === undefined ? undefined : { kind: "answer", status, headers, body: decoded };
  }
  return options.isComplete === true ? { kind: "answer", status, headers, body: rest } : undefined;
}

function decodeChunked(data: Buffer): Buffer | undefined {
  const parts: Buffer[] = [];
  let offset = 0;
  for (;;) {
    const lineEnd = data.indexOf("\r\n", offset);
    if (lineEnd < 0) return undefined;
    const size = parseInt(data.subarray(offset, lineEnd).toString("latin1"), 16);
    if (Number.isNaN(size)) return undefined;
    if (size === 0) return Buffer.concat(parts);
    const start = lineEnd + 2;
    if (data.length < start + size + 2) return undefined;
    parts.push(data.subarray(start, start + size));
    offset = start + size + 2;
  }
}
