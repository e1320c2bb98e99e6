import type { Config } from "../../config/config.js";
import { changePassword } from "../../accounts/password-change.js";
import type { MutationSpec, OutputType } from "../mutation.js";

export function passwordChangeMutation(config: Config): MutationSpec {
  const outputs: Record<string, OutputType> = { success: "Boolean", errors: "ExpectedErrorType" };
  if (config.jwt.longRunningRefreshToken) outputs.refreshToken = "String";
  outputs.token = "String";
  return {
    field: "passwordChange",
    typeName: "PasswordChange",
    description: "Change the caller's password; ends every other session and returns new tokens.",
    args: {
      oldPassword: { type: "String", required: true },
      newPassword1: { type: "String", required: true },
      newPassword2: { type: "String", required: true },
    },
    outputs,
    async run(args, ctx) {
      const session = await changePassword(
        ctx.deps,
        ctx.viewer,
        {
          oldPassword: args.oldPassword as string,
          newPassword1: args.newPassword1 as string,
          newPassword2: args.newPassword2 as string,
        },
        ctx.origin,
      );
      return {
        token: session.access.token,
        refreshToken: async () => (await session.refreshToken()).token,
      };
    },
  };
}
