// Readable log lines for a terminal: pino writes one JSON object per line, and this destination
// turns each into `12:04:31 INFO  message`, with the record's other fields on indented lines
// below it and an error's stack in full. Machines get the JSON lines (logger.ts decides).
// A small formatter rather than pino-pretty: docs/decisions/0009-readable-logs.md.
import type { DestinationStream } from "pino";

const LEVELS: Record<number, string> = {
  10: "TRACE",
  20: "DEBUG",
  30: "INFO ",
  40: "WARN ",
  50: "ERROR",
  60: "FATAL",
};

/** What every record carries and the first line already shows (or nobody needs on a terminal). */
const SHOWN_FIELDS = new Set(["level", "time", "pid", "hostname", "msg", "reqId", "v"]);

function clockTime(epochMs: unknown): string {
  const date = typeof epochMs === "number" ? new Date(epochMs) : new Date();
  return date.toTimeString().slice(0, 8);
}

function fieldLines(name: string, value: unknown): string[] {
  if (name === "err" && typeof value === "object" && value !== null) {
    const error = value as { stack?: unknown; message?: unknown; type?: unknown };
    const type = typeof error.type === "string" ? error.type : "Error";
    const message = typeof error.message === "string" ? error.message : JSON.stringify(value);
    const stack = typeof error.stack === "string" ? error.stack : `${type}: ${message}`;
    return stack.split("\n").map((line) => `    ${line}`);
  }
  if (Array.isArray(value) && value.every((item) => typeof item === "string")) {
    return [`    ${name}: ${value.length === 0 ? "none" : value.join(", ")}`];
  }
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return [`    ${name}: ${text}`];
}

/** One JSON log line as readable text (its input, unchanged, if it is not a log record). */
export function prettyLine(line: string): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  const level = LEVELS[record.level as number] ?? String(record.level);
  const request = typeof record.reqId === "string" ? ` [${record.reqId}]` : "";
  const message = typeof record.msg === "string" ? record.msg : "";
  const lines = [`${clockTime(record.time)} ${level}${request} ${message}`.trimEnd()];
  for (const [name, value] of Object.entries(record)) {
    if (!SHOWN_FIELDS.has(name) && value !== undefined) lines.push(...fieldLines(name, value));
  }
  return lines.join("\n");
}

/** A pino destination that writes readable lines to `output` (a terminal). */
export function prettyDestination(output: NodeJS.WritableStream): DestinationStream {
  return {
    write(chunk: string) {
      const text = chunk
        .split("\n")
        .filter((line) => line !== "")
        .map(prettyLine)
        .join("\n");
      output.write(`${text}\n`);
    },
  };
}
