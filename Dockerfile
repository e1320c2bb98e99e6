# syntax=docker/dockerfile:1
# Gatehouse as a container: built with the compiler better-sqlite3 needs, run without it (and
# without dev dependencies, sources or tests) as the unprivileged `node` user.
# docker build -t gatehouse . && docker run -p 4000:4000 -e SECRET_KEY=… -e JWT_SECRET_KEY=… gatehouse
# compose.yaml runs it with PostgreSQL and Redis. README.md, "Container".
ARG NODE_VERSION=20-bookworm-slim

FROM node:${NODE_VERSION} AS build
WORKDIR /app
# better-sqlite3 compiles from source on install (no binary is downloaded).
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM node:${NODE_VERSION} AS runtime
# The heap limits of `npm start` (README, "Benchmarks"), for a single process as for workers.
ENV NODE_ENV=production \
    NODE_OPTIONS="--max-semi-space-size=1 --max-old-space-size=96" \
    HOST=0.0.0.0 \
    PORT=4000 \
    DATABASE_URL=sqlite:/data/gatehouse.sqlite
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY templates ./templates
# The SQLite file, when DATABASE_URL keeps its default, lives in a volume the server may write.
RUN mkdir /data && chown node:node /data
VOLUME ["/data"]
USER node
EXPOSE 4000
# Liveness, not readiness: a node whose database blinks must not be restarted for it (README,
# "Production"); route traffic by /readyz.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PORT}/healthz`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "dist/src/cli/main.js"]
CMD ["serve"]
