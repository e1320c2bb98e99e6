// A body over BODY_LIMIT_BYTES gets its 413 while the client may still be sending it. Closing the
// socket then, as Node does after a `Connection: close` answer, throws away the bytes still
// arriving, and a socket closed with unread bytes is reset (RFC 2525 §2.17, RFC 9112 §9.6): the
// client's next write fails with EPIPE or ECONNRESET, and a client that reads only once its upload
// is written never sees the 413. So the answer ends the connection gracefully instead: our FIN
// after the 413, then the rest of the body is read and discarded until the client stops sending
// (its FIN), or for at most DRAIN_MAX_BYTES or DRAIN_MAX_MS, whichever comes first (the
// "lingering close" of Apache httpd and nginx). The bounds keep a client from holding the socket
// open with an endless body: past them the socket is closed, reset or not.
import type { IncomingMessage } from "node:http";
import type { FastifyInstance } from "fastify";

/** Enough for the multi-megabyte uploads clients send before reading; the 413 needs no more. */
export const DRAIN_MAX_BYTES = 8 * 1024 * 1024;
/** Far shorter than REQUEST_TIMEOUT: a client that has read its 413 closes at once. */
export const DRAIN_MAX_MS = 5_000;

export function registerOversizedBodyClose(app: FastifyInstance): void {
  app.addHook("onSend", (request, reply, payload, done) => {
    if (reply.statusCode === 413) {
      // No second request can follow on this connection: its body is not read to its end.
      void reply.header("connection", "close");
      closeAfterDraining(request.raw);
    }
    done(null, payload);
  });
}

/**
 * Makes the close Node performs after the answer a lingering one. Node closes a connection whose
 * answer said `Connection: close` through socket.destroySoon(), once the answer is written; this
 * socket's destroySoon is replaced by ours, which Node then calls at the same moment. The body is
 * read through the request, not the socket: a 'data' listener on the socket would take it from
 * Node's HTTP parser, which then stops reading it.
 */
function closeAfterDraining(request: IncomingMessage): void {
  const socket = request.socket;
  socket.destroySoon = () => {
    const close = () => socket.destroy();
    const timer = setTimeout(close, DRAIN_MAX_MS);
    timer.unref();
    socket.once("close", () => {
      clearTimeout(timer);
    });
    let discarded = 0;
    request.on("data", (chunk: Buffer) => {
      discarded += chunk.length;
      if (discarded > DRAIN_MAX_BYTES) close();
    });
    // Once the body is read, or the client has stopped sending, nothing unread is left to make
    // the close a reset.
    request.once("end", close);
    socket.once("end", close);
    socket.end();
    if (request.complete) close();
  };
}
