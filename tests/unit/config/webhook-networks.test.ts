// WEBHOOK_ALLOWED_NETWORKS: which addresses webhook deliveries may connect to, checked at start,
// and the judgement on addresses an attacker would try (metadata services, loopback in disguise).
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../../src/config/config.js";
import { createReceiverAddressPolicy } from "../../../src/config/webhook-networks.js";
import { problemsOf } from "../../support/config-problems.js";

const SECRET = `whsec_${Buffer.alloc(32, 7).toString("base64")}`;
const hook = (url: string) => ({
  WEBHOOKS: JSON.stringify([{ name: "crm", url, secret: SECRET }]),
});
const PRODUCTION = {
  NODE_ENV: "production",
  SECRET_KEY: "a".repeat(50),
  JWT_SECRET_KEY: "b".repeat(50),
  ALLOWED_HOSTS: "accounts.example.com",
};

const networksOf = (env: Record<string, string>) => loadConfig(env).webhooks.allowedNetworks;
const allowed = (networks: string[], addresses: string[]) => {
  const policy = createReceiverAddressPolicy(networks);
  return addresses.filter((address) => policy.allows(address));
};

describe("WEBHOOK_ALLOWED_NETWORKS", () => {
  it("defaults to public addresses in production, and to the local network as well elsewhere", () => {
    expect(networksOf({})).toEqual(["external", "private", "loopback"]);
    expect(networksOf(PRODUCTION)).toEqual(["external"]);
  });

  it("reads classes in any case and CIDR blocks, a bare address as its own block", () => {
    expect(
      networksOf({
        WEBHOOK_ALLOWED_NETWORKS: " External , 10.20.0.0/16,fd00::/8, 192.0.2.7, external",
      }),
    ).toEqual(["external", "10.20.0.0/16", "fd00::/8", "192.0.2.7/32"]);
    expect(networksOf({ WEBHOOK_ALLOWED_NETWORKS: "*" })).toEqual(["*"]);
  });

  it("refuses what it cannot read, naming each entry", () => {
    const problems = (value: string) => problemsOf({ WEBHOOK_ALLOWED_NETWORKS: value }).join("\n");
    expect(problems("intranet")).toMatch(/"intranet" is not external, private, loopback, \*/);
    expect(problems("10.1.2.3/8")).toContain("the block is 10.0.0.0/8");
    expect(problems("10.0.0.0/33")).toContain("longer than 32 bits");
    expect(problems("fd00::/129")).toContain("longer than 128 bits");
    // Forms a resolver would read as 10.0.0.0 but a reader would not.
    expect(problems("0x0a.0.0.0/8")).toContain('"0x0a.0.0.0/8" is not');
    expect(problems("10/8")).toContain('"10/8" is not');
    expect(problems("fe80::1%eth0")).toContain('"fe80::1%eth0" is not');
    expect(problems("10.0.0.0/8/8")).toContain('"10.0.0.0/8/8" is not');
    expect(problems(" , ")).toContain("is empty, so no receiver could be reached");
    expect(problems("*,external")).toContain('"*" allows every address; list nothing beside it');
  });

  it("lets through public addresses only, by default in production", () => {
    expect(
      allowed(
        ["external"],
        ["93.184.215.14", "2606:4700:4700::1111", "10.0.0.5", "127.0.0.1", "::1", "fd12::1"],
      ),
    ).toEqual(["93.184.215.14", "2606:4700:4700::1111"]);
  });

  it("never lets a disguised internal address pass as public or local", () => {
    const internal = [
      "169.254.169.254", // the cloud's metadata service
      "fe80::1", // link-local
      "0.0.0.0", // reaches this host on Linux
      "::",
      "::ffff:169.254.169.254", // IPv4-mapped
      "::ffff:127.0.0.1",
      "64:ff9b::a9fe:a9fe", // NAT64 of 169.254.169.254
      "2002:a9fe:a9fe::1", // 6to4 of the same
      "224.0.0.1",
      "255.255.255.255",
      "not-an-address",
    ];
    expect(allowed(["external", "private", "loopback"], internal)).toEqual(["::ffff:127.0.0.1"]);
    expect(allowed(["external"], internal)).toEqual([]);
    // Only the operator's own word reaches them.
    expect(allowed(["169.254.169.254/32"], internal)).toEqual([
      "169.254.169.254",
      "::ffff:169.254.169.254",
    ]);
    expect(allowed(["*"], internal)).toEqual(internal.slice(0, -1));
  });

  it("lets a CIDR block through without its neighbours", () => {
    expect(
      allowed(
        ["external", "10.20.0.0/16", "fd00:1::/32"],
        ["10.20.255.1", "10.21.0.1", "fd00:1::5", "fd00:2::5", "100.64.0.1"],
      ),
    ).toEqual(["10.20.255.1", "fd00:1::5"]);
    expect(allowed(["private"], ["10.1.1.1", "172.31.0.1", "192.168.1.1", "100.64.0.1"])).toEqual([
      "10.1.1.1",
      "172.31.0.1",
      "192.168.1.1",
      "100.64.0.1",
    ]);
  });

  it("refuses at start a declared receiver whose address it would never reach", () => {
    expect(problemsOf({ ...PRODUCTION, ...hook("https://10.0.0.5/in") })).toEqual([
      expect.stringMatching(
        /WEBHOOKS\[0\] \(crm\): url points at 10\.0\.0\.5, a private address outside WEBHOOK_ALLOWED_NETWORKS \(external\)/,
      ),
    ]);
    expect(problemsOf(hook("http://169.254.169.254/latest/meta-data")).join()).toContain(
      "points at 169.254.169.254, a linkLocal address",
    );
    expect(problemsOf({ ...PRODUCTION, ...hook("https://[::ffff:7f00:1]/in") }).join()).toContain(
      "a loopback address",
    );
    expect(problemsOf({ ...PRODUCTION, ...hook("https://api.localhost./in") }).join()).toContain(
      "points at 127.0.0.1, a loopback address",
    );
    // A name is judged when a delivery connects: what it resolves to may change.
    expect(
      loadConfig({ ...PRODUCTION, ...hook("https://crm.internal.example/in") }).webhooks.configured,
    ).toHaveLength(1);
    expect(
      loadConfig({
        ...PRODUCTION,
        ...hook("https://10.0.0.5/in"),
        WEBHOOK_ALLOWED_NETWORKS: "external,10.0.0.0/24",
      }).webhooks.configured,
    ).toHaveLength(1);
  });
});
