// The user's passkeys on the change page (issue 18), shown when passkeys are on, with a button to
// remove one for staff who may change the user.
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { canAdmin, type AdminViewer } from "../accounts/staff/access.js";
import { canChangeAccount } from "../accounts/staff/privileges.js";
import {
  listUserPasskeysForAdmin,
  removeUserPasskeyFromAdmin,
} from "../accounts/staff/user-passkeys.js";
import type { User } from "../accounts/types.js";
import type { Deps } from "../deps.js";
import { notFound } from "./error-pages.js";
import { formBody, formText } from "./forms.js";
import { csrfCheck, requireViewer } from "./guards.js";
import { pathId } from "./ids.js";
import { flash } from "./render.js";

export function registerUserPasskeyPages(scope: FastifyInstance, deps: Deps): void {
  if (deps.config.passkeys === undefined) return;
  scope.post("/users/:id/passkeys/remove/", { preHandler: csrfCheck(scope) }, (request, reply) =>
    removePasskey(deps, request, reply),
  );
}

function formatTime(date: Date | null): string {
  return date === null ? "never" : `${date.toISOString().slice(0, 19).replace("T", " ")} UTC`;
}

/** What the change page shows of the user's passkeys; undefined while passkeys are off. */
export async function passkeysPanel(
  deps: Deps,
  viewer: AdminViewer,
  user: Pick<User, "id" | "isSuperuser">,
) {
  if (deps.config.passkeys === undefined) return undefined;
  const passkeys = await listUserPasskeysForAdmin(deps, viewer, user.id);
  return {
    items: passkeys.map((passkey) => ({
      id: passkey.id,
      name: passkey.name,
      createdAt: formatTime(passkey.createdAt),
      lastUsedAt: formatTime(passkey.lastUsedAt),
    })),
    canRemove: canAdmin(viewer, "change", "user") && canChangeAccount(viewer, user),
  };
}

async function removePasskey(deps: Deps, request: FastifyRequest, reply: FastifyReply) {
  const viewer = requireViewer(request, reply);
  if (viewer === undefined) return reply;
  const id = pathId(request, "id");
  const passkey = formText(formBody(request), "passkey");
  const outcome =
    id === undefined ? undefined : await removeUserPasskeyFromAdmin(deps, viewer, id, passkey);
  if (id === undefined || outcome === undefined) return notFound(request, reply, "user");
  flash(
    reply,
    outcome.removed
      ? `Removed a passkey of “${outcome.user.username}”.`
      : "No passkey was removed: it had been removed already.",
  );
  return reply.redirect(`/admin/users/${String(id)}/change/`);
}
