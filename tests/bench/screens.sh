#!/usr/bin/env bash
# Load test of the player's get-active-content next to PocketBase's own
# record view of the same screen, on loopback with wrk (Debian: apt-get
# install wrk). Builds the real binary, seeds a fresh data dir and prints
# wrk's summary for both. Usage: tests/bench/screens.sh [SECONDS] [CONNECTIONS]
set -euo pipefail
export GOTOOLCHAIN=go1.27.3
cd "$(dirname "$0")/../.."
DURATION=${1:-15}
CONNS=${2:-32}
PORT=${PORT:-8791}
BASE="http://127.0.0.1:$PORT"
command -v wrk >/dev/null || { echo "wrk is required (apt-get install wrk)" >&2; exit 1; }

work=$(mktemp -d)
trap 'kill "${server:-}" 2>/dev/null || true; rm -rf "$work"' EXIT
go build -o "$work/openstream" .
os() { "$work/openstream" --dir "$work/pb_data" "$@"; }
os migrate up >/dev/null
os create-organisation "Bench Kommune" bench >/dev/null
os superuser upsert bench@example.dk bench-password-1 >/dev/null
if curl -fs "$BASE/api/health" >/dev/null 2>&1; then echo "port $PORT is taken (PORT=... to choose another)" >&2; exit 1; fi
# The binary itself in the background (not through os(), whose subshell
# would be what the trap kills).
"$work/openstream" --dir "$work/pb_data" serve --http "127.0.0.1:$PORT" >"$work/serve.log" 2>&1 &
server=$!
for _ in $(seq 1 100); do curl -fs "$BASE/api/health" >/dev/null && break; sleep 0.1; done

json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
post() { curl -fs -X POST "$BASE/api/collections/$1/records" -H "Authorization: $SU" -H 'Content-Type: application/json' -d "$2"; }
SU=$(curl -fs -X POST "$BASE/api/collections/_superusers/auth-with-password" -H 'Content-Type: application/json' \
  -d '{"identity":"bench@example.dk","password":"bench-password-1"}' | json '["token"]')
BRANCH=$(curl -fs "$BASE/api/collections/branches/records?filter=name%3D%27Demo%20Branch%27" -H "Authorization: $SU" | json '["items"][0]["id"]')
SLIDES=$(python3 -c "import json; print(json.dumps({'slides':[{'id':i,'elements':[{'type':'text','text':'Velkommen '*20}]} for i in range(10)]}))")
SHOW=$(post slideshows "{\"name\":\"welcome\",\"branch\":\"$BRANCH\",\"slideshow_data\":$SLIDES}" | json '["id"]')
GROUP=$(post display_website_groups "{\"name\":\"lobby\",\"branch\":\"$BRANCH\",\"default_slideshow\":\"$SHOW\"}" | json '["id"]')
SCREEN=$(post display_websites "{\"name\":\"s1\",\"branch\":\"$BRANCH\",\"display_website_group\":\"$GROUP\"}" | json '["id"]')
post recurring_scheduled_contents "{\"display_website_group\":\"$GROUP\",\"slideshow\":\"$SHOW\",\"weekday\":0,\"start_time\":\"03:00\",\"end_time\":\"04:00\",\"active_from\":\"2026-01-01\"}" >/dev/null
KEY=$(os branch-api-key show "$BRANCH" | grep -Eo '[0-9a-f-]{36}' | head -1)
# The suborg admin created with the organisation (password = username) can see the screen.
USER_TOKEN=$(curl -fs -X POST "$BASE/api/token/" -H 'Content-Type: application/json' \
  -d '{"username":"bench_suborg_admin","password":"bench_suborg_admin"}' | json '["access"]')

curl -fs "$BASE/api/display-website/get-active-content?id=$SCREEN" -H "X-API-KEY: $KEY" >/dev/null
curl -fs "$BASE/api/collections/display_websites/records/$SCREEN" -H "Authorization: Bearer $USER_TOKEN" >/dev/null

echo "== $(nproc) cores, wrk -t2 -c$CONNS -d${DURATION}s, one screen, body $(curl -fs "$BASE/api/display-website/get-active-content?id=$SCREEN" -H "X-API-KEY: $KEY" | wc -c) bytes"
echo "== OpenStream GET /api/display-website/get-active-content (X-API-KEY)"
wrk -t2 -c"$CONNS" -d"${DURATION}s" -H "X-API-KEY: $KEY" "$BASE/api/display-website/get-active-content?id=$SCREEN" | grep -E 'Requests/sec|Latency|Non-2xx'
echo "== PocketBase GET /api/collections/display_websites/records/<id> (user token, API rule)"
wrk -t2 -c"$CONNS" -d"${DURATION}s" -H "Authorization: Bearer $USER_TOKEN" "$BASE/api/collections/display_websites/records/$SCREEN" | grep -E 'Requests/sec|Latency|Non-2xx'
echo "== PocketBase GET /api/collections/display_websites/records/<id> (superuser token, no rule)"
wrk -t2 -c"$CONNS" -d"${DURATION}s" -H "Authorization: $SU" "$BASE/api/collections/display_websites/records/$SCREEN" | grep -E 'Requests/sec|Latency|Non-2xx'
