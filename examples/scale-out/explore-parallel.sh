#!/bin/sh
# explore-parallel.sh - one `ac97sim explore` search run as N shards side by
# side by GNU parallel, then merged: the result is the one the unsharded
# search gives (docs/scale-out.md).
#
#   sh examples/scale-out/explore-parallel.sh OUT_DIR N SCENARIO [EXPLORE OPTIONS...]
#
# e.g. sh examples/scale-out/explore-parallel.sh out 4 my.ini --runs 20000 --keep-going
#
# Writes OUT_DIR/shard-K.json for K = 1..N, their summaries into
# OUT_DIR/shards.txt, the failing traces into OUT_DIR/traces, and
# OUT_DIR/merged.json; prints the merged summary.
# Each shard runs with --jobs 1 unless the options say otherwise, and
# parallel runs as many shards at once as there are processors (set
# PARALLEL_JOBS to change it); PARALLEL_SSHLOGIN=host1,host2 spreads
# them over machines that see the same OUT_DIR and program.
#
# AC97SIM names the program (default: ac97sim on the PATH).
#
# Exit status: merge's (0 every run passed, 1 a run failed, 3 runs cut by
# a limit, 2 a shard missing or not of this search). A shard's own status
# is not the recipe's: explore exits 1 when it finds a failure, which is a
# search that worked; merge, which refuses a missing shard, says whether
# every shard delivered.
set -eu

if [ $# -lt 3 ]; then
	echo "usage: sh $0 OUT_DIR N SCENARIO [EXPLORE OPTIONS...]" >&2
	exit 2
fi
out=$1
n=$2
scenario=$3
shift 3
prog=${AC97SIM:-ac97sim}
if ! command -v parallel > /dev/null 2>&1; then
	echo "explore-parallel: GNU parallel is not installed (Debian: apt-get install parallel)" >&2
	exit 2
fi
mkdir -p "$out/traces"
rm -f "$out"/shard-*.json

# -q: each word is passed as it is (options with blanks survive); {} is
# the shard's number. --halt never: every shard runs whatever the others'
# status.
set -- -q --halt never --jobs "${PARALLEL_JOBS:-100%}" \
	${PARALLEL_SSHLOGIN:+--sshlogin "$PARALLEL_SSHLOGIN"} \
	"$prog" explore "$scenario" --jobs 1 "$@" --shard "{}/$n" --quiet \
	--json "$out/shard-{}.json" --trace-dir "$out/traces"
seq 1 "$n" | parallel "$@" > "$out/shards.txt" || true

# The shards' files, in order (merge checks that they are all there).
k=1
set --
while [ "$k" -le "$n" ]; do
	[ -f "$out/shard-$k.json" ] && set -- "$@" "$out/shard-$k.json"
	k=$((k + 1))
done
if [ $# -eq 0 ]; then
	echo "explore-parallel: no shard wrote its result (see the messages above)" >&2
	exit 2
fi
exec "$prog" merge "$out/merged.json" "$@"
