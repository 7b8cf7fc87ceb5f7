# One image for both apps; its command chooses which one runs (deploy/docker-entrypoint.sh):
#   docker run cask api       # the default
#   docker run cask worker
# Stages: toolchain (the manifests, and a compiler for native addons), build (every dependency, then
# dist/), prod-deps (runtime dependencies only) and runtime, the image that ships: dist/ and the
# runtime dependencies, run by the unprivileged node user.

FROM node:20-bookworm-slim AS toolchain
# better-sqlite3 is a native addon: node-gyp compiles it when no prebuilt binary can be downloaded.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# .npmrc holds engine-strict: a base image with another Node major fails here, not at run time.
COPY package.json package-lock.json .npmrc ./

FROM toolchain AS build
RUN npm ci
COPY nest-cli.json tsconfig.json tsconfig.build.json ./
COPY libs ./libs
COPY apps ./apps
RUN npm run build

# Its own stage: the shipped node_modules is installed without dev dependencies from the start, and a
# source change reuses this cached layer.
FROM toolchain AS prod-deps
RUN npm ci --omit=dev

# The same base as the stages above: native addons run only on the Node they were compiled for.
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --chmod=755 deploy/docker-entrypoint.sh /usr/local/bin/cask-entrypoint
# The files above stay root's and read-only to the app; it may write only ./data, where the api
# keeps its SQLite store when DATABASE_URL is unset.
RUN mkdir -p /app/data && chown node:node /app/data
USER node
# api: PORT; worker: WORKER_HEALTH_PORT (health and metrics).
EXPOSE 3000 3001
ENTRYPOINT ["cask-entrypoint"]
CMD ["api"]
