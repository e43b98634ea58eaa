#!/usr/bin/env bash
# Runs tests with the process clock set to another instant (libfaketime; Debian: apt-get install
# faketime), to show that no test depends on the date or the time of day:
#   bash scripts/test-at.sh 2027-01-01T00:03:00Z --no-file-parallelism test/e2e test/dashboard
#   bash scripts/test-at.sh 2027-02-28T23:58:00Z --no-file-parallelism test/e2e test/dashboard
# (everything runs 3-5x slower with the library preloaded; one file at a time keeps the
# suites' hooks inside their timeouts)
# The clock is shifted by a fixed offset (not restarted per process), so the test process, the
# embedded engine (in-process) and every Node child process agree on the time, and it keeps
# running: a run at 23:58 crosses midnight while it works. The Kafka broker's JVM keeps the real
# clock (FAKETIME_SKIP_CMDS=java): under libfaketime its controller RPCs timed out and it never
# became ready. cxpulse takes every time it uses from Node (record timestamps included), so the
# broker's own clock decides nothing it computes; the broker is told to accept record
# timestamps ahead of its clock (Kafka 4 refuses those more than an hour ahead by default) and
# keeps records whatever their age (for an instant in the past, retention would delete them).
# Chromium keeps the real clock too (under libfaketime it hung or crashed; the dashboard test
# starts it without LD_PRELOAD) and each page gets the test process's clock from Playwright.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
at="${1:?usage: scripts/test-at.sh <ISO instant, e.g. 2027-01-01T00:03:00Z> [vitest args…]}"
shift
command -v faketime >/dev/null || { echo "test-at: faketime is required (apt-get install faketime)" >&2; exit 1; }
target="$(date -u -d "$at" +%s)" || { echo "test-at: not a date: $at" >&2; exit 2; }
offset=$((target - $(date -u +%s)))
echo "test-at: clock set to $(date -u -d "@$target" +%Y-%m-%dT%H:%M:%SZ) (offset ${offset} s)"
export DONT_FAKE_MONOTONIC=1 FAKETIME_SKIP_CMDS=java,chromium
export LOCAL_KAFKA_OVERRIDES=log.message.timestamp.after.max.ms=9223372036854775807,log.retention.ms=-1
sign=+; [ "$offset" -lt 0 ] && sign=""
exec faketime -f "${sign}${offset}" node_modules/.bin/vitest run "$@"
