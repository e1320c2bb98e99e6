import { requestPasswordReset } from "../../accounts/password-reset.js";
import type { MutationSpec } from "../mutation.js";

export function sendPasswordResetEmailMutation(): MutationSpec {
  return {
    field: "sendPasswordResetEmail",
    typeName: "SendPasswordResetEmail",
    description: "Send a password-reset link to the given primary or secondary address.",
    args: { email: { type: "String", required: true } },
    outputs: { success: "Boolean", errors: "ExpectedErrorType" },
    async run(args, ctx) {
      await requestPasswordReset(ctx.deps, args.email as string, ctx.origin);
    },
  };
}
