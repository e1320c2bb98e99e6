import { removeSecondaryEmail } from "../../accounts/secondary-email.js";
import type { MutationSpec } from "../mutation.js";

export function removeSecondaryEmailMutation(): MutationSpec {
  return {
    field: "removeSecondaryEmail",
    typeName: "RemoveSecondaryEmail",
    description: "Remove the caller's secondary address.",
    args: { password: { type: "String", required: true } },
    outputs: { success: "Boolean", errors: "ExpectedErrorType" },
    async run(args, ctx) {
      await removeSecondaryEmail(ctx.deps, ctx.viewer, args.password as string, ctx.origin);
    },
  };
}
