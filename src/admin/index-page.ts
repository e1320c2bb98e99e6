// The admin's home page: the sections the viewer may use (from the layout) and their own recent
// actions, as Django's admin index shows them.
import type { FastifyInstance } from "fastify";
import { recentAdminActions } from "../accounts/staff/access.js";
import type { Deps } from "../deps.js";
import { requireViewer } from "./guards.js";
import { renderPage } from "./render.js";

export function registerIndexPage(scope: FastifyInstance, deps: Deps): void {
  scope.get("/", async (request, reply) => {
    const viewer = requireViewer(request, reply);
    if (viewer === undefined) return reply;
    const actions = await recentAdminActions(deps, { userId: viewer.user.id, limit: 10 });
    return renderPage(request, reply, "index.html", { actions });
  });
}
