// Signing in to and out of the admin, and changing one's own password (Django's admin login,
// logout and password_change views).
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { onePasswordCheck } from "../accounts/passwords/checks.js";
import { signInToAdmin, signOutOfAdmin } from "../accounts/staff/access.js";
import { changeOwnPassword } from "../accounts/staff/user-changes.js";
import { AccountsError } from "../accounts/errors.js";
import type { Deps } from "../deps.js";
import { formBody, formText } from "./forms.js";
import { csrfCheck, requireViewer } from "./guards.js";
import { flash, renderPage, SESSION_COOKIE } from "./render.js";

const HOME = "/admin/";
// C0 and C1 controls and DEL: CR and LF would end the header, and no URL may hold the others.
// eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * Where to go after signing in. Only local admin paths: an open redirect would let a link send
 * staff anywhere. The value ends up in the Location header, where a control character (CR/LF
 * would split the header) makes it unusable, as does a malformed string; other characters
 * outside printable ASCII are percent-encoded, as Django's iri_to_uri does, or Node refuses the
 * header and the login would answer 500.
 */
function safeNext(next: unknown): string {
  if (typeof next !== "string" || !next.startsWith(HOME) || CONTROL_CHARACTERS.test(next))
    return HOME;
  try {
    return next.replace(/[^\u0021-\u007e]/gu, (character) => encodeURIComponent(character));
  } catch {
    // encodeURIComponent throws on a lone surrogate, which no UTF-8 URL can hold.
    return HOME;
  }
}

export function registerAuthPages(scope: FastifyInstance, deps: Deps): void {
  const checkCsrf = csrfCheck(scope);
  scope.get("/login/", showLogin);
  scope.post("/login/", { preHandler: checkCsrf }, (request, reply) => logIn(deps, request, reply));
  scope.post("/logout/", { preHandler: checkCsrf }, (request, reply) =>
    logOut(deps, request, reply),
  );
  scope.get("/password_change/", showPasswordChange);
  scope.post("/password_change/", { preHandler: checkCsrf }, (request, reply) =>
    changePassword(deps, request, reply),
  );
}

async function showLogin(request: FastifyRequest, reply: FastifyReply) {
  if (request.adminViewer !== undefined) return reply.redirect("/admin/");
  return renderPage(request, reply, "login.html", {
    next: safeNext((request.query as Record<string, unknown>).next),
  });
}

async function logIn(deps: Deps, request: FastifyRequest, reply: FastifyReply) {
  const body = formBody(request);
  const username = formText(body, "username");
  const next = safeNext(formText(body, "next"));
  try {
    const { sessionToken } = await signInToAdmin(
      deps,
      { username, password: formText(body, "password"), otp: formText(body, "otp") },
      { ip: request.ip },
    );
    void reply.setCookie(SESSION_COOKIE, sessionToken, {
      path: "/",
      httpOnly: true,
      sameSite: "lax",
      secure: deps.config.environment === "production",
    });
    return await reply.redirect(next);
  } catch (error) {
    // Every refusal to sign in, whatever the reason, is shown on the login form.
    if (!(error instanceof AccountsError)) throw error;
    return renderPage(request, reply, "login.html", { username, next, errors: error.errors });
  }
}

async function logOut(deps: Deps, request: FastifyRequest, reply: FastifyReply) {
  const token = request.cookies[SESSION_COOKIE];
  if (token !== undefined) await signOutOfAdmin(deps, token);
  void reply.clearCookie(SESSION_COOKIE, { path: "/" });
  request.adminViewer = undefined;
  return renderPage(request, reply, "logged_out.html");
}

async function showPasswordChange(request: FastifyRequest, reply: FastifyReply) {
  if (requireViewer(request, reply) === undefined) return reply;
  return renderPage(request, reply, "password_change.html");
}

async function changePassword(deps: Deps, request: FastifyRequest, reply: FastifyReply) {
  const viewer = requireViewer(request, reply);
  if (viewer === undefined) return reply;
  const body = formBody(request);
  try {
    await changeOwnPassword(
      deps,
      viewer.user,
      {
        oldPassword: formText(body, "old_password"),
        newPassword1: formText(body, "new_password1"),
        newPassword2: formText(body, "new_password2"),
      },
      { ip: request.ip, passwordChecks: onePasswordCheck() },
    );
  } catch (error) {
    if (!(error instanceof AccountsError)) throw error;
    return renderPage(request, reply, "password_change.html", { errors: error.errors });
  }
  flash(reply, "Your password was changed.");
  return reply.redirect("/admin/");
}
