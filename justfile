# OpenStream's everyday commands (https://just.systems): `just --list`.
#
# migrate, import-fixture and superuser act on the compose stack's data when
# its openstream service is running (`just up`), else on ./pb_data through
# `go run .`.

set export
set positional-arguments

# PocketBase 0.40 needs Go 1.27; any Go >= 1.21 fetches it.
GOTOOLCHAIN := "go1.27.3"

# The upstream development data (a Django dumpdata file kept in this repository).
dev_fixture := "pgsync/importer/testdata/openstream-dev-data.json"

# List the recipes.
default:
    @{{just_executable()}} --list

# Run the server on the embedded defaults (http://localhost:8000, ./pb_data).
run *args:
    go run . serve "$@"

# Start the compose stack (built anew), wait for openstream, create the demo organisation.
up:
    #!/usr/bin/env bash
    set -euo pipefail
    docker compose up -d --build
    echo "waiting for openstream on http://localhost:8000 (the first build takes a few minutes)"
    for _ in $(seq 1 300); do
        if docker compose exec -T openstream wget -q -O /dev/null http://127.0.0.1:8000/api/health 2>/dev/null; then
            # Idempotent: organisation "demo" for the Keycloak realm "demo".
            docker compose exec -T openstream openstream create-organisation "Demo Kommune" demo
            echo "ready: http://localhost:8000/_/ ; Keycloak sign-in: http://localhost:8000/auth/signin/?org=demo"
            exit 0
        fi
        sleep 2
    done
    echo "openstream did not become healthy; see: just logs openstream" >&2
    exit 1

# Stop the compose stack (`just down -v` also deletes its volumes).
down *args:
    docker compose down "$@"

# Follow the compose stack's logs (all services, or the ones named).
logs *args:
    docker compose logs -f "$@"

# Run every test (the README's test command).
test *args:
    ./scripts/test.sh "$@"

# Run the linters.
lint:
    ./scripts/lint.sh

# PocketBase's migrate command: just migrate up | down [N] | create NAME | collections | history-sync
migrate *args:
    @{{just_executable()}} _openstream migrate "$@"

# Import a Django dumpdata file (default: the upstream development data).
import-fixture file=dev_fixture *flags:
    #!/usr/bin/env bash
    set -euo pipefail
    file=$1
    shift
    if {{just_executable()}} _compose_running; then
        # The file is on this machine, not in the container: send it on stdin.
        docker compose exec -T openstream openstream import fixture /dev/stdin "$@" < "$file"
    else
        go run . import fixture "$file" "$@"
    fi

# Create or update a dashboard superuser.
superuser email password:
    @{{just_executable()}} _openstream superuser upsert "$@"

# Run the program in the compose service when it is up, else with go run.
[private]
_openstream *args:
    #!/usr/bin/env bash
    set -euo pipefail
    if {{just_executable()}} _compose_running; then
        exec docker compose exec -T openstream openstream "$@"
    fi
    exec go run . "$@"

# Succeed when the compose stack's openstream service is running.
[private]
[no-exit-message]
_compose_running:
    @docker compose ps --status running --services 2>/dev/null | grep -qx openstream
