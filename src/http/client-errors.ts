// Answers for requests Node refuses before Fastify sees them: headers over HEADER_LIMIT_BYTES
// (431), a request slower than REQUEST_TIMEOUT (408), anything unparsable (400). Written in the
// API's error shape, then the connection is closed; the server itself carries on.
import { STATUS_CODES } from "node:http";
import type { Socket } from "node:net";
import type { FastifyBaseLogger } from "fastify";

const ANSWERS: Record<string, { status: number; message: string }> = {
  HPE_HEADER_OVERFLOW: { status: 431, message: "Request header fields are too large." },
  ERR_HTTP_REQUEST_TIMEOUT: { status: 408, message: "Request timed out." },
};
const BAD_REQUEST = { status: 400, message: "Bad request." };

export function clientErrorHandler(log: FastifyBaseLogger) {
  return (error: Error & { code?: string }, socket: Socket): void => {
    // A reset connection has nobody left to answer.
    if (error.code === "ECONNRESET" || socket.destroyed) return;
    const answer = ANSWERS[error.code ?? ""] ?? BAD_REQUEST;
    log.debug({ err: error }, "refused a malformed request");
    if (socket.writable) {
      const body = JSON.stringify({ errors: [{ message: answer.message }] });
      socket.write(
        `HTTP/1.1 ${answer.status} ${STATUS_CODES[answer.status] ?? ""}\r\n` +
          "Content-Type: application/json; charset=utf-8\r\n" +
          `Content-Length: ${Buffer.byteLength(body)}\r\n` +
          "X-Content-Type-Options: nosniff\r\n" +
          "Connection: close\r\n\r\n" +
          body,
      );
    }
    socket.destroy(error);
  };
}
