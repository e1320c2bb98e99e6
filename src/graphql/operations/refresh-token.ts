import type { Config } from "../../config/config.js";
import { AccountsError } from "../../accounts/errors.js";
import { refreshAccessToken, refreshTokens } from "../../accounts/tokens/refresh-tokens.js";
import type { MutationSpec } from "../mutation.js";
import { tokenCookies } from "./token-cookies.js";

export function refreshTokenMutation(config: Config): MutationSpec {
  const description =
    "Exchange a refresh token for a new access token and a new refresh token (the old one is revoked).";
  if (!config.jwt.longRunningRefreshToken) {
    return {
      field: "refreshToken",
      typeName: "RefreshToken",
      description: "Exchange a still valid access token for a new one with the same origIat.",
      args: { token: { type: "String", required: true } },
      outputs: {
        token: "String",
        payload: "GenericScalar",
        success: "Boolean",
        errors: "ExpectedErrorType",
      },
      async run(args, ctx) {
        const { access } = await refreshAccessToken(ctx.deps, args.token as string, ctx.origin);
        tokenCookies(ctx, { access: access.token });
        return { token: access.token, payload: access.payload };
      },
    };
  }
  return {
    field: "refreshToken",
    typeName: "RefreshToken",
    description,
    // In cookie mode the token may come from the HttpOnly cookie instead.
    args: { refreshToken: { type: "String", required: !config.jwt.cookieAuth } },
    outputs: {
      token: "String",
      payload: "GenericScalar",
      success: "Boolean",
      errors: "ExpectedErrorType",
      refreshToken: "String",
      refreshExpiresIn: "Int",
    },
    async run(args, ctx) {
      const presented =
        (args.refreshToken as string | null | undefined) ?? ctx.presentedRefreshTokenCookie;
      if (presented === undefined) throw AccountsError.of("INVALID_TOKEN");
      const refreshed = await refreshTokens(ctx.deps, presented, ctx.origin);
      tokenCookies(ctx, { access: refreshed.access.token, refresh: refreshed.refreshToken });
      return {
        token: refreshed.access.token,
        payload: refreshed.access.payload,
        refreshToken: refreshed.refreshToken,
        refreshExpiresIn: Math.floor(refreshed.refreshExpiresAt.getTime() / 1000),
      };
    },
  };
}
