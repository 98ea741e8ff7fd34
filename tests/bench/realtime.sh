#!/usr/bin/env bash
# Realtime load measurement of the screen WebSocket: for each N, N screens
# over two instances sharing one data dir and one Redis, idle RSS per
# connection and the delivery latency of one emergency (see
# tests/bench/realtime/main.go). Builds the binary once.
# Usage: tests/bench/realtime.sh [N ...]   (default: 1000 5000 10000)
#        REDIS_URL=redis://host:port/db to use another Redis.
set -euo pipefail
export GOTOOLCHAIN=go1.27.3
cd "$(dirname "$0")/../.."
[ $# -gt 0 ] || set -- 1000 5000 10000
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -o "$work/openstream" .
go build -o "$work/realtime" ./tests/bench/realtime
for n in "$@"; do
  "$work/realtime" -n "$n" -bin "$work/openstream" -redis "${REDIS_URL:-redis://127.0.0.1:6379/0}"
  echo
done
