// WEBHOOKS and WEBHOOK_* (issue 19): declared subscriptions are checked at start, each mistake
// named; nothing a subscription declares wrongly is skipped.
import { describe, expect, it } from "vitest";
import { loadConfig, redactedConfig } from "../../../src/config/config.js";
import { problemsOf } from "../../support/config-problems.js";

const SECRET = `whsec_${Buffer.alloc(32, 7).toString("base64")}`;
const hooks = (...entries: object[]) => ({ WEBHOOKS: JSON.stringify(entries) });

describe("webhook settings", () => {
  it("default to no declared subscription and a bounded retry schedule", () => {
    expect(loadConfig({}).webhooks).toEqual({
      configured: [],
      maxAttempts: 12,
      retryBaseSeconds: 5,
      retryMaxSeconds: 3600,
      timeoutSeconds: 10,
      allowedNetworks: ["external", "private", "loopback"],
    });
  });

  it("read declared subscriptions, every type when none is named", () => {
    const config = loadConfig(
      hooks(
        { name: "crm", url: "https://crm.example.com/hooks", secret: SECRET },
        {
          name: "audit",
          url: "http://localhost:9000/in",
          secret: SECRET,
          events: ["user.deleted", "user.deleted", "session.revoked"],
        },
      ),
    );
    expect(config.webhooks.configured).toEqual([
      { name: "crm", url: "https://crm.example.com/hooks", secret: SECRET, eventTypes: [] },
      {
        name: "audit",
        url: "http://localhost:9000/in",
        secret: SECRET,
        eventTypes: ["user.deleted", "session.revoked"],
      },
    ]);
    expect(JSON.stringify(redactedConfig(config))).not.toContain(SECRET);
  });

  it("refuse what is not JSON, unknown keys and unknown event types", () => {
    expect(problemsOf({ WEBHOOKS: "[{name: crm}]" })).toEqual([
      expect.stringContaining("WEBHOOKS: is not JSON"),
    ]);
    expect(
      problemsOf(hooks({ name: "a", url: "https://a.example", secret: SECRET, evnts: [] })),
    ).toEqual([expect.stringMatching(/WEBHOOKS\[0\].*evnts/)]);
    expect(
      problemsOf(
        hooks({ name: "a", url: "https://a.example", secret: SECRET, events: ["user.created"] }),
      ).join(),
    ).toContain("WEBHOOKS[0.events.0]");
  });

  it("refuse weak or malformed secrets, bad URLs and twice-used names", () => {
    const problems = problemsOf(
      hooks(
        { name: "short", url: "https://a.example", secret: "whsec_c2hvcnQ=" },
        { name: "plain", url: "https://a.example", secret: "correct horse battery staple" },
        { name: "short", url: "https://b.example", secret: SECRET },
      ),
    );
    expect(problems).toEqual([
      expect.stringMatching(/WEBHOOKS\[0\] \(short\): secret must be whsec_/),
      expect.stringMatching(/WEBHOOKS\[1\] \(plain\): secret must be whsec_/),
      expect.stringMatching(/WEBHOOKS\[2\] \(short\): the name is used twice/),
    ]);
    for (const url of ["ftp://a.example/x", "https://user:pw@a.example/x", "not a url"]) {
      expect(problemsOf(hooks({ name: "a", url, secret: SECRET })).join()).toContain(
        "WEBHOOKS[0.url]",
      );
    }
  });

  it("refuse plain http in production, and a maximum delay below the first", () => {
    const production = {
      NODE_ENV: "production",
      SECRET_KEY: "a-production-secret-key-that-is-long-and-random-enough-0123456789",
      ALLOWED_HOSTS: "accounts.example.com",
    };
    expect(
      problemsOf({
        ...production,
        ...hooks({ name: "crm", url: "http://crm.internal/hooks", secret: SECRET }),
      }),
    ).toContain("WEBHOOKS[0] (crm): url must be https in production (the payloads name users)");
    expect(
      problemsOf({ WEBHOOK_RETRY_BASE_SECONDS: "60", WEBHOOK_RETRY_MAX_SECONDS: "30" }),
    ).toEqual(["WEBHOOK_RETRY_MAX_SECONDS (30) is shorter than WEBHOOK_RETRY_BASE_SECONDS (60)"]);
    expect(problemsOf({ WEBHOOK_MAX_ATTEMPTS: "0" }).join()).toContain("WEBHOOK_MAX_ATTEMPTS");
    expect(problemsOf({ WEBHOOK_TIMEOUT_SECONDS: "-1" }).join()).toContain(
      "WEBHOOK_TIMEOUT_SECONDS",
    );
  });
});
