// GET /.well-known/jwks.json and /.well-known/openid-configuration (accounts/tokens/discovery.ts).
import type { FastifyInstance } from "fastify";
import type { Deps } from "../deps.js";

const JWKS_PATH = "/.well-known/jwks.json";
const DISCOVERY_PATH = "/.well-known/openid-configuration";

export function registerWellKnown(app: FastifyInstance, deps: Pick<Deps, "tokenDiscovery">) {
  const discovery = deps.tokenDiscovery;
  app.get(JWKS_PATH, (_request, reply) => {
    void reply.header("cache-control", discovery.cacheControl);
    return discovery.jwks();
  });
  app.get(DISCOVERY_PATH, (request, reply) => {
    void reply.header("cache-control", discovery.cacheControl);
    return discovery.configuration({
      host: request.host,
      isSecure: request.protocol === "https",
      ip: request.ip,
    });
  });
}
