// What loadConfig refuses an environment for: its ConfigError's problems, each a line.
import { expect } from "vitest";
import { ConfigError, loadConfig, type Environment } from "../../src/config/config.js";

export function problemsOf(env: Environment): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error("loadConfig accepted the environment");
}
