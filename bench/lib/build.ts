// Builds Gatehouse (`npm run build`) unless dist/ is newer than src/.
import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { log } from "./log.js";
import { ROOT } from "./options.js";

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** `force`: --build, rebuild even when dist/ looks fresh. */
export function buildIfNeeded(force: boolean): void {
  const main = join(ROOT, "dist/src/cli/main.js");
  let fresh: boolean;
  try {
    fresh = statSync(main).mtimeMs > newestMtime(join(ROOT, "src"));
  } catch {
    fresh = false;
  }
  if (fresh && !force) {
    log("dist/ is newer than src/: skipping the build (--build forces it)");
    return;
  }
  log("npm run build …");
  const result = spawnSync("npm", ["run", "build"], {
    cwd: ROOT,
    stdio: ["ignore", "ignore", "inherit"],
  });
  if (result.status !== 0) throw new Error("npm run build failed");
}
