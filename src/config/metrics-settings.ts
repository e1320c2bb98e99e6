// METRICS_ENABLED and METRICS_TOKEN: the combinations refused at start (docs/decisions/0013).
import type { ParsedEnvironment } from "./environment-schema.js";
import type { Config } from "./types.js";

/** As long as SECRET_KEY must be in production: a scraping credential is guessed like any other. */
const MIN_TOKEN_LENGTH = 32;

export function metricsProblems(config: Config, e: ParsedEnvironment): string[] {
  const token = e.METRICS_TOKEN;
  if (!e.METRICS_ENABLED) {
    return token === undefined
      ? []
      : ["METRICS_TOKEN applies to GET /metrics, but METRICS_ENABLED is off"];
  }
  const problems: string[] = [];
  if (token === undefined) return problems;
  if (token.length < MIN_TOKEN_LENGTH) {
    problems.push(`METRICS_TOKEN must be at least ${String(MIN_TOKEN_LENGTH)} characters`);
  }
  // An Authorization header carries visible ASCII only; anything else could never match.
  if (!/^[\x21-\x7e]+$/.test(token)) {
    problems.push("METRICS_TOKEN may hold visible ASCII characters only (no spaces)");
  }
  // Whoever scrapes metrics must not hold the keys that sign links and tokens.
  if (token === config.secretKey || token === e.JWT_SECRET_KEY) {
    problems.push("METRICS_TOKEN must differ from SECRET_KEY and JWT_SECRET_KEY");
  }
  return problems;
}
