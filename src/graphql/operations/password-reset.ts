import { resetPassword, type NewPasswordInput } from "../../accounts/password-reset.js";
import type { Deps } from "../../deps.js";
import type { MutationSpec } from "../mutation.js";

/** passwordReset and passwordSet take the same arguments and answer the same way. */
export function tokenPasswordMutation(
  names: { field: string; typeName: string; description: string },
  setPassword: (deps: Deps, input: NewPasswordInput) => Promise<void>,
): MutationSpec {
  return {
    ...names,
    args: {
      token: { type: "String", required: true },
      newPassword1: { type: "String", required: true },
      newPassword2: { type: "String", required: true },
    },
    outputs: { success: "Boolean", errors: "ExpectedErrorType" },
    async run(args, ctx) {
      await setPassword(ctx.deps, {
        token: args.token as string,
        newPassword1: args.newPassword1 as string,
        newPassword2: args.newPassword2 as string,
      });
    },
  };
}

export function passwordResetMutation(): MutationSpec {
  return tokenPasswordMutation(
    {
      field: "passwordReset",
      typeName: "PasswordReset",
      description:
        "Set a new password with the token of the reset email; revokes every session and verifies the account.",
    },
    resetPassword,
  );
}
