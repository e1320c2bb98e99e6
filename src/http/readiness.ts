// What /readyz answers: ready while the database answers and has every migration this code was
// built with. A node serving an older schema would fail requests on a missing table or column.
import type { Deps } from "../deps.js";

export type Readiness =
  | { status: "ok" }
  | { status: "unavailable"; database: string }
  | { status: "unavailable"; migrations: string; pending: string[] };

export async function readiness(
  deps: Pick<Deps, "pingDatabase" | "pendingMigrations" | "isDatabaseUnavailable">,
  unavailableMessage: string,
): Promise<Readiness> {
  try {
    await deps.pingDatabase();
    const pending = await deps.pendingMigrations();
    if (pending.length === 0) return { status: "ok" };
    const count =
      pending.length === 1 ? "1 migration is" : `${String(pending.length)} migrations are`;
    return {
      status: "unavailable",
      migrations: `${count} not applied yet: run \`gatehouse migrate\` (or start one node without --no-migrate).`,
      pending,
    };
  } catch (error) {
    if (!deps.isDatabaseUnavailable(error)) throw error;
    return { status: "unavailable", database: unavailableMessage };
  }
}
