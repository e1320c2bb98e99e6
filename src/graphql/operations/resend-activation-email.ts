import { resendActivationEmail } from "../../accounts/email-verification.js";
import type { MutationSpec } from "../mutation.js";

export function resendActivationEmailMutation(): MutationSpec {
  return {
    field: "resendActivationEmail",
    typeName: "ResendActivationEmail",
    description: "Send the activation email again to the primary address of an unverified account.",
    args: { email: { type: "String", required: true } },
    outputs: { success: "Boolean", errors: "ExpectedErrorType" },
    async run(args, ctx) {
      await resendActivationEmail(ctx.deps, args.email as string, ctx.origin);
    },
  };
}
