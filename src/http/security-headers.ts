// Security headers on every response (OWASP Secure Headers Project). A few fixed headers rather
// than @fastify/helmet: helmet sets one global CSP, and each kind of page needs its own policy
// (GraphiQL a nonce per page, the admin no script at all). The strictest policy is the default
// (JSON answers load nothing); the HTML pages replace it with theirs: the admin in
// admin/plugin.ts, GraphiQL in graphql/graphiql-page.ts.
import type { FastifyInstance } from "fastify";
import type { Config } from "../config/config.js";

/** For answers that are not pages: nothing may load, nothing may frame them. */
export const DEFAULT_CONTENT_SECURITY_POLICY =
  "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

const BASELINE_HEADERS = {
  "content-security-policy": DEFAULT_CONTENT_SECURITY_POLICY,
  // No MIME sniffing: a JSON answer is never run as a script or rendered as HTML.
  "x-content-type-options": "nosniff",
  // Clickjacking: frame-ancestors for current browsers, X-Frame-Options for old ones.
  "x-frame-options": "DENY",
  // Full URLs (admin paths, query strings) only to our own pages; Django's default.
  "referrer-policy": "same-origin",
  // Our pages share no window with pages of other origins (popups opened from them included).
  "cross-origin-opener-policy": "same-origin",
  // Other sites may not embed our answers as images or scripts; CORS requests are unaffected.
  "cross-origin-resource-policy": "same-origin",
};

export function registerSecurityHeaders(app: FastifyInstance, config: Config): void {
  const hstsSeconds = config.httpHardening.hstsMaxAgeSeconds;
  // RFC 6797 §7.2: sent over https only; behind a proxy, TRUST_PROXY lets X-Forwarded-Proto say so.
  const hsts = hstsSeconds > 0 ? `max-age=${hstsSeconds}` : undefined;
  app.addHook("onRequest", (request, reply, done) => {
    void reply.headers(BASELINE_HEADERS);
    if (hsts !== undefined && request.protocol === "https") {
      void reply.header("strict-transport-security", hsts);
    }
    done();
  });
}
