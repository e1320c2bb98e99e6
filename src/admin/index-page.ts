// The admin's home page: the sections the viewer may use (from the layout) and their own recent
// actions, as Django's admin index shows them.
import type { FastifyInstance } from "fastify";
import { ADMIN_MODELS, recentAdminActions } from "../accounts/staff/access.js";
import type { Deps } from "../deps.js";
import { requireViewer } from "./guards.js";
import { renderPage } from "./render.js";

/** Django's verbose names of the models, as its admin's "Recent actions" shows them. */
const MODEL_NAMES: Record<string, string> = {
  [ADMIN_MODELS.user.contentType]: "User",
  [ADMIN_MODELS.userStatus.contentType]: "User status",
  [ADMIN_MODELS.refreshToken.contentType]: "Refresh token",
  [ADMIN_MODELS.group.contentType]: "Group",
};

function modelName(contentType: string): string {
  return MODEL_NAMES[contentType] ?? contentType;
}

export function registerIndexPage(scope: FastifyInstance, deps: Deps): void {
  scope.get("/", async (request, reply) => {
    const viewer = requireViewer(request, reply);
    if (viewer === undefined) return reply;
    const entries = await recentAdminActions(deps, { userId: viewer.user.id, limit: 10 });
    const actions = entries.map((entry) => ({ ...entry, modelName: modelName(entry.contentType) }));
    return renderPage(request, reply, "index.html", { actions });
  });
}
