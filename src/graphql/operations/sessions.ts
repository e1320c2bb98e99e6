// `sessions` (issue 16): the caller's own live sessions, newest first; `current` marks the one
// the request's access token belongs to. Anonymous callers get none.
import { listSessions } from "../../accounts/tokens/user-sessions.js";
import type { Builder } from "../builder.js";

interface SessionValue {
  id: string;
  current: boolean;
  createdAt: Date;
  lastUsedAt: Date;
  expiresAt: Date;
  userAgent: string;
  ip: string;
}

export const SESSION_NODE = "SessionNode";

export function defineSessionsQuery(builder: Builder): void {
  const sessionNode = builder.objectRef<SessionValue>(SESSION_NODE).implement({
    description: "One sign-in: its refresh tokens and the access tokens minted from them.",
    fields: (t) => ({
      id: t.exposeID("id", { nullable: false }),
      current: t.exposeBoolean("current", {
        nullable: false,
        description: "Whether the request's own access token belongs to this session.",
      }),
      createdAt: t.field({ type: "DateTime", nullable: false, resolve: (s) => s.createdAt }),
      lastUsedAt: t.field({
        type: "DateTime",
        nullable: false,
        description: "The sign-in or the last refresh (refreshes are when it is noted).",
        resolve: (s) => s.lastUsedAt,
      }),
      expiresAt: t.field({ type: "DateTime", nullable: false, resolve: (s) => s.expiresAt }),
      userAgent: t.exposeString("userAgent", { nullable: false }),
      ip: t.exposeString("ip", { nullable: false }),
    }),
  });
  builder.queryField("sessions", (t) =>
    t.field({
      type: [sessionNode],
      nullable: false,
      description: "The caller's own sessions, newest first; none for an anonymous caller.",
      resolve: (_root, _args, ctx) => listSessions(ctx.deps, ctx.viewer, ctx.viewerSessionId),
    }),
  );
}
