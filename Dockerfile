# cxpulse services in one image; the command picks the service: `cxpulse serve <name>`.
# Untested on the project's machines (they have no Docker engine): see CONTRIBUTING.md.
# There is no build step: workspace packages export TypeScript and run through tsx.
FROM node:20-bookworm-slim

WORKDIR /app
ENV NODE_ENV=production
RUN corepack enable

# Manifests first, so the dependency layer is reused while only sources change.
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml ./
COPY patches ./patches
COPY packages ./packages
COPY services ./services
COPY test/package.json ./test/package.json
COPY bench/package.json ./bench/package.json
# Production dependencies of the CLI and what it runs (every service), not of the test
# projects; chdb (the embedded engine) is installed but unused when CLICKHOUSE_URL points at
# a server, as it does in compose.yaml.
RUN pnpm install --frozen-lockfile --prod --filter '@cxpulse/cli...' --filter cxpulse

COPY infra/clickhouse ./infra/clickhouse

USER node
ENTRYPOINT ["/app/packages/cli/bin/cxpulse"]
CMD ["serve", "--help"]
