// Passkeys (issue 18, WEBAUTHN_RP_ID): registering one for a signed-in user, signing in with one
// (a session, as tokenAuth makes), listing and removing them. The WebAuthn verification itself
// is @simplewebauthn/server's (docs/decisions/0010-webauthn-library.md). Every ceremony signs a
// challenge issued here, stored, and deleted by the request that presents it: one use, minutes.
import { createHash, createHmac } from "node:crypto";
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type AuthenticatorTransportFuture,
  type RegistrationResponseJSON,
} from "@simplewebauthn/server";
import { decodeClientDataJSON, isoBase64URL } from "@simplewebauthn/server/helpers";
import type { Deps } from "../../deps.js";
import { AccountsError, CATALOGUE } from "../errors.js";
import { guardAccount } from "../guards.js";
import { findUserByNaturalKey, naturalKeyOf } from "../natural-key.js";
import type { PasswordCheckOrigin } from "../passwords/checks.js";
import { limitSignIn, limitTokenRequest } from "../rate-limits/limiter.js";
import { openSession } from "../sessions.js";
import type { RequestOrigin, User } from "../types.js";
import { findUserById } from "../users-store.js";
import { passkeyEvent, recordSignInFailure, recordWebhookEvent } from "../webhooks/events.js";
import {
  deleteExpiredChallenges,
  deletePasskey,
  findPasskey,
  insertChallenge,
  insertPasskey,
  listPasskeys,
  recordPasskeyUse,
  spendChallenge,
  type StoredPasskey,
} from "./passkeys-store.js";

/** How long a ceremony may take, from its options to the browser's answer. */
const CHALLENGE_TTL_MS = 5 * 60_000;
const NAME_MAX_LENGTH = 100;
/** Credential ids are at most 1023 bytes (WebAuthn L3 §5.1): 1364 base64url characters. */
const CREDENTIAL_ID_MAX_LENGTH = 1400;

type PasskeyDeps = Pick<
  Deps,
  "config" | "db" | "clock" | "passwords" | "rateLimiter" | "accessTokens" | "events"
>;

export interface PasskeyView {
  id: string;
  name: string;
  createdAt: Date;
  lastUsedAt: Date | null;
}

function relyingParty(deps: Pick<Deps, "config">) {
  const passkeys = deps.config.passkeys;
  if (passkeys === undefined) throw new Error("passkeys are off (WEBAUTHN_RP_ID is unset)");
  return passkeys;
}

function view(passkey: StoredPasskey): PasskeyView {
  return {
    id: passkey.id,
    name: passkey.name,
    createdAt: passkey.createdAt,
    lastUsedAt: passkey.lastUsedAt,
  };
}

/**
 * The WebAuthn user handle: stable per user, but not the database id, which would tell anyone
 * holding the authenticator how many accounts came before.
 */
function userHandle(deps: Pick<Deps, "config">, user: User): Uint8Array<ArrayBuffer> {
  const digest = createHash("sha256")
    .update(`gatehouse.passkey-user:${deps.config.secretKey}:${String(user.id)}`)
    .digest();
  return new Uint8Array(digest.subarray(0, 16));
}

async function issueChallenge(
  deps: Pick<Deps, "db" | "clock">,
  challenge: { challenge: string; purpose: "register" | "authenticate"; userId: number | null },
): Promise<void> {
  const now = deps.clock.now();
  await deleteExpiredChallenges(deps.db, now);
  await insertChallenge(deps.db, {
    ...challenge,
    expiresAt: new Date(now.getTime() + CHALLENGE_TTL_MS),
  });
}

interface PresentedCredential {
  id: string;
  response: { clientDataJSON: string };
}

/**
 * The browser's answer (the JSONString argument, parsed), and the challenge it signed;
 * INVALID_PASSKEY when malformed.
 */
function readCredential(value: unknown): { credential: PresentedCredential; challenge: string } {
  try {
    const credential = value as PresentedCredential;
    if (
      typeof credential.id !== "string" ||
      credential.id.length > CREDENTIAL_ID_MAX_LENGTH ||
      typeof credential.response.clientDataJSON !== "string"
    ) {
      throw new Error("not a credential");
    }
    const { challenge } = decodeClientDataJSON(credential.response.clientDataJSON);
    if (typeof challenge !== "string") throw new Error("no challenge");
    return { credential, challenge };
  } catch {
    throw AccountsError.of("INVALID_PASSKEY");
  }
}

/**
 * The options as a browser reads them: a member left undefined is absent, where JSONString's
 * text would make it null, which navigator.credentials refuses ("cannot be converted").
 */
function withoutUndefined<T>(options: T): T {
  return JSON.parse(JSON.stringify(options)) as T;
}

/** passkeyRegistrationOptions: what the browser passes to navigator.credentials.create. */
export async function passkeyRegistrationOptions(deps: PasskeyDeps, viewer: User | undefined) {
  const user = await guardAccount(deps, viewer);
  const rp = relyingParty(deps);
  const existing = await listPasskeys(deps.db, user.id);
  const options = await generateRegistrationOptions({
    rpName: rp.relyingPartyName,
    rpID: rp.relyingPartyId,
    userName: naturalKeyOf(deps.config, user),
    userDisplayName: user.username,
    userID: userHandle(deps, user),
    attestationType: "none",
    excludeCredentials: existing.map((passkey) => ({
      id: passkey.id,
      transports: passkey.transports as never,
    })),
    authenticatorSelection: { residentKey: "preferred", userVerification: "preferred" },
  });
  await issueChallenge(deps, {
    challenge: options.challenge,
    purpose: "register",
    userId: user.id,
  });
  return withoutUndefined(options);
}

/** registerPasskey: verifies the browser's new credential against this user's challenge. */
export async function registerPasskey(
  deps: PasskeyDeps,
  viewer: User | undefined,
  presented: unknown,
  name: string | null | undefined,
): Promise<PasskeyView> {
  const user = await guardAccount(deps, viewer);
  const rp = relyingParty(deps);
  const { credential, challenge } = readCredential(presented);
  const issued = await spendChallenge(deps.db, challenge, "register", deps.clock.now());
  if (issued?.userId !== user.id) throw AccountsError.of("INVALID_PASSKEY");
  let verified: Awaited<ReturnType<typeof verifyRegistrationResponse>>;
  try {
    verified = await verifyRegistrationResponse({
      response: credential as unknown as RegistrationResponseJSON,
      expectedChallenge: challenge,
      expectedOrigin: rp.origins,
      expectedRPID: rp.relyingPartyId,
      requireUserVerification: false,
    });
  } catch {
    throw AccountsError.of("INVALID_PASSKEY");
  }
  if (!verified.verified) throw AccountsError.of("INVALID_PASSKEY");
  const { credential: created } = verified.registrationInfo;
  const passkey: StoredPasskey = {
    id: created.id,
    userId: user.id,
    name: (name ?? "").trim().slice(0, NAME_MAX_LENGTH) || "Passkey",
    publicKey: isoBase64URL.fromBuffer(created.publicKey),
    signCount: created.counter,
    transports: created.transports ?? [],
    createdAt: deps.clock.now(),
    lastUsedAt: null,
  };
  await deps.db.transaction().execute(async (tx) => {
    // False for the same credential registered twice (excludeCredentials asks the browser not
    // to); the throw rolls the event back with it.
    if (!(await insertPasskey(tx, passkey))) throw AccountsError.of("INVALID_PASSKEY");
    const added = { id: passkey.id, name: passkey.name };
    await recordWebhookEvent(deps, tx, passkeyEvent("passkey.added", user, added, "user"));
  });
  return view(passkey);
}

/**
 * A credential id no authenticator holds, the same for a name at every call: offered for a name
 * with no account or no passkey, so the answer does not tell those apart from a user with one
 * (WebAuthn Level 3, §14.6.2 "Username Enumeration"). Keyed with SECRET_KEY: nobody can compute
 * a name's decoy to compare.
 */
function decoyCredentialId(secretKey: string, name: string): string {
  return createHmac("sha256", secretKey)
    .update(`passkey-decoy\0${name.toLowerCase()}`)
    .digest("base64url");
}

/**
 * passkeyAuthenticationOptions: what the browser passes to navigator.credentials.get. With a
 * username, the user's passkeys are offered (under PREVENT_USER_ENUMERATION, a decoy for a name
 * with none, or with no account); without one, the browser offers the discoverable passkeys it
 * holds for this site. Each call stores a challenge, so calls count against the client's token
 * limit.
 */
export async function passkeyAuthenticationOptions(
  deps: PasskeyDeps,
  username: string | null | undefined,
  client: Pick<RequestOrigin, "ip">,
) {
  await limitTokenRequest(deps, client);
  const rp = relyingParty(deps);
  const name = username?.trim() ?? "";
  const user = name === "" ? undefined : await findUserByNaturalKey(deps, name);
  // Asked for a name with no account too (an id no row has), so the time taken tells no more.
  const passkeys = await listPasskeys(deps.db, user?.id ?? 0);
  const offered: { id: string; transports?: AuthenticatorTransportFuture[] }[] = passkeys.map(
    (passkey) => ({
      id: passkey.id,
      transports: passkey.transports as AuthenticatorTransportFuture[],
    }),
  );
  if (offered.length === 0 && name !== "" && deps.config.accounts.preventUserEnumeration) {
    offered.push({
      id: decoyCredentialId(deps.config.secretKey, name),
      transports: ["hybrid", "internal"],
    });
  }
  const options = await generateAuthenticationOptions({
    rpID: rp.relyingPartyId,
    userVerification: "preferred",
    ...(offered.length === 0 ? {} : { allowCredentials: offered }),
  });
  await issueChallenge(deps, {
    challenge: options.challenge,
    purpose: "authenticate",
    userId: passkeys.length === 0 ? null : (user?.id ?? null),
  });
  return withoutUndefined(options);
}

type Client = Pick<RequestOrigin, "ip" | "userAgent">;

/**
 * passkeyAuth: a session for the passkey's user, with tokenAuth's refusals (INVALID_CREDENTIALS
 * for an inactive account, NOT_VERIFIED unless ALLOW_LOGIN_NOT_VERIFIED, an archived account
 * un-archived) and rate limits (per credential and per client). A passkey is a second factor
 * too: no TOTP code is asked. INVALID_PASSKEY for a replayed, foreign, expired or forged
 * assertion, and for a signature counter that did not move forward (a cloned authenticator).
 */
export async function passkeyAuth(deps: PasskeyDeps, presented: unknown, client: Client) {
  const { credential, challenge } = readCredential(presented);
  await limitSignIn(deps, { identifier: `passkey:${credential.id}`, origin: client });
  try {
    return await signInWithPasskey(deps, credential, challenge, client);
  } catch (error) {
    const isRefusal =
      error instanceof AccountsError &&
      (error.hasCode(CATALOGUE.INVALID_PASSKEY.code) ||
        error.hasCode(CATALOGUE.INVALID_CREDENTIALS.code));
    if (isRefusal) {
      // The passkey's owner when the credential is known: a failing signature, a counter that
      // went back (a cloned authenticator) or a deactivated account's passkey is what their
      // security team wants to hear about, as tokenAuth's refusals are.
      const owner = async () => {
        const known = await findPasskey(deps.db, credential.id);
        return known === undefined ? undefined : findUserById(deps.db, known.userId);
      };
      await recordSignInFailure(deps, owner, {
        method: "passkey",
        ip: client.ip,
        identifier: `passkey:${credential.id}`,
      });
    }
    throw error;
  }
}

async function signInWithPasskey(
  deps: PasskeyDeps,
  credential: { id: string },
  challenge: string,
  client: Client,
) {
  const rp = relyingParty(deps);
  const issued = await spendChallenge(deps.db, challenge, "authenticate", deps.clock.now());
  const passkey = issued === undefined ? undefined : await findPasskey(deps.db, credential.id);
  if (
    issued === undefined ||
    passkey === undefined ||
    (issued.userId !== null && issued.userId !== passkey.userId)
  ) {
    throw AccountsError.of("INVALID_PASSKEY");
  }
  let newCount: number;
  try {
    const verified = await verifyAuthenticationResponse({
      response: credential as unknown as AuthenticationResponseJSON,
      expectedChallenge: challenge,
      expectedOrigin: rp.origins,
      expectedRPID: rp.relyingPartyId,
      credential: {
        id: passkey.id,
        publicKey: isoBase64URL.toBuffer(passkey.publicKey),
        counter: passkey.signCount,
        transports: passkey.transports as never,
      },
      requireUserVerification: false,
    });
    if (!verified.verified) throw new Error("not verified");
    newCount = verified.authenticationInfo.newCounter;
  } catch {
    throw AccountsError.of("INVALID_PASSKEY");
  }
  const user = await findUserById(deps.db, passkey.userId);
  if (user === undefined || !user.isActive) throw AccountsError.of("INVALID_CREDENTIALS");
  if (!user.status.verified && !deps.config.accounts.allowLoginNotVerified) {
    throw AccountsError.of("NOT_VERIFIED");
  }
  return openSession(deps, user, client, {
    method: "passkey",
    alsoInTx: async (tx) => {
      const recorded = await recordPasskeyUse(tx, {
        id: passkey.id,
        previousCount: passkey.signCount,
        newCount,
        usedAt: deps.clock.now(),
      });
      if (!recorded) throw AccountsError.of("INVALID_PASSKEY");
    },
  });
}

/** UserNode.passkeys: the user's own, oldest first; null for anyone else. */
export async function passkeysOf(
  deps: Pick<Deps, "db">,
  viewer: User | undefined,
  user: User,
): Promise<PasskeyView[] | null> {
  if (viewer?.id !== user.id) return null;
  return (await listPasskeys(deps.db, user.id)).map(view);
}

/** removePasskey: the password confirms it, as for the other changes to an account's access. */
export async function removePasskey(
  deps: PasskeyDeps,
  viewer: User | undefined,
  id: string,
  password: { value: string; origin: PasswordCheckOrigin },
): Promise<void> {
  const user = await guardAccount(deps, viewer, {
    password: { value: password.value, argument: "password", origin: password.origin },
  });
  await deps.db.transaction().execute(async (tx) => {
    if (!(await deletePasskey(tx, user.id, id))) throw AccountsError.of("PASSKEY_NOT_FOUND");
    await recordWebhookEvent(deps, tx, passkeyEvent("passkey.removed", user, { id }, "user"));
  });
}
