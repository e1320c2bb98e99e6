// PasskeyNode (issue 18): what a user sees of each of their passkeys.
import type { PasskeyView } from "../../accounts/passkeys/passkeys.js";
import type { Builder } from "../builder.js";

const passkeyNodes = new WeakMap<Builder, ReturnType<typeof definePasskeyNode>>();

function definePasskeyNode(builder: Builder) {
  return builder.objectRef<PasskeyView>("PasskeyNode").implement({
    description: "A passkey (WebAuthn credential) the user signs in with.",
    fields: (t) => ({
      id: t.exposeID("id", {
        nullable: false,
        description: "The credential id (base64url), as the browser names it.",
      }),
      name: t.exposeString("name", { nullable: false }),
      createdAt: t.field({ type: "DateTime", nullable: false, resolve: (p) => p.createdAt }),
      lastUsedAt: t.field({ type: "DateTime", nullable: true, resolve: (p) => p.lastUsedAt }),
    }),
  });
}

/** The one PasskeyNode of a schema, for UserNode.passkeys and registerPasskey's answer. */
export function passkeyNodeRef(builder: Builder) {
  let ref = passkeyNodes.get(builder);
  if (ref === undefined) {
    ref = definePasskeyNode(builder);
    passkeyNodes.set(builder, ref);
  }
  return ref;
}
