// The host of the links in account emails (SPEC §9): SITE_DOMAIN when set, otherwise the request's
// Host only when ALLOWED_HOSTS (or, in development, a local name) trusts it, so a forged Host
// header cannot point a reset link at an attacker's site.
import type { Config } from "../../config/config.js";
import type { RequestOrigin } from "../types.js";

/** SPEC §9: links use SITE_DOMAIN, else a Host we trust, never an arbitrary Host header. */
export function linkDomain(config: Config, origin: RequestOrigin): string {
  if (config.site.domain !== undefined) return config.site.domain;
  const host = origin.host?.toLowerCase();
  if (host !== undefined && isAllowedHost(config, host)) return host;
  return `${config.http.host}:${config.http.port}`;
}

function isAllowedHost(config: Config, hostWithPort: string): boolean {
  const host = hostWithPort.replace(/:\d+$/, "").replace(/^\[|\]$/g, "");
  const allowed = config.http.allowedHosts;
  if (allowed.length === 0) {
    // Django's DEBUG default: only local names are trusted when nothing is configured.
    return config.environment !== "production" && ["localhost", "127.0.0.1", "::1"].includes(host);
  }
  return allowed.some(
    (pattern) =>
      pattern === "*" ||
      pattern.toLowerCase() === host ||
      (pattern.startsWith(".") &&
        (host.endsWith(pattern.toLowerCase()) || host === pattern.slice(1).toLowerCase())),
  );
}
