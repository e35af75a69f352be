#!/bin/sh
# explore-array.sh - one shard of an `ac97sim explore` search per task of a
# Slurm job array (docs/scale-out.md).
#
#   sbatch --array=1-N examples/slurm/explore-array.sh N OUT_DIR SCENARIO [EXPLORE OPTIONS...]
#
# then, once every task has ended, by hand or as a job that waits for the
# array:
#
#   ac97sim merge OUT_DIR/merged.json OUT_DIR/shard-*.json
#   sbatch --dependency=afterany:ARRAY_JOB_ID \
#          --wrap "ac97sim merge OUT_DIR/merged.json OUT_DIR/shard-*.json"
#
# The array's task ids are the shard numbers K = 1..N. N is given again as
# the first argument so that a task submitted again alone (sbatch
# --array=7 ...) is still shard 7 of N. OUT_DIR must be on a file system
# every node sees (the shards' JSON and the failing traces go there), and
# the program must be at the same path on every node: AC97SIM names it
# (default: ac97sim on the PATH).
#
# Each task runs explore with as many worker processes as Slurm gave it
# CPUs (--cpus-per-task below, or on the sbatch line). To stay inside the
# job's time limit, give explore --time a little less than it; if Slurm
# ends the task anyway, its SIGTERM makes explore write what ran, marked
# interrupted, and merge says which seeds all ran.
#
# A task's exit status: 0 when its search did its work (explore's 0, 1 or
# 3: every run passed, a run failed, runs cut by a limit: its JSON says
# which), so that Slurm marks a task that found a bug COMPLETED, not
# FAILED; explore's own otherwise (2 bad usage or input, 130 interrupted).
#
#SBATCH --job-name=ac97sim-explore
#SBATCH --cpus-per-task=2
#SBATCH --output=ac97sim-explore-%A_%a.out
set -eu

if [ $# -lt 3 ]; then
	echo "usage: sbatch --array=1-N $0 N OUT_DIR SCENARIO [EXPLORE OPTIONS...]" >&2
	exit 2
fi
n=$1
out=$2
scenario=$3
shift 3
k=${SLURM_ARRAY_TASK_ID:?run this as a job array: sbatch --array=1-N}
prog=${AC97SIM:-ac97sim}
mkdir -p "$out/traces"

status=0
"$prog" explore "$scenario" --jobs "${SLURM_CPUS_PER_TASK:-1}" "$@" --shard "$k/$n" --quiet \
	--json "$out/shard-$k.json" --trace-dir "$out/traces" || status=$?
case $status in
0 | 1 | 3) exit 0 ;;
*) exit "$status" ;;
esac
