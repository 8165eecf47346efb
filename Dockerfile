# syntax=docker/dockerfile:1.7
# greenroom: one image for the API, the worker and the one-shot set-up jobs.
# Build:  docker build -t greenroom .
# Stage 1 compiles TypeScript and builds the workflow bundle ahead of time (bundleWorkflowCode):
# production workers load it from WORKFLOW_BUNDLE_PATH instead of bundling at start-up.
# Install scripts stay off whatever npm the base image has (npm 10 ignores package.json's
# allowScripts): nothing downloads an engine at build or deploy time. The one step a script did,
# generating the Prisma client, runs explicitly. Migrations run with db/migrations.ts
# (`node dist/scripts/db-migrate.js`, the compose `migrate` job), never the Prisma CLI's engine.

FROM node:20.20-bookworm-slim AS build
ENV NPM_CONFIG_IGNORE_SCRIPTS=true \
    NPM_CONFIG_AUDIT=false \
    NPM_CONFIG_FUND=false
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts
COPY . .
# What postinstall does on a developer's machine: the Prisma client (no engine download: the
# script points PRISMA_SCHEMA_ENGINE_BINARY at an existing file; `generate` never runs it).
RUN npx --no-install tsx scripts/prisma-generate.ts
RUN npm run build && npm prune --omit=dev --ignore-scripts

FROM node:20.20-bookworm-slim AS runtime
# MALLOC_ARENA_MAX: two glibc arenas instead of one per thread (workers/node-options.ts, WORKER_PROCESS_ENV).
ENV NODE_ENV=production \
    MALLOC_ARENA_MAX=2 \
    NPM_CONFIG_IGNORE_SCRIPTS=true \
    WORKFLOW_BUNDLE_PATH=/app/dist/workflow-bundle.js \
    API_HOST=0.0.0.0 \
    API_PORT=3000 \
    WORKER_HEALTH_PORT=3001
WORKDIR /app
COPY --from=build --chown=node:node /app/package.json ./
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
USER node
EXPOSE 3000 3001
# The compose file picks the process: API (default), worker, or a one-shot job
# (node dist/scripts/db-migrate.js, node dist/scripts/temporal-setup.js).
CMD ["node", "dist/api/main.js"]
