#!/usr/bin/env bash
# Realtime load measurement (tests/bench/realtime/main.go): screens over
# two instances sharing one data dir and one Redis, a connect burst, five
# fan-outs of real content, a thousand editors joining one slideshow; each
# run ends with its goal table (min / median / max over the rounds, met or
# not). Builds the binary and the bench once.
# Usage: tests/bench/realtime.sh [RUN ...]   RUN is one of
#   10k        10,000 screens, the 38 KB slideshow        (default)
#   10k-small  10,000 screens, a one-slide slideshow      (default)
#   20k        20,000 screens over two client processes   (default)
#   10k-deflate  10k with permessage-deflate offered, as browsers do
#   or any flags of the bench in quotes, e.g. "-n 2000 -editors 0".
# REDIS_URL=redis://host:port/db to use another Redis.
set -euo pipefail
export GOTOOLCHAIN=go1.27.3
cd "$(dirname "$0")/../.."
[ $# -gt 0 ] || set -- 10k 10k-small 20k
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -o "$work/openstream" .
go build -o "$work/realtime" ./tests/bench/realtime
for run in "$@"; do
  case "$run" in
    10k) flags="-n 10000" ;;
    10k-small) flags="-n 10000 -content small -editors 0" ;;
    20k) flags="-n 20000 -clients 2 -editors 0" ;;
    10k-deflate) flags="-n 10000 -compress -editors 0" ;;
    *) flags="$run" ;;
  esac
  # shellcheck disable=SC2086 # the flags are words
  "$work/realtime" $flags -bin "$work/openstream" -redis "${REDIS_URL:-redis://127.0.0.1:6379/0}"
  echo
done
