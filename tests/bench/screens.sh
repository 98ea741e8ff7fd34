#!/usr/bin/env bash
# Load test of the player's get-active-content next to PocketBase's own
# record view of the same screen, on loopback with wrk (Debian: apt-get
# install wrk). Builds the real binary, seeds a fresh data dir and prints
# wrk's summary for each, the player's rate as a share of /api/health's in
# the same run (goal: at least 0.5), and the server's RSS after the screens'
# load and after IDLE seconds (goal: at most 60 MB), before PocketBase's own
# record view is measured for comparison.
# Usage: tests/bench/screens.sh [SECONDS] [CONNECTIONS]   (ROUNDS=5 IDLE=120)
set -euo pipefail
export GOTOOLCHAIN=go1.27.3
cd "$(dirname "$0")/../.."
DURATION=${1:-15}
CONNS=${2:-32}
PORT=${PORT:-8791}
IDLE=${IDLE:-120}
ROUNDS=${ROUNDS:-5}
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
# A municipality's news screen: 20 slides, about 38 KB of slideshow_data.
SLIDES=$(python3 -c "import json; print(json.dumps({'slides':[{'id':i,'duration':12,'elements':[{'id':j,'type':'text','text':'Biblioteket holder åbent for alle borgere. '*8,'x':10*j,'y':40,'fontSize':'48'} for j in range(4)]} for i in range(20)]}))")
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
rate() { grep -Eo 'Requests/sec: *[0-9.]+' | grep -Eo '[0-9.]+$'; }
run() { # run NAME HEADER URL: prints wrk's summary, keeps the rate in $last
  echo "== $1"
  out=$(wrk --latency -t2 -c"$CONNS" -d"${DURATION}s" -H "$2" "$3")
  echo "$out" | grep -E 'Requests/sec|Latency |Non-2xx| 99%'
  last=$(echo "$out" | rate)
  p99=$(echo "$out" | awk '$1 == "99%" {print $2}')
}
# Interleaved rounds: the machine's own drift hits both alike.
healths=() players=() p99s=()
for round in $(seq 1 "$ROUNDS"); do
  run "round $round: GET /api/health (the ceiling of this machine and router)" "X-Bench: 1" "$BASE/api/health"
  healths+=("$last")
  run "round $round: OpenStream GET /api/display-website/get-active-content (X-API-KEY)" "X-API-KEY: $KEY" "$BASE/api/display-website/get-active-content?id=$SCREEN"
  players+=("$last")
  p99s+=("$p99")
done
rss() { awk '/VmRSS/ {printf "%.1f", $2/1024}' "/proc/$server/status"; }
after=$(rss)
sleep "$IDLE"
idle=$(rss)
run "PocketBase GET /api/collections/display_websites/records/<id> (user token, API rule)" "Authorization: Bearer $USER_TOKEN" "$BASE/api/collections/display_websites/records/$SCREEN"
run "PocketBase GET /api/collections/display_websites/records/<id> (superuser token, no rule)" "Authorization: $SU" "$BASE/api/collections/display_websites/records/$SCREEN"
pbafter=$(rss)
python3 - "$IDLE" "$after" "$idle" "$pbafter" "${healths[*]}" "${players[*]}" "${p99s[*]}" <<'PY'
import statistics, sys
wait, after, idle, pbafter = map(float, sys.argv[1:5])
health = [float(x) for x in sys.argv[5].split()]
player = [float(x) for x in sys.argv[6].split()]
def ms(v):  # wrk prints 812.00us, 3.07ms or 1.20s
    for unit, f in (("us", 1e-3), ("ms", 1.0), ("s", 1e3)):
        if v.endswith(unit):
            return float(v[: -len(unit)]) * f
    return float(v)
p99 = [ms(x) for x in sys.argv[7].split()]
ratio = [p / h for p, h in zip(player, health)]
def mmm(xs, fmt):
    return " / ".join(fmt.format(v) for v in (min(xs), statistics.median(xs), max(xs)))
print(f"== summary over {len(ratio)} rounds (goal | min / median / max | met)")
print(f"player rate, req/s          (info)  | {mmm(player, '{:.0f}')} |")
print(f"health rate, req/s          (info)  | {mmm(health, '{:.0f}')} |")
print(f"player rate / health rate   >= 0.50 | {mmm(ratio, '{:.2f}')} | {'met' if min(ratio) >= 0.5 else 'not met'}")
print(f"player p99 latency, ms      <= 20   | {mmm(p99, '{:.1f}')} | {'met' if max(p99) <= 20 else 'not met'}")
print(f"RSS after the screens' load (info)  | {after:.1f} MB |")
print(f"RSS after {wait:.0f} s idle          <= 60 MB | {idle:.1f} MB | {'met' if idle <= 60 else 'not met'}")
print(f"RSS after PocketBase's views (info) | {pbafter:.1f} MB |")
PY
