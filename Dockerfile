# syntax=docker/dockerfile:1.7
# greenroom: one image for the API, the worker and the one-shot set-up jobs.
# Build:  docker build -t greenroom .
# Stage 1 compiles TypeScript and builds the workflow bundle ahead of time (bundleWorkflowCode):
# production workers load it from WORKFLOW_BUNDLE_PATH instead of bundling at start-up.

FROM node:20.20-bookworm-slim AS build
WORKDIR /app
# postinstall generates the Prisma client: it needs the schema and its config first.
COPY package.json package-lock.json prisma.config.ts ./
COPY prisma ./prisma
COPY scripts/prisma-generate.ts ./scripts/
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM node:20.20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    WORKFLOW_BUNDLE_PATH=/app/dist/workflow-bundle.js \
    API_HOST=0.0.0.0 \
    API_PORT=3000 \
    WORKER_HEALTH_PORT=3001
WORKDIR /app
COPY --from=build --chown=node:node /app/package.json /app/prisma.config.ts ./
COPY --from=build --chown=node:node /app/prisma ./prisma
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
USER node
EXPOSE 3000 3001
# The compose file picks the process: API (default), worker, or a one-shot job.
CMD ["node", "dist/api/main.js"]
