import { describe, expect, it } from "vitest";
import { clientSubject } from "../../../../src/accounts/rate-limits/limiter.js";

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
