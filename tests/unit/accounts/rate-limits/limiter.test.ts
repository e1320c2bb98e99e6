import { describe, expect, it } from "vitest";
import {
  clientSubject,
  createRateLimiter,
  isLoopbackAddress,
  type RateLimitStore,
} from "../../../../src/accounts/rate-limits/limiter.js";
import { loadConfig } from "../../../../src/config/config.js";

describe("clientSubject", () => {
  it("counts an IPv4 client by its address", () => {
    expect(clientSubject("203.0.113.7")).toBe("ip:203.0.113.7");
  });

  it("counts an IPv4 address mapped into IPv6 as the IPv4 address", () => {
    expect(clientSubject("::ffff:203.0.113.7")).toBe("ip:203.0.113.7");
  });

  it("counts every address of an IPv6 /64 as one client", () => {
    const subject = clientSubject("2001:db8:85a3:12::1");
    expect(subject).toBe("ip:2001:db8:85a3:12::/64");
    expect(clientSubject("2001:0db8:85a3:0012:ffff:ffff:ffff:fffe")).toBe(subject);
    expect(clientSubject("2001:db8:85a3:13::1")).not.toBe(subject);
  });

  it("expands a compressed IPv6 prefix before taking the /64", () => {
    expect(clientSubject("2001:db8::1")).toBe("ip:2001:db8:0:0::/64");
    expect(clientSubject("::1")).toBe("ip:0:0:0:0::/64");
    expect(clientSubject("fe80::1%eth0")).toBe("ip:fe80:0:0:0::/64");
  });

  it("puts requests without a known address together", () => {
    expect(clientSubject(undefined)).toBe("ip:unknown");
    expect(clientSubject("")).toBe("ip:unknown");
  });
});

describe("isLoopbackAddress", () => {
  it("knows 127.0.0.0/8 and ::1, also mapped into IPv6", () => {
    for (const ip of ["127.0.0.1", "127.8.9.10", "::1", "0:0:0:0:0:0:0:1", "::ffff:127.0.0.1"])
      expect(isLoopbackAddress(ip), ip).toBe(true);
    for (const ip of ["128.0.0.1", "10.0.0.1", "::2", "2001:db8::1", "::ffff:10.0.0.1", undefined])
      expect(isLoopbackAddress(ip), String(ip)).toBe(false);
  });
});

describe("createRateLimiter with RATE_LIMIT_LOOPBACK_EXEMPT", () => {
  /** A store that counts in memory and remembers which rules it was asked about. */
  function aStore() {
    const counts = new Map<string, number>();
    const store: RateLimitStore = {
      hit(bucket) {
        counts.set(bucket, (counts.get(bucket) ?? 0) + 1);
        return Promise.resolve(counts.get(bucket) ?? 0);
      },
      close: () => Promise.resolve(),
    };
    return { store, rules: () => [...counts.keys()].map((bucket) => bucket.split(":")[0]) };
  }
  const clock = { now: () => new Date("2026-12-01T10:00:00Z") };

  it("skips the per-IP charges of a loopback client, keeping the others", async () => {
    const { store, rules } = aStore();
    const limiter = createRateLimiter({ config: loadConfig({}), clock }, store);
    const allowed = await limiter.attempt([
      { rule: "emailPerIp", subject: "ip:127.0.0.1", isLoopback: true },
      { rule: "emailPerAddress", subject: "address:a@example.com" },
    ]);
    expect(allowed).toBe(true);
    expect(rules()).toEqual(["emailPerAddress"]);
  });

  it("charges a loopback client like any other when the exemption is off", async () => {
    const { store, rules } = aStore();
    const config = loadConfig({
      NODE_ENV: "production",
      SECRET_KEY: "s".repeat(40),
      JWT_SECRET_KEY: "j".repeat(40),
    });
    const limiter = createRateLimiter({ config, clock }, store);
    for (let attempt = 1; attempt <= 10; attempt += 1)
      expect(
        await limiter.attempt([{ rule: "emailPerIp", subject: "ip:127.0.0.1", isLoopback: true }]),
      ).toBe(true);
    expect(
      await limiter.attempt([{ rule: "emailPerIp", subject: "ip:127.0.0.1", isLoopback: true }]),
    ).toBe(false);
    expect(new Set(rules())).toEqual(new Set(["emailPerIp"]));
  });

  it("says whether it counts at all", () => {
    expect(createRateLimiter({ config: loadConfig({}), clock }, aStore().store).isCounting).toBe(
      true,
    );
    expect(
      createRateLimiter({ config: loadConfig({ RATE_LIMITS: "false" }), clock }, aStore().store)
        .isCounting,
    ).toBe(false);
  });
});
