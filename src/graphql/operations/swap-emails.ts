import { swapEmails } from "../../accounts/secondary-email.js";
import type { MutationSpec } from "../mutation.js";

export function swapEmailsMutation(): MutationSpec {
  return {
    field: "swapEmails",
    typeName: "SwapEmails",
    description: "Exchange the caller's primary and secondary addresses.",
    args: { password: { type: "String", required: true } },
    outputs: { success: "Boolean", errors: "ExpectedErrorType" },
    async run(args, ctx) {
      await swapEmails(ctx.deps, ctx.viewer, args.password as string, ctx.origin);
    },
  };
}
