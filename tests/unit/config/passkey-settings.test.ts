// WEBAUTHN_RP_ID, WEBAUTHN_RP_NAME and WEBAUTHN_ORIGINS (issue 18): passkeys on only with a
// relying party, and origins a browser and the server would both accept.
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../../src/config/config.js";
import { problemsOf } from "../../support/config-problems.js";

describe("passkey settings", () => {
  it("are off without WEBAUTHN_RP_ID, and default to https on the relying party when on", () => {
    expect(loadConfig({}).passkeys).toBeUndefined();
    expect(loadConfig({ WEBAUTHN_RP_ID: "example.com", SITE_NAME: "Example" }).passkeys).toEqual({
      relyingPartyId: "example.com",
      relyingPartyName: "Example",
      origins: ["https://example.com"],
    });
  });

  it("accept subdomains' origins, and http only on localhost", () => {
    const config = loadConfig({
      WEBAUTHN_RP_ID: "example.com",
      WEBAUTHN_ORIGINS: "https://app.example.com, https://example.com",
      WEBAUTHN_RP_NAME: "Example accounts",
    });
    expect(config.passkeys?.origins).toEqual(["https://app.example.com", "https://example.com"]);
    expect(
      loadConfig({ WEBAUTHN_RP_ID: "localhost", WEBAUTHN_ORIGINS: "http://localhost:5173" })
        .passkeys?.origins,
    ).toEqual(["http://localhost:5173"]);
  });

  it("refuse origins the browser or the server would refuse, naming each", () => {
    expect(
      problemsOf({
        WEBAUTHN_RP_ID: "example.com",
        WEBAUTHN_ORIGINS:
          "http://example.com,https://evil.test,https://example.com/login,not a url,https://notexample.com",
      }),
    ).toEqual([
      'WEBAUTHN_ORIGINS: "http://example.com" must use https (http only for localhost)',
      'WEBAUTHN_ORIGINS: "https://evil.test" is not on WEBAUTHN_RP_ID example.com or a subdomain',
      'WEBAUTHN_ORIGINS: "https://example.com/login" must be an origin only, written https://example.com',
      'WEBAUTHN_ORIGINS: "not a url" is not an origin (e.g. https://example.com)',
      'WEBAUTHN_ORIGINS: "https://notexample.com" is not on WEBAUTHN_RP_ID example.com or a subdomain',
    ]);
  });

  it("refuse a relying party id that is not a domain, and settings without one", () => {
    expect(problemsOf({ WEBAUTHN_RP_ID: "https://Example.com" })).toEqual([
      'WEBAUTHN_RP_ID must be a domain name in lowercase (e.g. example.com), not "https://Example.com"',
    ]);
    expect(
      problemsOf({ WEBAUTHN_RP_NAME: "Example", WEBAUTHN_ORIGINS: "https://example.com" }),
    ).toEqual([
      "WEBAUTHN_RP_NAME applies to passkeys, but WEBAUTHN_RP_ID is unset",
      "WEBAUTHN_ORIGINS applies to passkeys, but WEBAUTHN_RP_ID is unset",
    ]);
  });
});
