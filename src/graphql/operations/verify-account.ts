import { verifyEmail } from "../../accounts/email-verification.js";
import type { MutationSpec } from "../mutation.js";

export function verifyAccountMutation(): MutationSpec {
  return {
    field: "verifyAccount",
    typeName: "VerifyAccount",
    description: "Verify the account with the token of the activation email.",
    args: { token: { type: "String", required: true } },
    outputs: { success: "Boolean", errors: "ExpectedErrorType" },
    async run(args, ctx) {
      await verifyEmail(ctx.deps, args.token as string);
    },
  };
}
