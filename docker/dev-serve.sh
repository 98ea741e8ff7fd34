#!/bin/sh
# Development loop of the development image (docker/Dockerfile), run in the
# source tree that compose mounts at /app: build the program, apply the
# migrations and serve (docker/entrypoint.sh), and when a *.go file, go.mod
# or go.sum changes, build again and restart. Files under pb_public need no
# restart: development mode reads them from disk.
#
# Arguments go to serve. Environment:
#   OPENSTREAM_DEV_BIN    where the program is built (default /tmp/openstream)
#   OPENSTREAM_DEV_WATCH  inotify (default when inotifywait is installed) or
#                         poll (a look every 2 seconds, for mounts that send
#                         no inotify events, e.g. on some Docker Desktops)
set -u

src=$(pwd)
here=$(cd "$(dirname "$0")" && pwd)
bin=${OPENSTREAM_DEV_BIN:-/tmp/openstream}
watch=${OPENSTREAM_DEV_WATCH:-}
if [ -z "$watch" ]; then
	if command -v inotifywait >/dev/null 2>&1; then watch=inotify; else watch=poll; fi
fi
state=$(mktemp -d)
sources=$state/sources # poll: the sources' checksums when a build started
events=$state/events # inotify: one line per change since a build started
server=""
watcher=""
waiter=""

say() { printf 'dev-serve: %s\n' "$*" >&2; }

stop_server() {
	if [ -n "$server" ]; then
		kill "$server" 2>/dev/null
		wait "$server" 2>/dev/null
		server=""
	fi
}

quit() {
	say "stopping"
	for pid in $waiter $watcher; do kill "$pid" 2>/dev/null; done
	stop_server
	rm -rf "$state"
	exit 0
}
trap quit INT TERM

# A shell runs its traps only between commands, and `wait` is one it leaves
# for a signal; so slow steps run in the background and are waited for,
# and `docker stop` takes effect at once.
run() {
	"$@" &
	waiter=$!
	status=0
	wait "$waiter" || status=$?
	waiter=""
	return "$status"
}

# snapshot lists the sources with their checksums. A modification time is
# not enough: a file written in the clock tick in which a build started has
# the same one, and the change was missed for good.
snapshot() {
	find "$src" \( -name .git -o -name node_modules -o -name pb_data \) -prune -o \
		-type f \( -name '*.go' -o -name go.mod -o -name go.sum \) -exec cksum {} + | sort
}

# changed reports whether a source changed since the current build started.
changed() {
	if [ "$watch" = inotify ]; then
		[ -s "$events" ]
	else
		[ "$(snapshot)" != "$(cat "$sources")" ]
	fi
}

wait_for_change() {
	interval=2
	[ "$watch" = inotify ] && interval=0.2
	until changed; do
		if [ "$watch" = inotify ] && ! kill -0 "$watcher" 2>/dev/null; then
			say "inotifywait stopped, polling instead"
			watch=poll
			interval=2
			continue
		fi
		run sleep "$interval"
	done
	run sleep 1 # an editor or git writes several files at once
}

if [ "$watch" = inotify ]; then
	# One watcher for the whole run, so no change falls between two builds.
	: >"$events"
	inotifywait -m -r -e close_write -e create -e delete -e move --format '%w%f' \
		--include '(\.go|/go\.mod|/go\.sum)$' "$src" "@$src/.git" "@$src/pb_data" \
		>>"$events" 2>"$state/watcher.log" &
	watcher=$!
	if ! run sh -c 'while ! grep -q "Watches established" "$1"; do
		kill -0 "$2" 2>/dev/null || exit 1
		sleep 0.1
	done' sh "$state/watcher.log" "$watcher"; then
		# e.g. fs.inotify.max_user_watches is too low for the tree
		say "inotifywait failed, polling instead: $(cat "$state/watcher.log")"
		kill "$watcher" 2>/dev/null
		watcher=""
		watch=poll
	fi
fi

say "watching $src ($watch); building into $bin"
while :; do
	snapshot >"$sources" # also with inotify: it may fall back to polling
	: >"$events"
	say "building"
	if run go build -o "$bin" .; then
		say "built; starting"
		OPENSTREAM=$bin sh "$here/entrypoint.sh" serve "$@" &
		server=$!
	else
		say "build failed; waiting for a change"
	fi
	wait_for_change
	say "sources changed"
	stop_server
done
