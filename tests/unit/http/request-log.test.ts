// One line per request at most, at debug unless slow or failed (src/http/request-log.ts).
import type { FastifyReply, FastifyRequest } from "fastify";
import { describe, expect, it } from "vitest";
import { RequestLog, SLOW_REQUEST_MS } from "../../../src/http/request-log.js";

type Level = "trace" | "debug" | "info" | "warn" | "error";

function aRequest(statusCode: number, elapsedTime: number, loggerLevel: Level = "trace") {
  const lines: { level: Level; fields: Record<string, unknown>; msg: string }[] = [];
  const logger = {
    level: loggerLevel,
    ...Object.fromEntries(
      (["trace", "debug", "info", "warn", "error"] as const).map((level) => [
        level,
        (fields: Record<string, unknown>, msg: string) => lines.push({ level, fields, msg }),
      ]),
    ),
  };
  const request = { method: "POST", url: "/graphql?query=secret", log: logger };
  const reply = { statusCode, elapsedTime, log: logger };
  return {
    lines,
    request: request as unknown as FastifyRequest,
    reply: reply as unknown as FastifyReply,
  };
}

describe("RequestLog", () => {
  const log = new RequestLog();

  it("logs a request that went well at debug, its path without the query string", () => {
    const { lines, request, reply } = aRequest(200, 12.4);
    log.incomingRequest(request);
    log.requestCompleted(null, request, reply);
    expect(lines).toEqual([
      { level: "trace", fields: { method: "POST", path: "/graphql" }, msg: "request" },
      {
        level: "debug",
        fields: { method: "POST", path: "/graphql", statusCode: 200, responseTimeMs: 12 },
        msg: "request completed",
      },
    ]);
  });

  it("builds no line for a request that went well when debug lines are not written", () => {
    const { lines, request, reply } = aRequest(200, 12.4, "info");
    log.requestCompleted(null, request, reply);
    expect(lines).toEqual([]);
  });

  it("logs a request slower than a second at info", () => {
    const { lines, request, reply } = aRequest(200, SLOW_REQUEST_MS + 1);
    log.requestCompleted(null, request, reply);
    expect(lines.map((line) => [line.level, line.msg])).toEqual([["info", "slow request"]]);
  });

  it("logs a 5xx at warn and a broken response at error", () => {
    const failed = aRequest(503, 5);
    log.requestCompleted(null, failed.request, failed.reply);
    const broken = aRequest(200, 5);
    log.requestCompleted(new Error("socket hang up"), broken.request, broken.reply);
    expect(failed.lines.map((line) => [line.level, line.msg])).toEqual([
      ["warn", "request failed"],
    ]);
    expect(broken.lines.map((line) => [line.level, line.msg])).toEqual([
      ["error", "request errored"],
    ]);
  });

  it("logs an unknown route at debug", () => {
    const { lines, request } = aRequest(404, 1);
    log.routeNotFound(request);
    expect(lines.map((line) => line.level)).toEqual(["debug"]);
  });
});
