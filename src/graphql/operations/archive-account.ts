import { archiveAccount } from "../../accounts/account-settings.js";
import type { MutationSpec } from "../mutation.js";

export function archiveAccountMutation(): MutationSpec {
  return {
    field: "archiveAccount",
    typeName: "ArchiveAccount",
    description:
      "Archive the caller's account and end its sessions; logging in again un-archives it.",
    args: { password: { type: "String", required: true } },
    outputs: { success: "Boolean", errors: "ExpectedErrorType" },
    async run(args, ctx) {
      await archiveAccount(ctx.deps, ctx.viewer, args.password as string, ctx.origin);
    },
  };
}
