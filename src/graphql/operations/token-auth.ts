import type { Config } from "../../config/config.js";
import { signIn } from "../../accounts/sessions.js";
import { PublicGraphQLError } from "../errors.js";
import type { ArgumentSpec, MutationSpec, OutputType } from "../mutation.js";
import { camelCase } from "../names.js";
import type { GraphQLContext } from "../builder.js";
import { tokenCookies } from "./token-cookies.js";

type SignedIn = Awaited<ReturnType<typeof signIn>>;

/** The reference prints the field list the Python way: ['email', 'username']. */
function identifierListText(fields: readonly string[]): string {
  return `[${fields.map((field) => `'${field}'`).join(", ")}]`;
}

export function tokenAuthMutation(config: Config): MutationSpec {
  const identifiers = config.accounts.loginAllowedFields;
  const args: Record<string, ArgumentSpec> = { password: { type: "String", required: true } };
  for (const field of identifiers) args[camelCase(field)] = { type: "String", required: false };
  // Ours: a TOTP or recovery code, for users whose second factor is on (accounts/second-factor/).
  args.otp = { type: "String", required: false };
  return {
    field: "tokenAuth",
    typeName: "ObtainJSONWebToken",
    description:
      "Log in with a password and one of LOGIN_ALLOWED_FIELDS; returns an access token, a refresh token and the user.",
    args,
    outputs: signedInOutputs(config),
    async run(values, ctx) {
      // An argument passed explicitly as null counts as supplied, as in the reference.
      const supplied = identifiers.filter((field) => camelCase(field) in values);
      const [field] = supplied;
      if (supplied.length !== 1 || field === undefined) {
        throw new PublicGraphQLError(
          `Must login with password and one of the following fields ${identifierListText(identifiers)}.`,
        );
      }
      const signedIn = await signIn(
        ctx.deps,
        {
          field,
          value: (values[camelCase(field)] as string | null) ?? "",
          password: values.password as string,
          otp: values.otp as string | null | undefined,
        },
        ctx.origin,
      );
      return signedInPayload(ctx, signedIn);
    },
  };
}

/** What a sign-in answers (tokenAuth's outputs), whichever way the user proved who they are. */
export function signedInOutputs(config: Config): Record<string, OutputType> {
  const outputs: Record<string, OutputType> = {
    token: "String",
    success: "Boolean",
    errors: "ExpectedErrorType",
    user: "UserNode",
    unarchiving: "Boolean",
    payload: "GenericScalar",
  };
  if (config.jwt.longRunningRefreshToken) {
    outputs.refreshToken = "String";
    outputs.refreshExpiresIn = "Int";
  }
  return outputs;
}

/** The payload of a sign-in, with the token cookies JWT_COOKIE_* asks for. */
export function signedInPayload(ctx: GraphQLContext, signedIn: SignedIn) {
  const refresh = async () => {
    const minted = await signedIn.refreshToken();
    tokenCookies(ctx, { access: signedIn.access.token, refresh: minted.token });
    return minted;
  };
  tokenCookies(ctx, { access: signedIn.access.token });
  return {
    token: signedIn.access.token,
    user: signedIn.user,
    unarchiving: signedIn.unarchiving,
    payload: signedIn.access.payload,
    refreshToken: async () => (await refresh()).token,
    refreshExpiresIn: async () => Math.floor((await refresh()).expiresAt.getTime() / 1000),
  };
}
