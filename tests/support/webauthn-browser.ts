// Real WebAuthn ceremonies for tests: headless Chromium with a DevTools-protocol virtual
// authenticator signs what the server asks for, so the server's verification meets the same
// bytes a browser and a platform authenticator would send, not hand-made fixtures.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Browser, CDPSession, Page } from "playwright-core";
import { launchBrowser } from "./browser.js";

export interface WebAuthnBrowser {
  /** The page's origin (`http://localhost:<port>`): the origin the server must expect. */
  readonly origin: string;
  readonly rpId: "localhost";
  readonly browser: Browser;
  readonly page: Page;
  readonly cdp: CDPSession;
  /** PublicKeyCredentialCreationOptionsJSON in, RegistrationResponseJSON out. */
  create(optionsJSON: object): Promise<Record<string, unknown>>;
  /** PublicKeyCredentialRequestOptionsJSON in, AuthenticationResponseJSON out. */
  get(optionsJSON: object): Promise<Record<string, unknown>>;
  /** What the virtual authenticator holds; credentialId is base64url, as in the responses. */
  credentials(): Promise<{ credentialId: string; signCount: number }[]>;
  close(): Promise<void>;
}

// The page-side code is a string, not a function: the tsconfig has no DOM lib, and tsx's
// keepNames would put `__name(...)` calls into a serialized function, which the page lacks.
// It decodes the base64url fields WebAuthn wants as buffers, and encodes the credential back the
// way @simplewebauthn/browser does (toJSON where Chromium has it, by hand otherwise).
const PAGE_CEREMONY = String.raw`async ({ kind, options }) => {
  const toBuffer = (value) => {
    const base64 = value.replace(/-/g, "+").replace(/_/g, "/");
    const binary = atob(base64 + "=".repeat((4 - (base64.length % 4)) % 4));
    return Uint8Array.from(binary, (c) => c.charCodeAt(0)).buffer;
  };
  const toBase64url = (buffer) => {
    let binary = "";
    for (const byte of new Uint8Array(buffer)) binary += String.fromCharCode(byte);
    return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  };
  const withIds = (list) => list?.map((descriptor) => ({ ...descriptor, id: toBuffer(descriptor.id) }));

  const publicKey = { ...options, challenge: toBuffer(options.challenge) };
  if (kind === "create") {
    publicKey.user = { ...options.user, id: toBuffer(options.user.id) };
    if (options.excludeCredentials) publicKey.excludeCredentials = withIds(options.excludeCredentials);
  } else if (options.allowCredentials) {
    publicKey.allowCredentials = withIds(options.allowCredentials);
  }

  const credential =
    kind === "create"
      ? await navigator.credentials.create({ publicKey })
      : await navigator.credentials.get({ publicKey });
  if (credential === null) throw new Error("navigator.credentials." + kind + " returned null");
  if (typeof credential.toJSON === "function") return credential.toJSON();

  const { response } = credential;
  const common = {
    id: credential.id,
    rawId: toBase64url(credential.rawId),
    type: credential.type,
    clientExtensionResults: credential.getClientExtensionResults(),
    authenticatorAttachment: credential.authenticatorAttachment ?? undefined,
  };
  if (kind === "create") {
    const publicKeyBytes = response.getPublicKey?.();
    return {
      ...common,
      response: {
        clientDataJSON: toBase64url(response.clientDataJSON),
        attestationObject: toBase64url(response.attestationObject),
        transports: response.getTransports?.() ?? [],
        publicKeyAlgorithm: response.getPublicKeyAlgorithm?.(),
        publicKey: publicKeyBytes ? toBase64url(publicKeyBytes) : undefined,
        authenticatorData: response.getAuthenticatorData
          ? toBase64url(response.getAuthenticatorData())
          : undefined,
      },
    };
  }
  return {
    ...common,
    response: {
      clientDataJSON: toBase64url(response.clientDataJSON),
      authenticatorData: toBase64url(response.authenticatorData),
      signature: toBase64url(response.signature),
      userHandle: response.userHandle ? toBase64url(response.userHandle) : undefined,
    },
  };
}`;

// CDP gives credential ids in standard base64; the responses (and the server) use base64url.
const toBase64url = (base64: string): string => Buffer.from(base64, "base64").toString("base64url");

async function listenOnLoopback(server: Server): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}

async function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => {
    server.close(() => {
      resolve();
    });
  });
}

/**
 * Starts a blank page server and a Chromium with one virtual authenticator (a user-verifying
 * platform authenticator with resident keys that always consents). The page is served from
 * 127.0.0.1 but opened as `localhost`, the one http origin browsers count as a secure context,
 * so WebAuthn runs there with the RP ID `localhost`. Close it when done.
 */
export async function startWebAuthnBrowser(): Promise<WebAuthnBrowser> {
  const server = createServer((_request, response) => {
    response.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    response.end("<!doctype html><title>WebAuthn</title>");
  });
  const port = await listenOnLoopback(server);
  const origin = `http://localhost:${port}`;

  let browser: Browser | undefined;
  try {
    browser = await launchBrowser();
    const page = await browser.newPage();
    await page.goto(`${origin}/`);
    const cdp = await page.context().newCDPSession(page);
    await cdp.send("WebAuthn.enable");
    const { authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", {
      options: {
        protocol: "ctap2",
        transport: "internal",
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: true,
        automaticPresenceSimulation: true,
      },
    });

    const ceremony = (kind: "create" | "get", options: object) =>
      // Playwright ignores the argument of a string expression, so the options go in as JSON.
      page.evaluate<Record<string, unknown>>(
        `(${PAGE_CEREMONY})(${JSON.stringify({ kind, options })})`,
      );
    const openBrowser = browser;
    return {
      origin,
      rpId: "localhost",
      browser: openBrowser,
      page,
      cdp,
      create: (options) => ceremony("create", options),
      get: (options) => ceremony("get", options),
      async credentials() {
        const { credentials } = await cdp.send("WebAuthn.getCredentials", { authenticatorId });
        return credentials.map(({ credentialId, signCount }) => ({
          credentialId: toBase64url(credentialId),
          signCount,
        }));
      },
      async close() {
        await openBrowser.close();
        await closeServer(server);
      },
    };
  } catch (error) {
    await browser?.close();
    await closeServer(server);
    throw error;
  }
}
