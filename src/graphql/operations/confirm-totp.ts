import { confirmTotp } from "../../accounts/second-factor/enrolment.js";
import type { MutationSpec } from "../mutation.js";

export function confirmTotpMutation(): MutationSpec {
  return {
    field: "confirmTotp",
    typeName: "ConfirmTotp",
    description:
      "Turn the second factor on with a current code of the secret setupTotp gave; returns ten single-use recovery codes, shown this once.",
    args: { code: { type: "String", required: true } },
    outputs: { success: "Boolean", errors: "ExpectedErrorType", recoveryCodes: "[String]" },
    async run(args, ctx) {
      return confirmTotp(ctx.deps, ctx.viewer, args.code as string, ctx.origin);
    },
  };
}
