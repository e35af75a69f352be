# tests/example_lib.sh - what the scripts that build an example out of the
# tree share (sourced by tests/sdk_example.sh and tests/cxx_example.sh).
# The sourcing script sets `me` to its name, for its messages.

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
