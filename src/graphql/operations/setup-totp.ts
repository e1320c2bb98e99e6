import { setupTotp } from "../../accounts/second-factor/enrolment.js";
import type { MutationSpec } from "../mutation.js";

export function setupTotpMutation(): MutationSpec {
  return {
    field: "setupTotp",
    typeName: "SetupTotp",
    description:
      "Start turning on the second factor: a new TOTP secret and its otpauth:// URL, shown this once; confirmTotp activates it.",
    args: { password: { type: "String", required: true } },
    outputs: {
      success: "Boolean",
      errors: "ExpectedErrorType",
      secret: "String",
      otpauthUrl: "String",
    },
    async run(args, ctx) {
      return setupTotp(ctx.deps, ctx.viewer, args.password as string, ctx.origin);
    },
  };
}
