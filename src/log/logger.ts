// The server's logger: readable lines on a terminal, one JSON object per line anywhere else
// (files, pipes, containers, log collectors), or what LOG_FORMAT asks for.
import { pino, type Logger } from "pino";
import type { Config } from "../config/config.js";
import { prettyDestination } from "./pretty-lines.js";
import { traceFields } from "./trace-fields.js";

export function isPrettyLogFormat(
  format: Config["logFormat"],
  output: NodeJS.WritableStream,
): boolean {
  if (format !== "auto") return format === "pretty";
  return (output as Partial<NodeJS.WriteStream>).isTTY === true;
}

export function createLogger(
  config: Pick<Config, "logLevel" | "logFormat"> & Partial<Pick<Config, "tracing">>,
  output: NodeJS.WritableStream = process.stdout,
): Logger {
  // Without tracing there are no ids to add, and no function to call for every line.
  const options = {
    level: config.logLevel,
    ...(config.tracing === undefined ? {} : { mixin: traceFields }),
  };
  if (isPrettyLogFormat(config.logFormat, output)) return pino(options, prettyDestination(output));
  // pino's own destination (sonic-boom on fd 1) is faster than a stream object for stdout.
  return output === process.stdout ? pino(options) : pino(options, output);
}
