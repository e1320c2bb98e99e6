// What another service needs to verify Gatehouse's access tokens without sharing a secret
// (issue 19): the public keys as a JWK Set, and a discovery document naming the issuer and that
// set. Gatehouse is not an OpenID provider; the document has the members a JWT verifier reads.
import type { Config } from "../../config/config.js";
import { linkDomain } from "../mail/links.js";
import type { RequestOrigin } from "../types.js";
import { JWKS_MAX_AGE_SECONDS, type KeyRing, type PublishedKey } from "./signing-keys.js";

/** Served by http/well-known.ts. */
const JWKS_PATH = "/.well-known/jwks.json";

export interface TokenDiscovery {
  /** Verifiers may keep both documents this long (a new key is published longer before it signs). */
  cacheControl: string;
  jwks(): { keys: PublishedKey[] };
  configuration(origin: RequestOrigin): { issuer: string; jwks_uri: string };
}

export function createTokenDiscovery(config: Config, keys: KeyRing): TokenDiscovery {
  return {
    cacheControl: `public, max-age=${String(JWKS_MAX_AGE_SECONDS)}`,
    jwks: () => ({ keys: keys.published() }),
    configuration(origin) {
      // SITE_DOMAIN or a trusted Host, like the links in emails: a forged Host header cannot
      // point a cached document at someone else's keys.
      const base = `${origin.isSecure ? "https" : "http"}://${linkDomain(config, origin)}`;
      return { issuer: config.jwt.issuer ?? base, jwks_uri: `${base}${JWKS_PATH}` };
    },
  };
}
