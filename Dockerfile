# cxpulse services in one image; the command picks the service: `cxpulse serve <name>`.
# Untested on the project's machines (they have no Docker engine): see CONTRIBUTING.md.
# Two stages: the first installs everything and compiles the TypeScript (`pnpm build`, tsc -b
# into each package's dist/); the image runs that JavaScript with production dependencies only.
FROM node:20-bookworm-slim AS build
WORKDIR /app
RUN corepack enable
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml tsconfig.base.json tsconfig.build.json ./
COPY patches ./patches
COPY packages ./packages
COPY services ./services
COPY test/package.json ./test/package.json
COPY bench/package.json ./bench/package.json
RUN pnpm install --frozen-lockfile && pnpm build

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
RUN corepack enable
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml ./
COPY patches ./patches
COPY test/package.json ./test/package.json
COPY bench/package.json ./bench/package.json
# Sources and their dist/ (the dashboard's plain files are served from src/).
COPY --from=build /app/packages ./packages
COPY --from=build /app/services ./services
# Production dependencies of the CLI and what it runs (every service), not of the test
# projects; chdb (the embedded engine) is installed but unused when CLICKHOUSE_URL points at
# a server, as it does in compose.yaml.
RUN find packages services -name node_modules -prune -exec rm -rf {} + \
  && pnpm install --frozen-lockfile --prod --filter '@cxpulse/cli...' --filter cxpulse
COPY infra/clickhouse ./infra/clickhouse

USER node
ENTRYPOINT ["/app/packages/cli/bin/cxpulse"]
CMD ["serve", "--help"]
