import { setPassword } from "../../accounts/password-reset.js";
import type { MutationSpec } from "../mutation.js";

export function passwordSetMutation(): MutationSpec {
  return {
    field: "passwordSet",
    typeName: "PasswordSet",
    description: "Set the first password of a passwordless account with the token of the password-set email.",
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
