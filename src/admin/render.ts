// Rendering admin pages: one layout, the viewer, the CSRF token and one-shot flash messages.
import type { FastifyReply, FastifyRequest } from "fastify";
import { canAdmin, type AdminModel, type AdminViewer } from "../accounts/staff/access.js";
import { mayManageWebhooks } from "../accounts/webhooks/subscriptions.js";

export { ADMIN_SESSION_COOKIE as SESSION_COOKIE } from "../accounts/staff/access.js";
const FLASH_COOKIE = "gatehouse_admin_flash";

declare module "fastify" {
  interface FastifyRequest {
    adminViewer: AdminViewer | undefined;
  }
}

const NAVIGATION: { model: AdminModel; label: string; path: string }[] = [
  { model: "user", label: "Users", path: "/admin/users/" },
  { model: "userStatus", label: "User statuses", path: "/admin/user-status/" },
  { model: "refreshToken", label: "Refresh tokens", path: "/admin/refresh-tokens/" },
  { model: "group", label: "Groups", path: "/admin/groups/" },
];

// Status rows are created with their user and refresh tokens by signing in: no add page.
const WITHOUT_ADD_PAGE: ReadonlySet<AdminModel> = new Set(["userStatus", "refreshToken"]);

function navigationFor(viewer: AdminViewer | undefined) {
  if (viewer === undefined) return [];
  const models = NAVIGATION.filter((item) => canAdmin(viewer, "view", item.model)).map((item) => ({
    ...item,
    canAdd: !WITHOUT_ADD_PAGE.has(item.model) && canAdmin(viewer, "add", item.model),
  }));
  // Not a Django model: who may manage receivers is the webhooks domain's rule.
  const webhooks = { model: "webhooks", label: "Webhooks", path: "/admin/webhooks/", canAdd: true };
  return mayManageWebhooks(viewer) ? [...models, webhooks] : models;
}

/** Queues a message shown once on the next page (Django's messages). */
export function flash(reply: FastifyReply, message: string): void {
  // A lone surrogate (a name stored by other means than a form) would make encoding throw.
  const text = message.replace(/\p{Cs}/gu, "\uFFFD");
  void reply.setCookie(FLASH_COOKIE, encodeURIComponent(text), {
    path: "/admin/",
    httpOnly: true,
    sameSite: "lax",
  });
}

/** The queued message; none when the cookie is not one `flash` wrote (the client owns it). */
function flashedMessages(cookie: string | undefined): string[] {
  if (cookie === undefined) return [];
  try {
    return [decodeURIComponent(cookie)];
  } catch {
    return [];
  }
}

export async function renderPage(
  request: FastifyRequest,
  reply: FastifyReply,
  template: string,
  data: Record<string, unknown> = {},
  status = 200,
): Promise<FastifyReply> {
  const flashed = request.cookies[FLASH_COOKIE];
  if (flashed !== undefined) void reply.clearCookie(FLASH_COOKIE, { path: "/admin/" });
  const html = await reply.viewAsync(template, {
    viewer: request.adminViewer?.user,
    navigation: navigationFor(request.adminViewer),
    csrfToken: reply.generateCsrf(),
    messages: flashedMessages(flashed),
    ...data,
  });
  return reply.code(status).type("text/html; charset=utf-8").send(html);
}
