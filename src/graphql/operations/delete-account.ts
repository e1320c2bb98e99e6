import { deleteAccount } from "../../accounts/account-settings.js";
import type { MutationSpec } from "../mutation.js";

export function deleteAccountMutation(): MutationSpec {
  return {
    field: "deleteAccount",
    typeName: "DeleteAccount",
    description:
      "Deactivate the caller's account (or delete it with ALLOW_DELETE_ACCOUNT) and end its sessions.",
    args: { password: { type: "String", required: true } },
    outputs: { success: "Boolean", errors: "ExpectedErrorType" },
    async run(args, ctx) {
      await deleteAccount(ctx.deps, ctx.viewer, args.password as string, ctx.origin);
    },
  };
}
