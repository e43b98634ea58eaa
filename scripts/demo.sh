#!/usr/bin/env bash
# The main job: installs what is needed, then runs cxpulse locally (Ctrl-C stops it).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
exec node_modules/.bin/tsx packages/cli/src/main.ts start "$@"
