// Ours (issue 18, ALLOW_EMAIL_SIGN_IN): sign-in links by email, in the schema only when on.
import type { Config } from "../../config/config.js";
import { requestSignInEmail, signInWithEmailToken } from "../../accounts/email-sign-in.js";
import type { MutationSpec } from "../mutation.js";
import { signedInOutputs, signedInPayload } from "./token-auth.js";

export function sendSignInEmailMutation(): MutationSpec {
  return {
    field: "sendSignInEmail",
    typeName: "SendSignInEmail",
    description:
      "Mail a one-time sign-in link to the address; the answer is the same whether or not it has an account.",
    args: { email: { type: "String", required: true } },
    outputs: { success: "Boolean", errors: "ExpectedErrorType" },
    async run(args, ctx) {
      await requestSignInEmail(ctx.deps, args.email as string, ctx.origin);
    },
  };
}

export function signInWithEmailTokenMutation(config: Config): MutationSpec {
  return {
    field: "signInWithEmailToken",
    typeName: "SignInWithEmailToken",
    description:
      "Sign in with the token of a sign-in mail (once, before it expires); verifies the account. `otp` when the second factor is on.",
    args: {
      token: { type: "String", required: true },
      otp: { type: "String", required: false },
    },
    outputs: signedInOutputs(config),
    async run(args, ctx) {
      const signedIn = await signInWithEmailToken(
        ctx.deps,
        args.token as string,
        args.otp as string | null | undefined,
        ctx.origin,
      );
      return signedInPayload(ctx, signedIn);
    },
  };
}
