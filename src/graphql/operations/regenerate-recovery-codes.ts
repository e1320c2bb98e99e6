import { regenerateRecoveryCodes } from "../../accounts/second-factor/enrolment.js";
import type { MutationSpec } from "../mutation.js";

export function regenerateRecoveryCodesMutation(): MutationSpec {
  return {
    field: "regenerateRecoveryCodes",
    typeName: "RegenerateRecoveryCodes",
    description:
      "Ten new recovery codes in place of the old ones, with the password and a current code or a recovery code; shown this once.",
    args: {
      password: { type: "String", required: true },
      code: { type: "String", required: true },
    },
    outputs: { success: "Boolean", errors: "ExpectedErrorType", recoveryCodes: "[String]" },
    async run(args, ctx) {
      return regenerateRecoveryCodes(
        ctx.deps,
        ctx.viewer,
        { password: args.password as string, code: args.code as string },
        ctx.origin,
      );
    },
  };
}
