#!/usr/bin/env bash
# The main job: installs what is needed, then runs cxpulse locally (Ctrl-C stops it).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
# Production's way: the compiled JavaScript (tsc -b, incremental), no tsx.
echo "demo: building (tsc -b)"
node_modules/.bin/tsc -b tsconfig.build.json
exec packages/cli/bin/cxpulse start "$@"
