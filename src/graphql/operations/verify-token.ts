import { verifyAccessToken } from "../../accounts/tokens/access-tokens.js";
import type { MutationSpec } from "../mutation.js";

export function verifyTokenMutation(): MutationSpec {
  return {
    field: "verifyToken",
    typeName: "VerifyToken",
    description: "Check an access token and return its claims.",
    args: { token: { type: "String", required: true } },
    outputs: { payload: "GenericScalar", success: "Boolean", errors: "ExpectedErrorType" },
    async run(args, ctx) {
      return { payload: await verifyAccessToken(ctx.deps, args.token as string, ctx.origin) };
    },
  };
}
