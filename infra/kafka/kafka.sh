#!/usr/bin/env bash
# Local Apache Kafka (KRaft: one broker, or an N-node cluster) for development, tests and the demo.
#   infra/kafka/kafka.sh start [--data-dir DIR] [--fresh] [--port N | --brokers N]
#   infra/kafka/kafka.sh stop|status [--data-dir DIR]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
exec "$root/node_modules/.bin/tsx" "$root/packages/local-kafka/src/cli.ts" "$@"
