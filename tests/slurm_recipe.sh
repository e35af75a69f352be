#!/bin/sh
# slurm_recipe.sh - the Slurm recipe of docs/scale-out.md, run for real on
# a one-node cluster started here: munged, slurmctld and slurmd from a
# private configuration in a temporary folder (the machine's /etc/slurm
# and /etc/munge are neither read nor touched; the daemons listen on
# ports picked here and talk over 127.0.0.1), examples/slurm/explore-array.sh
# submitted as a job array of 3 shards, merged, and compared with the
# unsharded search as tests/scale_out_parallel.sh compares.
#
#   sh tests/slurm_recipe.sh [PROGRAM]      (make test-slurm runs it)
#
# It needs root (slurmd starts jobs as their user, and runs as root here)
# and Debian's slurmctld, slurmd, slurm-client and munge
# (sh install-deps.sh --slurm). Where it cannot start the cluster (not
# root, a package missing, a daemon that does not come up) it says why
# and skips: exit 0. make test and make check do not run it: a cluster is
# not something every machine can start, and their answer must not depend
# on one.
#
# Exit status: 0 the same result (or skipped), 1 a difference or a recipe
# that failed on a cluster that was up, 2 bad usage.
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
prog=${1:-build/ac97sim}
case $prog in
/*) ;;
*) prog=$(pwd)/$prog ;;
esac
if [ ! -x "$prog" ]; then
	echo "slurm_recipe: $prog: not an executable (run make first)" >&2
	exit 2
fi
skip() {
	echo "slurm_recipe: SKIP: $*"
	exit 0
}
fail() {
	echo "slurm_recipe: $*"
	exit 1
}

[ "$(id -u)" -eq 0 ] || skip "not root: a private slurmd must run as root to start jobs"
for c in munged munge slurmctld slurmd sbatch sinfo; do
	command -v "$c" > /dev/null 2>&1 ||
		skip "$c is not installed (sh install-deps.sh --slurm installs Slurm and munge)"
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ac97sim-slurm-XXXXXX") || exit 2
pids=""
cleanup() {
	for p in $pids; do
		kill "$p" 2> /dev/null
	done
	for p in $pids; do
		wait "$p" 2> /dev/null
	done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
# munged wants every folder on its socket's path searchable by all.
chmod 711 "$tmp"
mkdir -m 711 "$tmp/munge"
mkdir -p "$tmp/state" "$tmp/spool" "$tmp/out"

# ---- munge, on a socket of its own -------------------------------------------------
dd if=/dev/urandom of="$tmp/munge/key" bs=1024 count=1 2> /dev/null
chmod 400 "$tmp/munge/key"
socket=$tmp/munge/socket
munged -F --key-file="$tmp/munge/key" --socket="$socket" --pid-file="$tmp/munge/pid" \
	--log-file="$tmp/munge/log" --seed-file="$tmp/munge/seed" > "$tmp/munge/out" 2>&1 &
pids="$pids $!"
tries=0
until munge -S "$socket" -n > /dev/null 2>&1; do
	tries=$((tries + 1))
	[ "$tries" -lt 50 ] || skip "munged did not start: $(tail -n 3 "$tmp/munge/out")"
	sleep 0.1
done

# ---- slurmctld and slurmd, one node, this machine ----------------------------------
node=$(hostname -s)
base=$((20000 + $$ % 20000))
cat > "$tmp/slurm.conf" << CONF
ClusterName=ac97simtest
SlurmctldHost=$node(127.0.0.1)
SlurmUser=root
SlurmdUser=root
SlurmctldPort=$base
SlurmdPort=$((base + 1))
AuthType=auth/munge
AuthInfo=socket=$socket
CredType=cred/munge
StateSaveLocation=$tmp/state
SlurmdSpoolDir=$tmp/spool
SlurmctldPidFile=$tmp/slurmctld.pid
SlurmdPidFile=$tmp/slurmd.pid
SlurmctldLogFile=$tmp/slurmctld.log
SlurmdLogFile=$tmp/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
MpiDefault=none
ReturnToService=2
NodeName=$node NodeAddr=127.0.0.1 CPUs=$(nproc) State=UNKNOWN
PartitionName=test Nodes=$node Default=YES MaxTime=INFINITE State=UP
CONF
SLURM_CONF=$tmp/slurm.conf
export SLURM_CONF
slurmctld -D -i -f "$SLURM_CONF" > "$tmp/slurmctld.out" 2>&1 &
pids="$pids $!"
slurmd -D -f "$SLURM_CONF" -N "$node" > "$tmp/slurmd.out" 2>&1 &
pids="$pids $!"
tries=0
until [ "$(sinfo -h -N -o %T 2> /dev/null)" = idle ]; do
	tries=$((tries + 1))
	[ "$tries" -lt 150 ] || skip "the one-node cluster did not come up in 30 s:
$(tail -n 3 "$tmp/slurmctld.log" "$tmp/slurmd.log" "$tmp/slurmctld.out" "$tmp/slurmd.out" 2> /dev/null)"
	sleep 0.2
done
echo "slurm_recipe: a one-node cluster is up ($node, slurmctld on 127.0.0.1:$base)"

# ---- the search, unsharded here and as an array of 3 there --------------------------
scenario=$top/fixtures/scenarios/bugs/wdk81-single-entry-revoke.ini
options="--runs 400 --keep-going"
mkdir -p "$tmp/whole/traces"
# shellcheck disable=SC2086 # the options are words on purpose
"$prog" explore "$scenario" $options --jobs 2 --quiet --json "$tmp/whole.json" \
	--trace-dir "$tmp/whole/traces" > "$tmp/whole.txt" 2>&1
status=$?
[ "$status" -eq 1 ] || fail "the unsharded search exited $status, not 1: $(cat "$tmp/whole.txt")"

limit=
command -v timeout > /dev/null 2>&1 && limit="timeout 300"
# shellcheck disable=SC2086
$limit sbatch --wait --array=1-3 --cpus-per-task=1 --chdir="$tmp" --output="$tmp/task-%a.out" \
	--export=ALL,AC97SIM="$prog" "$top/examples/slurm/explore-array.sh" 3 "$tmp/out" \
	"$scenario" $options > "$tmp/sbatch.out" 2>&1
status=$?
[ "$status" -eq 0 ] || fail "sbatch --wait exited $status:
$(cat "$tmp/sbatch.out" "$tmp"/task-*.out 2> /dev/null | tail -n 20)"

"$prog" merge "$tmp/out/merged.json" "$tmp"/out/shard-*.json > "$tmp/merged.txt" 2>&1
status=$?
[ "$status" -eq 1 ] || fail "merge exited $status, not 1: $(cat "$tmp/merged.txt")"

results() {
	sed -e '/"merged": {/,/},/d' "$1" | grep -v -e '"jobs":' -e '"seconds":' -e '"trace":'
}
results "$tmp/whole.json" > "$tmp/whole.results"
results "$tmp/out/merged.json" > "$tmp/merged.results"
cmp -s "$tmp/whole.results" "$tmp/merged.results" ||
	fail "the merged result differs from the unsharded one:
$(diff "$tmp/whole.results" "$tmp/merged.results" | head -20)"
trace=$(sed -n 's/^ *"trace": "\(.*\)"$/\1/p' "$tmp/out/merged.json")
want=$(sed -n 's/^ *"trace": "\(.*\)"$/\1/p' "$tmp/whole.json")
[ -n "$trace" ] && [ -f "$trace" ] || fail "the merged result names no trace that exists: '$trace'"
cmp -s "$trace" "$want" || fail "the merged result's trace $trace is not the unsharded search's $want"

echo "slurm_recipe: a job array of 3 shards, merged, equals the unsharded search"
exit 0
