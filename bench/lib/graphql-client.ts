// GraphQL over HTTP for the setup steps and smoke checks (the load itself comes from autocannon).
import type { ConnectionWatch } from "./pg-connections.js";
import { PASSWORD, body, type Operation } from "./shared.js";

/** A server under test: Gatehouse (one /graphql endpoint) or the baseline (one path each). */
export interface Target {
  name: "gatehouse" | "baseline";
  port: number;
  pid: number;
  path(operation: Operation): string;
  /** PostgreSQL: samples the server connections this side holds during a load run. */
  watchConnections?: () => ConnectionWatch;
}

export async function call(
  target: Target,
  operation: Operation,
  variables: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<Record<string, unknown>> {
  const response = await fetch(`http://127.0.0.1:${target.port}${target.path(operation)}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: body(operation, variables),
  });
  const json = (await response.json()) as { data?: Record<string, unknown>; errors?: unknown };
  if (json.errors !== undefined || json.data === undefined) {
    throw new Error(`${target.name} ${operation}: ${JSON.stringify(json).slice(0, 500)}`);
  }
  return json.data;
}

export function field(data: Record<string, unknown>, name: string): Record<string, unknown> {
  const value = data[name];
  if (typeof value !== "object" || value === null)
    throw new Error(`no ${name} in ${JSON.stringify(data)}`);
  return value as Record<string, unknown>;
}

export async function login(
  target: Target,
  username: string,
): Promise<{ token: string; refreshToken: string }> {
  const result = field(
    await call(target, "tokenAuth", { username, password: PASSWORD }),
    "tokenAuth",
  );
  if (result["success"] !== true)
    throw new Error(`${target.name} tokenAuth failed: ${JSON.stringify(result)}`);
  return { token: String(result["token"]), refreshToken: String(result["refreshToken"]) };
}
