#!/bin/sh
# Entrypoint of the production image (docker/Dockerfile).
#
#   (no arguments), or a first argument starting with "-"
#                       serve, with those arguments
#   serve [ARGS...]     openstream migrate up (with the --dir, --dev and
#                       --encryptionEnv flags found in ARGS, so both use the
#                       same data directory), then exec openstream serve ARGS;
#                       a failing migrate stops here with its exit code
#   anything else       exec openstream "$@" (one-off commands, e.g.
#                       `docker compose run --rm openstream import fixture F`)
#
# The program is ${OPENSTREAM:-openstream}; tests and the development image
# point OPENSTREAM elsewhere.
set -eu

prog=${OPENSTREAM:-openstream}

say() { printf 'entrypoint: %s\n' "$*" >&2; }

if [ "$#" -eq 0 ]; then
	set -- serve
fi
case $1 in
-*) set -- serve "$@" ;;
esac

if [ "$1" != serve ]; then
	say "running $prog $*"
	exec "$prog" "$@"
fi
shift

# migrate runs "$prog migrate up" with the flags of serve's arguments that
# select the data: each original argument is taken from the front of the
# list and the ones kept are appended, so after n rounds only they remain.
migrate() {
	n=$#
	while [ "$n" -gt 0 ]; do
		arg=$1
		shift
		n=$((n - 1))
		case $arg in
		--)
			# serve's own arguments end here; drop the rest
			while [ "$n" -gt 0 ]; do shift; n=$((n - 1)); done
			;;
		--dir | --encryptionEnv)
			if [ "$n" -gt 0 ]; then
				set -- "$@" "$arg" "$1"
				shift
				n=$((n - 1))
			fi
			;;
		--dir=* | --encryptionEnv=* | --dev | --dev=*)
			set -- "$@" "$arg"
			;;
		esac
	done
	say "applying migrations: $prog migrate up $*"
	"$prog" migrate up "$@"
}

status=0
migrate "$@" || status=$?
if [ "$status" -ne 0 ]; then
	say "migrate up failed (exit $status); not starting serve"
	exit "$status"
fi

say "starting $prog serve $*"
exec "$prog" serve "$@"
