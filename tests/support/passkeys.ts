// Passkey ceremonies over GraphQL, signed by the real Chromium authenticator of
// webauthn-browser.ts: registering one for a signed-in user and signing in with one.
import type { TestApp } from "./test-app.js";
import type { WebAuthnBrowser } from "./webauthn-browser.js";

export const REGISTRATION_OPTIONS = `mutation { passkeyRegistrationOptions { success errors options } }`;
export const REGISTER_PASSKEY = `mutation ($credential: JSONString!, $name: String) {
  registerPasskey(credential: $credential, name: $name) { success errors passkey { id name createdAt } }
}`;
export const AUTHENTICATION_OPTIONS = `mutation ($username: String) {
  passkeyAuthenticationOptions(username: $username) { success errors options }
}`;
export const PASSKEY_AUTH = `mutation ($credential: JSONString!) {
  passkeyAuth(credential: $credential) { success errors token refreshToken user { username } }
}`;
export const REMOVE_PASSKEY = `mutation ($id: ID!, $password: String!) {
  removePasskey(id: $id, password: $password) { success errors }
}`;

export const INVALID_PASSKEY = {
  nonFieldErrors: [{ message: "The passkey could not be verified.", code: "invalid_passkey" }],
};

export interface SignedIn {
  success: boolean;
  errors: unknown;
  token: string | null;
  refreshToken: string | null;
  user: { username: string } | null;
}

/** JSONString arguments travel as JSON text. */
const json = (value: unknown) => JSON.stringify(value);

/** `parts` is read at each call: the app and the browser are made in a beforeAll. */
export function passkeyCeremonies(parts: () => { app: TestApp; browser: WebAuthnBrowser }) {
  async function registerPasskeyFor(user: { token: string }, name = "Laptop") {
    const { app, browser } = parts();
    const options = await app.gql(REGISTRATION_OPTIONS, {}, { token: user.token });
    const answer = options.body.data?.passkeyRegistrationOptions as { options: string };
    const created = await browser.create(JSON.parse(answer.options) as object);
    const registered = await app.gql(
      REGISTER_PASSKEY,
      { credential: json(created), name },
      { token: user.token },
    );
    return registered.body.data?.registerPasskey as {
      success: boolean;
      errors: unknown;
      passkey: { id: string; name: string } | null;
    };
  }

  async function assertionOptions(username?: string) {
    const answer = await parts().app.gql(AUTHENTICATION_OPTIONS, { username });
    const payload = answer.body.data?.passkeyAuthenticationOptions as { options: string };
    const options = JSON.parse(payload.options) as {
      challenge: string;
      allowCredentials?: { id: string }[];
    };
    return { options };
  }

  async function assertion(username?: string) {
    const { options } = await assertionOptions(username);
    return { options, signed: await parts().browser.get(options) };
  }

  const signIn = async (signed: object) =>
    (await parts().app.gql(PASSKEY_AUTH, { credential: json(signed) })).body.data
      ?.passkeyAuth as SignedIn;

  return { registerPasskeyFor, assertionOptions, assertion, signIn, json };
}

/**
 * An assertion no authenticator made, for `origin`: of a challenge never issued, by a
 * credential never registered, unsigned. Refused with INVALID_PASSKEY before any signature check.
 */
export function forgedAssertion(origin: string) {
  const clientData = Buffer.from(
    JSON.stringify({ type: "webauthn.get", challenge: "bm9uZQ", origin }),
  ).toString("base64url");
  return {
    id: "Y3JlZGVudGlhbA",
    rawId: "Y3JlZGVudGlhbA",
    type: "public-key",
    response: { clientDataJSON: clientData, authenticatorData: "", signature: "" },
    clientExtensionResults: {},
  };
}
