// Builds the GraphQL schema for a configuration: field lists, API style and token mode change
// the schema at start-up (SPEC §11), as in the reference.
import { lexicographicSortSchema, printSchema, type GraphQLSchema } from "graphql";
import type { Config } from "../config/config.js";
import { createBuilder } from "./builder.js";
import { defineMutation, type MutationSpec } from "./mutation.js";
import { archiveAccountMutation } from "./operations/archive-account.js";
import { confirmTotpMutation } from "./operations/confirm-totp.js";
import { deleteAccountMutation } from "./operations/delete-account.js";
import { passkeyMutations } from "./operations/passkeys.js";
import {
  sendSignInEmailMutation,
  signInWithEmailTokenMutation,
} from "./operations/email-sign-in.js";
import { disableTotpMutation } from "./operations/disable-totp.js";
import { defineMeQuery } from "./operations/me.js";
import { passwordChangeMutation } from "./operations/password-change.js";
import { passwordResetMutation } from "./operations/password-reset.js";
import { passwordSetMutation } from "./operations/password-set.js";
import { refreshTokenMutation } from "./operations/refresh-token.js";
import { regenerateRecoveryCodesMutation } from "./operations/regenerate-recovery-codes.js";
import { registerMutation } from "./operations/register.js";
import { removeSecondaryEmailMutation } from "./operations/remove-secondary-email.js";
import { resendActivationEmailMutation } from "./operations/resend-activation-email.js";
import { revokeOtherSessionsMutation, revokeSessionMutation } from "./operations/revoke-session.js";
import { revokeTokenMutation } from "./operations/revoke-token.js";
import { defineSessionsQuery } from "./operations/sessions.js";
import { sendPasswordResetEmailMutation } from "./operations/send-password-reset-email.js";
import { sendSecondaryEmailActivationMutation } from "./operations/send-secondary-email-activation.js";
import { setupTotpMutation } from "./operations/setup-totp.js";
import { swapEmailsMutation } from "./operations/swap-emails.js";
import { tokenAuthMutation } from "./operations/token-auth.js";
import { updateAccountMutation } from "./operations/update-account.js";
import { defineUserQuery } from "./operations/user.js";
import { defineUsersQuery } from "./operations/users.js";
import { verifyAccountMutation } from "./operations/verify-account.js";
import { verifySecondaryEmailMutation } from "./operations/verify-secondary-email.js";
import { verifyTokenMutation } from "./operations/verify-token.js";
import { defineUserNode } from "./types/user.js";

function mutations(config: Config): MutationSpec[] {
  return [
    registerMutation(config),
    verifyAccountMutation(),
    resendActivationEmailMutation(),
    sendPasswordResetEmailMutation(),
    passwordResetMutation(),
    passwordSetMutation(),
    passwordChangeMutation(config),
    updateAccountMutation(config),
    archiveAccountMutation(),
    deleteAccountMutation(),
    sendSecondaryEmailActivationMutation(),
    verifySecondaryEmailMutation(),
    swapEmailsMutation(),
    removeSecondaryEmailMutation(),
    tokenAuthMutation(config),
    verifyTokenMutation(),
    refreshTokenMutation(config),
    revokeTokenMutation(config),
    // Ours: sessions (accounts/tokens/user-sessions.ts).
    revokeSessionMutation(),
    revokeOtherSessionsMutation(),
    // Ours: the second factor (accounts/second-factor/).
    setupTotpMutation(),
    confirmTotpMutation(),
    disableTotpMutation(),
    regenerateRecoveryCodesMutation(),
    // Ours: sign-in links by email (accounts/email-sign-in.ts), only when ALLOW_EMAIL_SIGN_IN.
    ...(config.accounts.allowEmailSignIn
      ? [sendSignInEmailMutation(), signInWithEmailTokenMutation(config)]
      : []),
    // Ours: passkeys (accounts/passkeys/), only when WEBAUTHN_RP_ID names the relying party.
    ...(config.passkeys === undefined ? [] : passkeyMutations(config)),
  ];
}

export function buildSchema(config: Config): GraphQLSchema {
  const builder = createBuilder();
  const userNode = defineUserNode(builder, config);
  defineMeQuery(builder, userNode);
  defineUserQuery(builder, userNode);
  defineUsersQuery(builder, userNode, config);
  defineSessionsQuery(builder);
  for (const spec of mutations(config))
    defineMutation(builder, spec, userNode, config.accounts.apiStyle);
  return builder.toSchema();
}

/** The schema as committed in schema.graphql (sorted, so the file diffs cleanly). */
export function printedSchema(config: Config): string {
  return printSchema(lexicographicSortSchema(buildSchema(config))) + "\n";
}
