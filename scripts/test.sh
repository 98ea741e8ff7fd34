#!/usr/bin/env bash
# Lints (scripts/lint.sh), then runs every test against real PostgreSQL and
# Redis on localhost. Services that are not running are started, and
# installed first (Debian, apt-get) when missing, as are the tools the tests
# run. Extra arguments go to `go test`; packages among them (./tests/e2e/)
# replace ./..., the default.
set -euo pipefail
export GOTOOLCHAIN=go1.27.3
cd "$(dirname "$0")/.."

PG_PORT=5432
REDIS_PORT=6379

log() { printf '==> %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else log "need root to run: $*"; return 1
  fi
}

apt_install() {
  log "installing $*"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# tcp_open HOST PORT: something accepts connections there.
tcp_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

wait_for() { # wait_for NAME CHECK...
  local name=$1; shift
  for _ in $(seq 1 60); do "$@" && return 0; sleep 0.5; done
  log "$name did not come up"; return 1
}

pg_ready() { tcp_open 127.0.0.1 "$PG_PORT" && { ! command -v pg_isready >/dev/null || pg_isready -q -h 127.0.0.1 -p "$PG_PORT"; }; }

ensure_postgres() {
  pg_ready && return 0
  if ! command -v pg_ctlcluster >/dev/null 2>&1 || [ -z "$(ls /etc/postgresql 2>/dev/null)" ]; then
    apt_install postgresql
  fi
  log "starting PostgreSQL"
  for conf in /etc/postgresql/*/; do
    as_root pg_ctlcluster --skip-systemctl-redirect "$(basename "$conf")" main start || true
  done
  wait_for PostgreSQL pg_ready
}

# A login role and database for the tests, made through the postgres
# superuser's local socket (works with Debian's default peer auth).
ensure_postgres_database() {
  local psql=(psql -v ON_ERROR_STOP=1 -qAt -h /var/run/postgresql -p "$PG_PORT" -d postgres)
  if [ "$(id -u)" = 0 ]; then psql=(runuser -u postgres -- "${psql[@]}")
  else psql=(sudo -u postgres "${psql[@]}")
  fi
  "${psql[@]}" -c "DO \$\$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'openstream') THEN
      CREATE ROLE openstream LOGIN CREATEDB PASSWORD 'openstream'; END IF; END\$\$;"
  if [ "$("${psql[@]}" -c "SELECT 1 FROM pg_database WHERE datname = 'openstream_test'")" != 1 ]; then
    "${psql[@]}" -c "CREATE DATABASE openstream_test OWNER openstream"
  fi
}

redis_ready() {
  tcp_open 127.0.0.1 "$REDIS_PORT" || return 1
  local reply
  reply=$(exec 3<>"/dev/tcp/127.0.0.1/$REDIS_PORT"; printf 'PING\r\n' >&3; read -r -t 2 line <&3; echo "$line") || return 1
  [[ $reply == +PONG* ]]
}

ensure_redis() {
  redis_ready && return 0
  command -v redis-server >/dev/null 2>&1 || apt_install redis-server
  log "starting Redis"
  mkdir -p /tmp/openstream-redis
  redis-server --daemonize yes --bind 127.0.0.1 --port "$REDIS_PORT" --save "" --appendonly no \
    --dir /tmp/openstream-redis --logfile /tmp/openstream-redis/redis.log
  wait_for Redis redis_ready
}

if ! command -v go >/dev/null 2>&1; then
  log "Go (1.21 or newer, to fetch the go1.27.3 toolchain) is required"; exit 1
fi

# Tools the tests run for real: poppler's pdftoppm (PDF previews), a
# private redis-server (the realtime outage tests stop and restart it),
# docker-compose (parses compose.yml; no Docker engine needed), the linter
# of the shell scripts, busybox's sh (the production image's shell),
# inotifywait (the development image's rebuild loop), and HAProxy and ip
# (tests/multihost: edges across network namespaces behind a balancer).
missing=()
command -v "${PDFTOPPM_PATH:-pdftoppm}" >/dev/null 2>&1 || missing+=(poppler-utils)
for tool in redis-server:redis-server docker-compose:docker-compose shellcheck:shellcheck \
  busybox:busybox inotifywait:inotify-tools haproxy:haproxy ip:iproute2; do
  command -v "${tool%%:*}" >/dev/null 2>&1 || missing+=("${tool#*:}")
done
if [ ${#missing[@]} -gt 0 ]; then apt_install "${missing[@]}"; fi

if [ -z "${OPENSTREAM_TEST_POSTGRES_URL:-}" ]; then
  ensure_postgres
  ensure_postgres_database
  export OPENSTREAM_TEST_POSTGRES_URL="postgres://openstream:openstream@127.0.0.1:$PG_PORT/openstream_test?sslmode=disable"
fi
if [ -z "${OPENSTREAM_TEST_REDIS_URL:-}" ]; then
  ensure_redis
  export OPENSTREAM_TEST_REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"
fi
log "PostgreSQL: $OPENSTREAM_TEST_POSTGRES_URL"
log "Redis:      $OPENSTREAM_TEST_REDIS_URL"

./scripts/lint.sh

# One migrated data dir for every test process of this run
# (internal/testapp): the first package that needs it migrates it.
OPENSTREAM_TEST_TEMPLATE_DIR=$(mktemp -d -t openstream-test-template-XXXXXX)
export OPENSTREAM_TEST_TEMPLATE_DIR
trap 'rm -rf "$OPENSTREAM_TEST_TEMPLATE_DIR"' EXIT

# Every package, unless the arguments name some (./tests/e2e/, ./api/...).
packages=(./...)
for arg in "$@"; do
  case $arg in ./*) packages=() ;; esac
done
log "go test -race $* ${packages[*]}"
go test -race -count=1 -timeout 60m "$@" "${packages[@]}"
