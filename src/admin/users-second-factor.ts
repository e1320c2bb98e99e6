// The second factor on the user change page (issue 16): whether the user has one, and the reset
// button (a form of its own, with the CSRF field) for staff who may change the user.
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { resetSecondFactorFromAdmin } from "../accounts/second-factor/reset.js";
import { secondFactorSummary } from "../accounts/second-factor/status.js";
import { canAdmin, type AdminViewer } from "../accounts/staff/access.js";
import { canChangeAccount } from "../accounts/staff/privileges.js";
import type { User } from "../accounts/types.js";
import type { Deps } from "../deps.js";
import { notFound } from "./error-pages.js";
import { csrfCheck, requireViewer } from "./guards.js";
import { pathId } from "./ids.js";
import { flash } from "./render.js";

export function registerUserSecondFactorReset(scope: FastifyInstance, deps: Deps): void {
  scope.post("/users/:id/reset-2fa/", { preHandler: csrfCheck(scope) }, (request, reply) =>
    resetSecondFactor(deps, request, reply),
  );
}

function formatTime(date: Date | undefined): string {
  return date === undefined ? "" : `${date.toISOString().slice(0, 19).replace("T", " ")} UTC`;
}

/** What the change page shows of the user's second factor. */
export async function secondFactorPanel(
  deps: Deps,
  viewer: AdminViewer,
  user: Pick<User, "id" | "isSuperuser">,
) {
  const summary = await secondFactorSummary(deps, viewer, user.id);
  return {
    state: summary.state,
    isEnabled: summary.state === "enabled",
    confirmedAt: formatTime(summary.confirmedAt),
    unusedRecoveryCodes: summary.unusedRecoveryCodes,
    canReset:
      summary.state !== "off" &&
      canAdmin(viewer, "change", "user") &&
      canChangeAccount(viewer, user),
  };
}

async function resetSecondFactor(deps: Deps, request: FastifyRequest, reply: FastifyReply) {
  const viewer = requireViewer(request, reply);
  if (viewer === undefined) return reply;
  const id = pathId(request, "id");
  const outcome = id === undefined ? undefined : await resetSecondFactorFromAdmin(deps, viewer, id);
  if (id === undefined || outcome === undefined) return notFound(request, reply, "user");
  const name = outcome.user.username;
  flash(
    reply,
    outcome.wasSet
      ? `Two-factor authentication was reset for “${name}”.`
      : `“${name}” had no two-factor authentication to reset.`,
  );
  return reply.redirect(`/admin/users/${String(id)}/change/`);
}
