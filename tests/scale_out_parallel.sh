#!/bin/sh
# scale_out_parallel.sh - the GNU parallel recipe of docs/scale-out.md
# (examples/scale-out/explore-parallel.sh), run for real: one search
# unsharded, the same search as shards run side by side by parallel and
# merged; the merged result must be the unsharded one.
#
#   sh tests/scale_out_parallel.sh [PROGRAM]     (make test runs it)
#
# Compared: the whole JSON but what depends on how the work was shared
# ("jobs", "seconds", the trace's path, the "merged" block), then the
# trace the merged result names against the unsharded one's, byte for
# byte. Where GNU parallel is not installed it says so and skips (exit 0):
# install-deps.sh installs it.
#
# Exit status: 0 the same result (or skipped), 1 a difference, 2 bad usage.
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
prog=${1:-build/ac97sim}
case $prog in
/*) ;;
*) prog=$(pwd)/$prog ;;
esac
if [ ! -x "$prog" ]; then
	echo "scale_out_parallel: $prog: not an executable (run make first)" >&2
	exit 2
fi
if ! command -v parallel > /dev/null 2>&1; then
	echo "scale_out_parallel: SKIP: GNU parallel is not installed (sh install-deps.sh installs it)"
	exit 0
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ac97sim-parallel-XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT INT TERM
# A bug some seeds find and others miss: failures, passes and race windows.
scenario=$top/fixtures/scenarios/bugs/wdk81-single-entry-revoke.ini
options="--runs 400 --keep-going"
fail() {
	echo "scale_out_parallel: $*"
	exit 1
}

# Its traces as deep as the recipe's (a trace names its scenario relative
# to its own folder).
mkdir -p "$tmp/whole/traces"
# shellcheck disable=SC2086 # the options are words on purpose
"$prog" explore "$scenario" $options --jobs 2 --quiet --json "$tmp/whole.json" \
	--trace-dir "$tmp/whole/traces" > "$tmp/whole.txt" 2>&1
status=$?
[ "$status" -eq 1 ] || fail "the unsharded search exited $status, not 1: $(cat "$tmp/whole.txt")"

# shellcheck disable=SC2086
AC97SIM=$prog PARALLEL_JOBS=2 sh "$top/examples/scale-out/explore-parallel.sh" "$tmp/out" 4 \
	"$scenario" $options > "$tmp/merged.txt" 2>&1
status=$?
[ "$status" -eq 1 ] || fail "the recipe exited $status, not 1 (merge's status): $(cat "$tmp/merged.txt")"

results() {
	sed -e '/"merged": {/,/},/d' "$1" | grep -v -e '"jobs":' -e '"seconds":' -e '"trace":'
}
results "$tmp/whole.json" > "$tmp/whole.results"
results "$tmp/out/merged.json" > "$tmp/merged.results"
cmp -s "$tmp/whole.results" "$tmp/merged.results" ||
	fail "the merged result differs from the unsharded one:
$(diff "$tmp/whole.results" "$tmp/merged.results" | head -20)"
grep -q '"shards": 4' "$tmp/out/merged.json" || fail "the merged result does not say it merged 4 shards"

trace=$(sed -n 's/^ *"trace": "\(.*\)"$/\1/p' "$tmp/out/merged.json")
want=$(sed -n 's/^ *"trace": "\(.*\)"$/\1/p' "$tmp/whole.json")
[ -n "$trace" ] && [ -f "$trace" ] || fail "the merged result names no trace that exists: '$trace'"
cmp -s "$trace" "$want" || fail "the merged result's trace $trace is not the unsharded search's $want"
grep -q "replay it: $prog replay $trace" "$tmp/merged.txt" ||
	fail "merge did not print the command that replays $trace"

echo "scale_out_parallel: 4 shards under GNU parallel, merged, equal the unsharded search ($(grep -c '"seed"' "$tmp/whole.json") failing seeds and first failure)"
exit 0
