import { requestSecondaryEmail } from "../../accounts/secondary-email.js";
import type { MutationSpec } from "../mutation.js";

export function sendSecondaryEmailActivationMutation(): MutationSpec {
  return {
    field: "sendSecondaryEmailActivation",
    typeName: "SendSecondaryEmailActivation",
    description: "Send an activation link to a new secondary address of the caller.",
    args: {
      email: { type: "String", required: true },
      password: { type: "String", required: true },
    },
    outputs: { success: "Boolean", errors: "ExpectedErrorType" },
    async run(args, ctx) {
      await requestSecondaryEmail(
        ctx.deps,
        ctx.viewer,
        { email: args.email as string, password: args.password as string },
        ctx.origin,
      );
    },
  };
}
