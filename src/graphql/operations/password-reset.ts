import { resetPassword } from "../../accounts/password-reset.js";
import type { MutationSpec } from "../mutation.js";

export function passwordResetMutation(): MutationSpec {
  return {
    field: "passwordReset",
    typeName: "PasswordReset",
    description: "Set a new password with the token of the reset email; revokes every session and verifies the account.",
    args: {
      token: { type: "String", required: true },
      newPassword1: { type: "String", required: true },
      newPassword2: { type: "String", required: true },
    },
    outputs: { success: "Boolean", errors: "ExpectedErrorType" },
    async run(args, ctx) {
      await resetPassword(ctx.deps, {
        token: args.token as string,
        newPassword1: args.newPassword1 as string,
        newPassword2: args.newPassword2 as string,
      });
    },
  };
}
