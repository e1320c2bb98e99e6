import { disableTotp } from "../../accounts/second-factor/enrolment.js";
import type { MutationSpec } from "../mutation.js";

export function disableTotpMutation(): MutationSpec {
  return {
    field: "disableTotp",
    typeName: "DisableTotp",
    description:
      "Turn the second factor off, with the password and a current code or a recovery code; deletes the secret and the recovery codes.",
    args: {
      password: { type: "String", required: true },
      code: { type: "String", required: true },
    },
    outputs: { success: "Boolean", errors: "ExpectedErrorType" },
    async run(args, ctx) {
      await disableTotp(
        ctx.deps,
        ctx.viewer,
        { password: args.password as string, code: args.code as string },
        ctx.origin,
      );
    },
  };
}
