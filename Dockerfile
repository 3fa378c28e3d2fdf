# Agent Jobs: one image for both processes (API and worker); docker-compose.yml picks the command.
FROM node:20-slim

# procps gives the worker's healthcheck `pgrep`.
RUN apt-get update \
 && apt-get install -y --no-install-recommends procps \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
RUN chown node:node /app
USER node

# Dependencies first, so a source change does not reinstall them. Dev dependencies stay:
# `npm run start:api` / `npm run start:worker` run scripts/build.js first (prestart), which finds
# the image's build up to date and starts at once, but would need tsc were the sources changed.
# npm ci, or npm install where npm ci refuses the lock file for lacking other platforms' optional
# packages (@swc/core-*, msgpackr-extract-*): the same fallback as .ci/run.
COPY --chown=node:node package.json package-lock.json ./
RUN npm ci --no-audit --no-fund || npm install --no-audit --no-fund

# Only what the build reads (scripts/build.js: apps/, libs/, openapi.json, tsconfig*, the lock file); never a
# local node_modules, dist or .builds. dist is a symlink to .builds/<hash of those inputs>.
COPY --chown=node:node tsconfig.json tsconfig.build.json openapi.json ./
COPY --chown=node:node scripts ./scripts
COPY --chown=node:node apps ./apps
COPY --chown=node:node libs ./libs
RUN npm run build

# Production refuses to start without JWT_SECRET and ENCRYPTION_KEY (see .env.example).
ENV NODE_ENV=production \
    PORT=3000
EXPOSE 3000

# The API alone. The worker is the same image with `npm run start:worker` (docker-compose.yml).
CMD ["node", "dist/apps/api/main.js"]
