import { verifySecondaryEmail } from "../../accounts/secondary-email.js";
import type { MutationSpec } from "../mutation.js";

export function verifySecondaryEmailMutation(): MutationSpec {
  return {
    field: "verifySecondaryEmail",
    typeName: "VerifySecondaryEmail",
    description: "Store the secondary address named by the token of its activation email.",
    args: { token: { type: "String", required: true } },
    outputs: { success: "Boolean", errors: "ExpectedErrorType" },
    async run(args, ctx) {
      await verifySecondaryEmail(ctx.deps, args.token as string);
    },
  };
}
