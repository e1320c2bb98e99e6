// Ours (issue 18, WEBAUTHN_RP_ID): passkeys, in the schema only when the relying party is set.
import type { Config } from "../../config/config.js";
import {
  passkeyAuth,
  passkeyAuthenticationOptions,
  passkeyRegistrationOptions,
  registerPasskey,
  removePasskey,
} from "../../accounts/passkeys/passkeys.js";
import type { MutationSpec } from "../mutation.js";
import { signedInOutputs, signedInPayload } from "./token-auth.js";

export function passkeyMutations(config: Config): MutationSpec[] {
  return [
    {
      field: "passkeyRegistrationOptions",
      typeName: "PasskeyRegistrationOptions",
      description:
        "Options for navigator.credentials.create (as JSON text), to add a passkey to the signed-in account; valid 5 minutes, once.",
      args: {},
      outputs: { success: "Boolean", errors: "ExpectedErrorType", options: "JSONString" },
      async run(_args, ctx) {
        return { options: await passkeyRegistrationOptions(ctx.deps, ctx.viewer) };
      },
    },
    {
      field: "registerPasskey",
      typeName: "RegisterPasskey",
      description:
        "Add the passkey the browser created (its credential's JSON) to the signed-in account.",
      args: {
        credential: { type: "JSONString", required: true },
        name: { type: "String", required: false },
      },
      outputs: { success: "Boolean", errors: "ExpectedErrorType", passkey: "PasskeyNode" },
      async run(args, ctx) {
        const passkey = await registerPasskey(
          ctx.deps,
          ctx.viewer,
          args.credential,
          args.name as string | null | undefined,
        );
        return { passkey };
      },
    },
    {
      field: "passkeyAuthenticationOptions",
      typeName: "PasskeyAuthenticationOptions",
      description:
        "Options for navigator.credentials.get (as JSON text): the user's passkeys with a username, the browser's own (discoverable) ones without.",
      args: { username: { type: "String", required: false } },
      outputs: { success: "Boolean", errors: "ExpectedErrorType", options: "JSONString" },
      async run(args, ctx) {
        const options = await passkeyAuthenticationOptions(
          ctx.deps,
          args.username as string | null | undefined,
          ctx.origin,
        );
        return { options };
      },
    },
    {
      field: "passkeyAuth",
      typeName: "PasskeyAuth",
      description:
        "Sign in with a passkey (the browser's assertion as JSON); answers what tokenAuth answers. A passkey needs no second factor.",
      args: { credential: { type: "JSONString", required: true } },
      outputs: signedInOutputs(config),
      async run(args, ctx) {
        return signedInPayload(ctx, await passkeyAuth(ctx.deps, args.credential, ctx.origin));
      },
    },
    {
      field: "removePasskey",
      typeName: "RemovePasskey",
      description: "Remove one of the signed-in user's passkeys; the password confirms it.",
      args: {
        id: { type: "ID", required: true },
        password: { type: "String", required: true },
      },
      outputs: { success: "Boolean", errors: "ExpectedErrorType" },
      async run(args, ctx) {
        await removePasskey(ctx.deps, ctx.viewer, args.id as string, {
          value: args.password as string,
          origin: ctx.origin,
        });
      },
    },
  ];
}
