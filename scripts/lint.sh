#!/usr/bin/env bash
# Lints everything: gofmt, go vet, staticcheck (pinned as a tool in go.mod,
# configured in staticcheck.conf) and shellcheck over the shell scripts.
# Exits non-zero on the first finding; the test command runs it first.
set -euo pipefail
export GOTOOLCHAIN=go1.27.3
cd "$(dirname "$0")/.."

log() { printf '==> %s\n' "$*" >&2; }

log "gofmt"
unformatted=$(gofmt -l .)
if [ -n "$unformatted" ]; then
  log "not gofmt-ed (run gofmt -w):"; echo "$unformatted"; exit 1
fi

log "go vet ./..."
go vet ./...

log "staticcheck ./..."
go tool staticcheck ./...

log "shellcheck"
if ! command -v shellcheck >/dev/null 2>&1; then
  log "shellcheck is missing (Debian: apt-get install shellcheck)"; exit 1
fi
mapfile -t scripts < <(find scripts docker dev-environment tests .ci -type f \( -name '*.sh' -o -name run \) 2>/dev/null | sort)
shellcheck "${scripts[@]}"
log "lint clean"
