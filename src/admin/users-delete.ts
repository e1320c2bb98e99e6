// Deleting users, one from its delete page or the selected ones from the list: a confirmation page
// listing what goes with them (status row, refresh tokens), then the deletion.
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { AdminViewer } from "../accounts/staff/access.js";
import { deleteUsersFromAdmin } from "../accounts/staff/user-changes.js";
import { previewUserDeletion } from "../accounts/staff/users.js";
import type { Deps } from "../deps.js";
import { notFound } from "./error-pages.js";
import { csrfCheck, requireViewer } from "./guards.js";
import { pathId } from "./ids.js";
import { flash, renderPage } from "./render.js";

type Previews = Awaited<ReturnType<typeof previewUserDeletion>>;

function deletePageData(previews: Previews, options: { isBulk: boolean; back: string }) {
  const tokenCount = previews.reduce((sum, preview) => sum + preview.refreshTokens.total, 0);
  return {
    section: "user",
    title: "Are you sure?",
    previews: previews.map((preview) => ({
      ...preview,
      hiddenTokens: preview.refreshTokens.total - preview.refreshTokens.prefixes.length,
    })),
    summary: { users: previews.length, statuses: previews.length, refreshTokens: tokenCount },
    isBulk: options.isBulk,
    back: options.back,
    filtersQuery: options.back.split("?")[1] ?? "",
  };
}

/** The "Delete selected users" action: the confirmation page, whose form posts `post=yes`. */
export async function deleteSelectedUsers(
  deps: Deps,
  request: FastifyRequest,
  reply: FastifyReply,
  options: { viewer: AdminViewer; selected: number[]; back: string; isConfirmed: boolean },
): Promise<FastifyReply> {
  const { viewer, selected, back } = options;
  if (options.isConfirmed) {
    const deleted = await deleteUsersFromAdmin(deps, viewer, selected);
    const noun = deleted.length === 1 ? "user" : "users";
    flash(reply, `Successfully deleted ${String(deleted.length)} ${noun}.`);
    return reply.redirect(back);
  }
  const previews = await previewUserDeletion(deps, viewer, selected);
  const data = deletePageData(previews, { isBulk: true, back });
  return renderPage(request, reply, "users/delete.html", data);
}

export function registerUserDeletePage(scope: FastifyInstance, deps: Deps): void {
  scope.get("/users/:id/delete/", (request, reply) => confirmDelete(deps, request, reply));
  scope.post("/users/:id/delete/", { preHandler: csrfCheck(scope) }, (request, reply) =>
    deleteOne(deps, request, reply),
  );
}

async function confirmDelete(deps: Deps, request: FastifyRequest, reply: FastifyReply) {
  const viewer = requireViewer(request, reply);
  if (viewer === undefined) return reply;
  const id = pathId(request, "id");
  const previews = id === undefined ? [] : await previewUserDeletion(deps, viewer, [id]);
  if (id === undefined || previews.length === 0) return notFound(request, reply, "user");
  const back = `/admin/users/${String(id)}/change/`;
  return renderPage(
    request,
    reply,
    "users/delete.html",
    deletePageData(previews, { isBulk: false, back }),
  );
}

async function deleteOne(deps: Deps, request: FastifyRequest, reply: FastifyReply) {
  const viewer = requireViewer(request, reply);
  if (viewer === undefined) return reply;
  const id = pathId(request, "id");
  const deleted = id === undefined ? [] : await deleteUsersFromAdmin(deps, viewer, [id]);
  if (deleted.length === 0) return notFound(request, reply, "user");
  flash(reply, `The user “${deleted.join("")}” was deleted successfully.`);
  return reply.redirect("/admin/users/");
}
