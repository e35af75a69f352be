# tests/example_lib.sh - what the scripts that build an example out of the
# tree share (sourced by tests/sdk_example.sh and tests/cxx_example.sh,
# with their arguments: PREFIX, an installed prefix with bin/ac97sim). The
# sourcing script sets `me` to its name, for its messages; this sets top,
# prefix, prog, a scratch folder tmp removed on exit, and start.

set -eu
# A driver author's make is not inside ours: no jobserver, flags or
# variables of the make that runs the script reach the example's.
unset MAKEFLAGS MFLAGS MAKELEVEL

if [ $# -ne 1 ] || [ ! -x "$1/bin/ac97sim" ]; then
	echo "usage: sh tests/$me.sh PREFIX (an installed prefix with bin/ac97sim)" >&2
	exit 2
fi
top=$(cd "$(dirname "$0")/.." && pwd)
prefix=$(cd "$1" && pwd)
prog=$prefix/bin/ac97sim
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ac97sim-$me-XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
start=$(date +%s)

fail() {
	echo "$me: $*" >&2
	exit 1
}

# Runs "$@", requires exit status $want; the output goes to $out.
want_status() {
	want=$1
	out=$2
	shift 2
	set +e
	"$@" > "$out" 2>&1
	got=$?
	set -e
	if [ "$got" -ne "$want" ]; then
		sed 's/^/  | /' "$out" | tail -n 12 >&2
		fail "exit $got, wanted $want: $*"
	fi
}
