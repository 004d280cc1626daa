# One image for every role (ROLE=api|worker|all), the migration Job and the offline sandbox.
# Stages: deps (npm ci from the lockfile) → build (tsc, then prune dev dependencies) → runtime.
# Needs BuildKit (the default builder since Docker 23) for the build secret below; no "syntax"
# line, so the built-in frontend is used and no frontend image is pulled.
# Node: the Active LTS (.node-version). At release, pin the base by digest:
#   --build-arg NODE_IMAGE=node:26-bookworm-slim@sha256:<digest>  (docs/deploy-image.md)

ARG NODE_IMAGE=node:26-bookworm-slim

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
# A builder's own npm registry (build arg) and CA bundle (build secret "npm_ca", never a layer)
# reach npm ci only: the runtime stage starts again from the base image and sees neither.
ARG NPM_REGISTRY=https://registry.npmjs.org/
COPY package.json package-lock.json ./
RUN --mount=type=secret,id=npm_ca \
    if [ -s /run/secrets/npm_ca ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/npm_ca; fi \
 && npm ci --no-audit --no-fund --registry="$NPM_REGISTRY"

# The sources in a scratch stage, so the build stage adds them as one layer (each layer is a
# full copy of node_modules on copy-based storage drivers).
FROM scratch AS source
COPY tsconfig.json tsconfig.build.json /app/
COPY src /app/src
COPY migrations /app/migrations

FROM deps AS build
COPY --from=source /app ./
# /out is the allow-list of what the image gets: the manifest, production node_modules, dist.
RUN npm run build \
 && rm -f dist/*.tsbuildinfo \
 && npm prune --omit=dev --no-audit --no-fund \
 && mkdir /out \
 && mv package.json package-lock.json node_modules dist /out/

FROM ${NODE_IMAGE} AS runtime
# tini as PID 1: forwards SIGTERM to node (graceful shutdown) and reaps zombies.
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/*
# V8 heap sizing for the chart's 512Mi memory limit (docs/deploy-image.md, "Memory"): an old
# generation capped at 320 MB makes V8 collect at ~1.3× the live heap instead of letting it grow
# up to 4× (its growing factor scales with the cap; the default cap follows the host's memory,
# not the container's). Helm sets the same through values.nodeOptions; override NODE_OPTIONS to change it.
ENV NODE_ENV=production \
    NODE_OPTIONS="--max-old-space-size=320" \
    PORT=3000 \
    ROLE=all \
    NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_CACHE=/tmp/.npm
WORKDIR /app
# Root-owned, read-only to the app user: the container runs with a read-only root filesystem.
COPY --from=build /out ./
# The image's "node" user, numeric so Kubernetes can verify runAsNonRoot.
USER 1000:1000
EXPOSE 3000
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "require('http').get({host:'127.0.0.1',port:process.env.PORT||3000,path:'/health/live',timeout:4000},r=>process.exit(r.statusCode===200?0:1)).on('error',()=>process.exit(1)).on('timeout',()=>process.exit(1))"]
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "dist/src/main.js"]
