# One image for both apps; its command chooses which one runs (deploy/docker-entrypoint.sh):
#   docker run cask api       # the default
#   docker run cask worker
# Stages: toolchain (the manifests, and a compiler for native addons), build (every dependency, then
# the packages and dist/), prod-deps (runtime dependencies only) and runtime, the image that ships: the
# built packages, dist/ and the runtime dependencies, run by the unprivileged node user.

FROM node:20-bookworm-slim AS toolchain
# better-sqlite3 is a native addon: node-gyp compiles it when no prebuilt binary can be downloaded.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
# npm workspaces: the packages (packages/) and the apps' shared libs (libs/) are installed as links.
COPY packages ./packages
COPY libs ./libs

FROM toolchain AS build
COPY tsconfig.base.json tsconfig.json tsconfig.packages.json nest-cli.json ./
# npm ci's prepare script builds the packages (tsc -b), then the apps are built against them.
RUN npm ci
COPY apps ./apps
RUN npm run build

# Its own stage: the shipped node_modules is installed without dev dependencies from the start. No
# scripts (prepare would need the compiler); better-sqlite3's native build is run on its own.
FROM toolchain AS prod-deps
RUN npm ci --omit=dev --ignore-scripts && npm rebuild better-sqlite3

# The same base as the stages above: native addons run only on the Node they were compiled for.
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/package.json ./package.json
# node_modules/@cask/* link to these: their package.json and dist/ are what the apps load.
COPY --from=build /app/packages ./packages
COPY --from=build /app/libs ./libs
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
