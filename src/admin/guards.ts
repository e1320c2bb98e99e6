// What every admin handler checks before it does anything: a signed-in staff member, and for a form
// post the CSRF field. Page files import these from here, so plugin.ts is only their registrar.
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { AdminViewer } from "../accounts/staff/access.js";

/** The signed-in staff member, or a redirect to the login page. */
export function requireViewer(
  request: FastifyRequest,
  reply: FastifyReply,
): AdminViewer | undefined {
  if (request.adminViewer !== undefined) return request.adminViewer;
  void reply.redirect(`/admin/login/?next=${encodeURIComponent(request.url)}`);
  return undefined;
}

/** The CSRF check for a form handler (Fastify's method, bound to its scope). */
export function csrfCheck(scope: FastifyInstance) {
  return scope.csrfProtection.bind(scope);
}
