import { PassThrough } from "node:stream";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { createLogger, isPrettyLogFormat } from "../../../src/log/logger.js";
import { prettyDestination, prettyLine } from "../../../src/log/pretty-lines.js";

const AT = new Date(2026, 11, 1, 9, 5, 7).getTime();

describe("prettyLine", () => {
  it("shows the time, the level and the message on one line", () => {
    const line = JSON.stringify({ level: 30, time: AT, pid: 1, hostname: "h", msg: "started" });
    expect(prettyLine(line)).toBe("09:05:07 INFO  started");
  });

  it("puts the request id in brackets and the other fields on indented lines below", () => {
    const line = JSON.stringify({
      level: 40,
      time: AT,
      reqId: "req-7",
      msg: "request failed",
      statusCode: 503,
      hardeningOff: ["RATE_LIMITS=false", "COMPAT_MODE=true"],
      none: [],
    });
    expect(prettyLine(line).split("\n")).toEqual([
      "09:05:07 WARN  [req-7] request failed",
      "    statusCode: 503",
      "    hardeningOff: RATE_LIMITS=false, COMPAT_MODE=true",
      "    none: none",
    ]);
  });

  it("prints an error's stack in full", () => {
    const line = JSON.stringify({
      level: 50,
      time: AT,
      msg: "unexpected error",
      err: { type: "Error", message: "boom", stack: "Error: boom\n    at f (x.ts:1:1)" },
    });
    expect(prettyLine(line).split("\n")).toEqual([
      "09:05:07 ERROR unexpected error",
      "    Error: boom",
      "        at f (x.ts:1:1)",
    ]);
  });

  it("leaves a line that is not JSON as it is", () => {
    expect(prettyLine("plain text")).toBe("plain text");
  });
});

describe("prettyDestination", () => {
  it("turns what pino writes into readable lines", () => {
    const output = new PassThrough();
    const log = pino({ level: "info" }, prettyDestination(output));
    log.info({ port: 4000 }, "hello");
    const text = String(output.read());
    expect(text).toMatch(/^\d\d:\d\d:\d\d INFO {2}hello\n {4}port: 4000\n$/);
  });
});

describe("createLogger", () => {
  const terminal = Object.assign(new PassThrough(), { isTTY: true });
  const pipe = new PassThrough();

  it("chooses readable lines for a terminal and JSON for anything else, unless told", () => {
    expect(isPrettyLogFormat("auto", terminal)).toBe(true);
    expect(isPrettyLogFormat("auto", pipe)).toBe(false);
    expect(isPrettyLogFormat("json", terminal)).toBe(false);
    expect(isPrettyLogFormat("pretty", pipe)).toBe(true);
  });

  it("writes JSON lines to a stream that is no terminal", () => {
    const output = new PassThrough();
    createLogger({ logLevel: "info", logFormat: "auto" }, output).info("hello");
    expect(JSON.parse(String(output.read()))).toMatchObject({ level: 30, msg: "hello" });
  });
});
