import { revokeOtherSessions, revokeSession } from "../../accounts/tokens/user-sessions.js";
import type { MutationSpec } from "../mutation.js";

export function revokeSessionMutation(): MutationSpec {
  return {
    field: "revokeSession",
    typeName: "RevokeSession",
    description:
      "End one of the caller's sessions: its refresh token stops refreshing and its access tokens stop authenticating at once.",
    args: { id: { type: "ID", required: true } },
    outputs: { success: "Boolean", errors: "ExpectedErrorType" },
    async run(args, ctx) {
      await revokeSession(ctx.deps, ctx.viewer, String(args.id));
    },
  };
}

export function revokeOtherSessionsMutation(): MutationSpec {
  return {
    field: "revokeOtherSessions",
    typeName: "RevokeOtherSessions",
    description: "End every session of the caller but the one of this request's access token.",
    args: {},
    outputs: { success: "Boolean", errors: "ExpectedErrorType" },
    async run(_args, ctx) {
      await revokeOtherSessions(ctx.deps, ctx.viewer, ctx.viewerSessionId);
    },
  };
}
