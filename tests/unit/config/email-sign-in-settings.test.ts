// ALLOW_EMAIL_SIGN_IN and the settings of its links (issue 18): defaults, bounds, and the
// settings that would do nothing while the links are off.
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../../src/config/config.js";
import { problemsOf } from "../../support/config-problems.js";

describe("email sign-in settings", () => {
  it("are off by default, with 15-minute links under /sign-in when on", () => {
    expect(loadConfig({}).accounts.allowEmailSignIn).toBe(false);
    const config = loadConfig({ ALLOW_EMAIL_SIGN_IN: "true" });
    expect(config.accounts.allowEmailSignIn).toBe(true);
    expect(config.actionTokens.signInTtlSeconds).toBe(900);
    expect(config.mail.paths.signIn).toBe("sign-in");
    expect(config.mail.subjectTemplates.signIn).toBe("email/sign_in_subject.txt");
    expect(config.mail.bodyTemplates.signIn).toBe("email/sign_in_email.html");
  });

  it("take a lifetime between a minute and a day", () => {
    expect(
      loadConfig({ ALLOW_EMAIL_SIGN_IN: "true", EXPIRATION_SIGN_IN_TOKEN: "5m" }).actionTokens
        .signInTtlSeconds,
    ).toBe(300);
    for (const lifetime of ["30", "2d"]) {
      expect(
        problemsOf({ ALLOW_EMAIL_SIGN_IN: "true", EXPIRATION_SIGN_IN_TOKEN: lifetime }),
      ).toEqual(["EXPIRATION_SIGN_IN_TOKEN: must be between 1m and 1d"]);
    }
  });

  it("refuse the links' settings while the links are off, naming each, unless set to the default", () => {
    expect(
      loadConfig({ SIGN_IN_PATH_ON_EMAIL: "sign-in", EXPIRATION_SIGN_IN_TOKEN: "15m" }).accounts
        .allowEmailSignIn,
    ).toBe(false);
    expect(problemsOf({ EXPIRATION_SIGN_IN_TOKEN: "10m", SIGN_IN_PATH_ON_EMAIL: "magic" })).toEqual(
      [
        "EXPIRATION_SIGN_IN_TOKEN applies to email sign-in links, but ALLOW_EMAIL_SIGN_IN is off",
        "SIGN_IN_PATH_ON_EMAIL applies to email sign-in links, but ALLOW_EMAIL_SIGN_IN is off",
      ],
    );
  });
});
