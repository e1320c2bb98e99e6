// The user's sessions on the change page (issue 16): where they are signed in, with a button to
// end one or all (forms of their own, with the CSRF field) for staff who may change the user.
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { canAdmin, type AdminViewer } from "../accounts/staff/access.js";
import { canChangeAccount } from "../accounts/staff/privileges.js";
import {
  endUserSessionsFromAdmin,
  listUserSessionsForAdmin,
} from "../accounts/staff/user-sessions.js";
import type { User } from "../accounts/types.js";
import type { Deps } from "../deps.js";
import { notFound } from "./error-pages.js";
import { formBody, formText } from "./forms.js";
import { csrfCheck, requireViewer } from "./guards.js";
import { pathId } from "./ids.js";
import { flash } from "./render.js";

export function registerUserSessionPages(scope: FastifyInstance, deps: Deps): void {
  scope.post("/users/:id/sessions/end/", { preHandler: csrfCheck(scope) }, (request, reply) =>
    endSessions(deps, request, reply),
  );
}

function formatTime(date: Date): string {
  return `${date.toISOString().slice(0, 19).replace("T", " ")} UTC`;
}

/** What the change page shows of the user's sessions. */
export async function sessionsPanel(
  deps: Deps,
  viewer: AdminViewer,
  user: Pick<User, "id" | "isSuperuser">,
) {
  const sessions = await listUserSessionsForAdmin(deps, viewer, user.id);
  return {
    items: sessions.map((session) => ({
      id: session.id,
      createdAt: formatTime(session.createdAt),
      lastUsedAt: formatTime(session.lastUsedAt),
      expiresAt: formatTime(session.expiresAt),
      userAgent: session.userAgent,
      ip: session.ip,
    })),
    canEnd: canAdmin(viewer, "change", "user") && canChangeAccount(viewer, user),
  };
}

async function endSessions(deps: Deps, request: FastifyRequest, reply: FastifyReply) {
  const viewer = requireViewer(request, reply);
  if (viewer === undefined) return reply;
  const id = pathId(request, "id");
  // An empty or missing `session` ends them all (the "End every session" button).
  const session = formText(formBody(request), "session");
  const outcome =
    id === undefined
      ? undefined
      : await endUserSessionsFromAdmin(deps, viewer, id, session === "" ? undefined : session);
  if (id === undefined || outcome === undefined) return notFound(request, reply, "user");
  flash(
    reply,
    outcome.ended === 0
      ? "No session was ended: it had ended already."
      : `Ended ${String(outcome.ended)} session${outcome.ended === 1 ? "" : "s"} of “${outcome.user.username}”.`,
  );
  return reply.redirect(`/admin/users/${String(id)}/change/`);
}
