#!/usr/bin/env bash
# The main job: installs what is needed, then runs cxpulse locally (Ctrl-C stops it).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
# Production's way: the compiled JavaScript (tsc -b, incremental), no tsx.
echo "demo: building (pnpm build)"
pnpm -s build
exec packages/cli/bin/cxpulse start "$@"
