#!/usr/bin/env bash
# Installs everything cxpulse needs on a fresh machine (Node 20, Java 17, Maven present):
# pnpm, the workspace's packages, and Apache Kafka's jars. Safe to run again; it is fast when warm.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

need() { command -v "$1" >/dev/null 2>&1 || { echo "setup: $1 is required: $2" >&2; exit 1; }; }
need node "install Node.js 20 or newer"
need java "install a JDK 17 (apt-get install openjdk-17-jre-headless)"
need mvn "install Apache Maven (apt-get install maven)"
node -e 'const [a,b]=process.versions.node.split(".").map(Number); if (a<20||(a===20&&b<10)) { console.error("setup: Node.js >= 20.10 is required, found "+process.versions.node); process.exit(1) }'

pnpm_version="$(node -p 'require("./package.json").packageManager.split("@")[1]')"
if ! command -v pnpm >/dev/null 2>&1 || [ "$(pnpm --version)" != "$pnpm_version" ]; then
  echo "setup: installing pnpm $pnpm_version"
  npm install --global --no-fund --no-audit "pnpm@$pnpm_version" >/dev/null
fi

echo "setup: installing packages"
pnpm install --frozen-lockfile --reporter=append-only 2>&1 | grep -v '^Progress' || true
test -x node_modules/.bin/tsx || { echo "setup: pnpm install failed" >&2; exit 1; }

echo "setup: fetching Apache Kafka jars (cached after the first time)"
node_modules/.bin/tsx -e 'import("./packages/local-kafka/src/index.ts").then(m => m.ensureKafkaJars(console.log)).then(d => console.log("setup: Kafka jars in " + d))'

# The dashboard's browser test drives Debian's Chromium (not needed to run cxpulse itself).
if [ ! -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ]; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = "0" ]; then
    echo "setup: installing Debian's chromium for the dashboard browser test"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq chromium >/dev/null 2>&1 ||
      { apt-get update -qq >/dev/null && apt-get install -y -qq chromium >/dev/null; } ||
      echo "setup: could not install chromium; the dashboard browser test will fail" >&2
  else
    echo "setup: chromium missing (install Debian's chromium as root); the dashboard browser test will fail" >&2
  fi
fi
