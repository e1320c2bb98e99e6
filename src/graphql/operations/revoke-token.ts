import type { Config } from "../../config/config.js";
import { AccountsError } from "../../accounts/errors.js";
import { revokeRefreshToken } from "../../accounts/tokens/refresh-tokens.js";
import type { MutationSpec } from "../mutation.js";

export function revokeTokenMutation(config: Config): MutationSpec {
  return {
    field: "revokeToken",
    typeName: "RevokeToken",
    description: "Revoke a refresh token (log out); returns the revocation time in unix seconds.",
    args: { refreshToken: { type: "String", required: !config.jwt.cookieAuth } },
    outputs: { revoked: "Int", success: "Boolean", errors: "ExpectedErrorType" },
    async run(args, ctx) {
      const presented =
        (args.refreshToken as string | null | undefined) ?? ctx.presentedRefreshTokenCookie;
      if (presented === undefined) throw AccountsError.of("INVALID_TOKEN");
      const revokedAt = await revokeRefreshToken(ctx.deps, presented, ctx.origin);
      return { revoked: Math.floor(revokedAt.getTime() / 1000) };
    },
  };
}
