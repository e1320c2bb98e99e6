// `.env` in the working folder, read once when the CLI starts (src/cli/main.ts), before any
// command reads its settings: a developer keeps settings in a file, as Django projects do with
// django-environ. Variables already in the environment win, so a deployment's real environment
// overrides whatever file it finds. GATEHOUSE_ENV_FILE names another file; set empty, none.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseEnv } from "node:util";
import { ConfigError } from "./config.js";

export const ENV_FILE_VARIABLE = "GATEHOUSE_ENV_FILE";

export interface EnvFileOutcome {
  /** The absolute path of the file read. */
  path: string;
  /** The variables it set (those the environment did not have). */
  applied: string[];
  /** The variables it also names but the environment already had, so kept as they were. */
  overridden: string[];
}

/**
 * Adds the variables of the env file to `env` (process.env) where `env` lacks them. Returns
 * undefined when there is no file to read: GATEHOUSE_ENV_FILE is empty, or it is unset and the
 * working folder has no `.env`. Throws ConfigError when the file named cannot be read.
 */
export function loadEnvFile(
  env: NodeJS.ProcessEnv = process.env,
  cwd: string = process.cwd(),
): EnvFileOutcome | undefined {
  const named = env[ENV_FILE_VARIABLE];
  if (named !== undefined && named.trim() === "") return undefined;
  const path = resolve(cwd, named ?? ".env");
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    const code = (error as { code?: string }).code ?? String(error);
    if (code === "ENOENT" && named === undefined) return undefined;
    const setting = named === undefined ? ".env" : `${ENV_FILE_VARIABLE} (${path})`;
    throw new ConfigError([`${setting}: cannot be read (${code})`]);
  }
  const outcome: EnvFileOutcome = { path, applied: [], overridden: [] };
  for (const [name, value] of Object.entries(parseEnv(text))) {
    if (value === undefined) continue;
    if (env[name] === undefined) {
      env[name] = value;
      outcome.applied.push(name);
    } else {
      outcome.overridden.push(name);
    }
  }
  return outcome;
}
