// Webhooks in the admin (issue 19): subscriptions (URL, event types, active; the secret is made
// here and shown once), the latest deliveries with their outcome, and replay of failed ones.
// Superusers only: a receiver gets every user's changes.
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import {
  addSubscription,
  changeSubscription,
  getWebhookSubscription,
  listWebhookSubscriptions,
  recentDeliveries,
  removeSubscription,
  replayDelivery,
  requireWebhookAdmin,
  type SubscriptionForm,
} from "../accounts/webhooks/subscriptions.js";
import { WEBHOOK_EVENT_TYPES, type WebhookEventType } from "../config/webhooks.js";
import type { Deps } from "../deps.js";
import { notFound } from "./error-pages.js";
import { attempt, formBody, formList, formText, isChecked, type FormBody } from "./forms.js";
import { csrfCheck, requireViewer } from "./guards.js";
import { pathId } from "./ids.js";
import { flash, renderPage } from "./render.js";

const DELIVERIES_SHOWN = 100;
const DELIVERY_STATUSES = ["pending", "delivered", "failed"] as const;
/** bigserial: delivery ids may pass int4. */
const BIGINT_SAFE_MAX = Number.MAX_SAFE_INTEGER;

export function registerWebhookPages(scope: FastifyInstance, deps: Deps): void {
  const withCsrf = { preHandler: csrfCheck(scope) };
  scope.get("/webhooks/", (request, reply) => listPage(deps, request, reply));
  scope.get("/webhooks/add/", (request, reply) => formPage(deps, request, reply, "add"));
  scope.post("/webhooks/add/", withCsrf, (request, reply) => saveNew(deps, request, reply));
  scope.get("/webhooks/:id/change/", (request, reply) => formPage(deps, request, reply, "change"));
  scope.post("/webhooks/:id/change/", withCsrf, (request, reply) =>
    saveChange(deps, request, reply),
  );
  scope.post("/webhooks/:id/delete/", withCsrf, (request, reply) => remove(deps, request, reply));
  scope.post("/webhooks/deliveries/:id/replay/", withCsrf, (request, reply) =>
    replay(deps, request, reply),
  );
}

function formatTime(date: Date): string {
  return `${date.toISOString().slice(0, 19).replace("T", " ")} UTC`;
}

function readForm(body: FormBody): SubscriptionForm {
  const known = new Set<string>(WEBHOOK_EVENT_TYPES);
  return {
    url: formText(body, "url"),
    description: formText(body, "description"),
    secret: formText(body, "secret"),
    isActive: isChecked(body, "is_active"),
    eventTypes: formList(body, "event_types").filter((type): type is WebhookEventType =>
      known.has(type),
    ),
  };
}

function eventChoices(selected: readonly string[]) {
  return WEBHOOK_EVENT_TYPES.map((type) => ({ type, isChecked: selected.includes(type) }));
}

async function listPage(deps: Deps, request: FastifyRequest, reply: FastifyReply) {
  const viewer = requireViewer(request, reply);
  if (viewer === undefined) return reply;
  const query = request.query as Record<string, unknown>;
  const status = DELIVERY_STATUSES.find((candidate) => candidate === query.status);
  const [subscriptions, deliveries] = await Promise.all([
    listWebhookSubscriptions(deps, viewer),
    recentDeliveries(deps, viewer, {
      ...(status === undefined ? {} : { status }),
      limit: DELIVERIES_SHOWN,
    }),
  ]);
  return renderPage(request, reply, "webhooks/list.html", {
    section: "webhooks",
    status: status ?? "",
    statuses: DELIVERY_STATUSES,
    subscriptions: subscriptions.map((subscription) => ({
      ...subscription,
      eventTypes:
        subscription.eventTypes.length === 0 ? "every type" : subscription.eventTypes.join(", "),
    })),
    deliveries: deliveries.map((delivery) => ({
      ...delivery,
      createdAt: formatTime(delivery.createdAt),
      nextAttemptAt: formatTime(delivery.nextAttemptAt),
    })),
  });
}

async function formPage(
  deps: Deps,
  request: FastifyRequest,
  reply: FastifyReply,
  mode: "add" | "change",
) {
  const viewer = requireViewer(request, reply);
  if (viewer === undefined) return reply;
  if (mode === "add") {
    requireWebhookAdmin(viewer);
    return renderForm(deps, request, reply, {
      isAdd: true,
      form: { url: "", description: "", isActive: true },
      events: eventChoices([]),
    });
  }
  const id = pathId(request, "id");
  const subscription =
    id === undefined ? undefined : await getWebhookSubscription(deps, viewer, id);
  if (subscription === undefined) return notFound(request, reply, "webhook subscription");
  return renderForm(deps, request, reply, {
    isAdd: false,
    form: subscription,
    events: eventChoices(subscription.eventTypes),
  });
}

function renderForm(
  deps: Deps,
  request: FastifyRequest,
  reply: FastifyReply,
  data: {
    isAdd: boolean;
    form: {
      id?: number;
      url: string;
      description: string;
      isActive: boolean;
      settingName?: string | null;
    };
    events: ReturnType<typeof eventChoices>;
    errors?: unknown;
  },
  status = 200,
) {
  const isOwnedBySetting = !data.isAdd && (data.form.settingName ?? null) !== null;
  return renderPage(
    request,
    reply,
    "webhooks/form.html",
    {
      section: "webhooks",
      title: data.isAdd ? "Add webhook subscription" : "Change webhook subscription",
      action: data.isAdd
        ? "/admin/webhooks/add/"
        : `/admin/webhooks/${String(data.form.id)}/change/`,
      canSave: !isOwnedBySetting,
      isOwnedBySetting,
      allowedNetworks: deps.config.webhooks.allowedNetworks.join(", "),
      ...data,
    },
    status,
  );
}

function renderSecret(
  request: FastifyRequest,
  reply: FastifyReply,
  subscription: { id: number; url: string },
  secret: string,
) {
  // The secret is in this answer only: it is stored sealed and never shown again.
  void reply.header("cache-control", "no-store");
  return renderPage(request, reply, "webhooks/secret.html", {
    section: "webhooks",
    subscription,
    secret,
  });
}

async function saveNew(deps: Deps, request: FastifyRequest, reply: FastifyReply) {
  const viewer = requireViewer(request, reply);
  if (viewer === undefined) return reply;
  const form = readForm(formBody(request));
  const outcome = await attempt(() => addSubscription(deps, viewer, form));
  if ("errors" in outcome) {
    return renderForm(
      deps,
      request,
      reply,
      { isAdd: true, form, events: eventChoices(form.eventTypes), errors: outcome.errors },
      400,
    );
  }
  const { id, madeSecret } = outcome.value;
  if (madeSecret !== undefined) {
    return renderSecret(request, reply, { id, url: form.url.trim() }, madeSecret);
  }
  flash(reply, `Added the subscription for ${form.url.trim()}, signing with the secret given.`);
  return reply.redirect("/admin/webhooks/");
}

async function saveChange(deps: Deps, request: FastifyRequest, reply: FastifyReply) {
  const viewer = requireViewer(request, reply);
  if (viewer === undefined) return reply;
  const id = pathId(request, "id");
  if (id === undefined) return notFound(request, reply, "webhook subscription");
  const body = formBody(request);
  const form = readForm(body);
  const outcome = await attempt(() =>
    changeSubscription(deps, viewer, id, {
      ...form,
      rotateSecret: isChecked(body, "rotate_secret"),
    }),
  );
  if ("errors" in outcome) {
    return renderForm(
      deps,
      request,
      reply,
      {
        isAdd: false,
        form: { ...form, id },
        events: eventChoices(form.eventTypes),
        errors: outcome.errors,
      },
      400,
    );
  }
  const change = outcome.value;
  if (change.outcome === "missing") return notFound(request, reply, "webhook subscription");
  if (change.outcome === "owned-by-setting") {
    flash(reply, "This subscription comes from the WEBHOOKS setting: change it there.");
    return reply.redirect(`/admin/webhooks/${String(id)}/change/`);
  }
  if (change.madeSecret !== undefined) {
    return renderSecret(request, reply, { id, url: form.url.trim() }, change.madeSecret);
  }
  flash(reply, `Saved the subscription for ${form.url.trim()}.`);
  return reply.redirect("/admin/webhooks/");
}

async function remove(deps: Deps, request: FastifyRequest, reply: FastifyReply) {
  const viewer = requireViewer(request, reply);
  if (viewer === undefined) return reply;
  const id = pathId(request, "id");
  const isRemoved = id !== undefined && (await removeSubscription(deps, viewer, id));
  flash(
    reply,
    isRemoved
      ? "Deleted the subscription and its deliveries."
      : "Nothing was deleted: the subscription is gone already or comes from the WEBHOOKS setting.",
  );
  return reply.redirect("/admin/webhooks/");
}

async function replay(deps: Deps, request: FastifyRequest, reply: FastifyReply) {
  const viewer = requireViewer(request, reply);
  if (viewer === undefined) return reply;
  const id = pathId(request, "id", BIGINT_SAFE_MAX);
  const isQueued = id !== undefined && (await replayDelivery(deps, viewer, id));
  if (isQueued) deps.webhooks.nudge();
  flash(
    reply,
    isQueued
      ? "The delivery is queued again, under its original webhook-id."
      : "Only a failed delivery can be replayed.",
  );
  return reply.redirect("/admin/webhooks/");
}
