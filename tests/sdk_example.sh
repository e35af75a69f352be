#!/bin/sh
# sdk_example.sh - the driver SDK as a driver author outside the tree meets
# it: examples/driver copied to a temporary folder and built there with
# pkg-config and the installed SDK alone, then run, explored, replayed and
# played through the installed ac97sim.
#
#   sh tests/sdk_example.sh PREFIX       (make sdk-example: after make install)
#
# PREFIX is an installed prefix: PREFIX/bin/ac97sim, the headers in
# PREFIX/include/ac97sim and PREFIX/lib/pkgconfig/ac97sim-driver.pc.
#
# What must hold (exit 1 and the reason when one does not):
# - the example builds warning-free from the copy, and names no path into
#   the tree;
# - `run` with the same seed twice gives the same event-log hash;
# - `explore` (1000 schedules, the portfolio) finds the race in example.so
#   (exit 1; first at seed 56 when this was written, 22 of seeds 1..1000
#   failing and 172 of 1..10000, 1.7%, every one under the random walk)
#   and passes example-fixed.so (exit 0); --jobs 1 and --jobs 2 give the
#   same results seed by seed (--json, every failing seed with -k) and the
#   same trace;
# - the trace explore wrote replays exactly, from another folder too, and
#   with example.so rebuilt at -O0 (noting the other binary); with
#   example-fixed.so it diverges (exit 4) and says where;
# - `play` of fixtures/audio/front_center.wav through example-fixed.so
#   exits 0 and writes what the reference driver writes, byte for byte.

me=sdk_example
. "$(dirname "$0")/example_lib.sh"


# ---- build it out of the tree ------------------------------------------------------

drv=$tmp/driver
mkdir -p "$drv"
cp -R "$top/examples/driver/." "$drv/"
if grep -n -e '\.\./' -e 'miniports' -e 'include/sdk' -e 'include/regs' \
	"$drv/example.c" "$drv/Makefile"; then
	fail "the example names a path into the tree (above)"
fi
echo "== build examples/driver in $drv with pkg-config ($prefix)"
want_status 0 "$tmp/build.log" make -C "$drv" clean all PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
cat "$tmp/build.log"
if grep -i 'warning:' "$tmp/build.log"; then
	fail "the example does not build warning-free"
fi
[ -f "$drv/example.so" ] && [ -f "$drv/example-fixed.so" ] || fail "no example.so or example-fixed.so"

scen=$drv/cancel-race.ini
cd "$tmp"

# ---- run: the same seed, the same event log ---------------------------------------

echo "== run, twice with seed 1"
want_status 0 run1.txt "$prog" run "$scen" --seed 1 --driver "$drv/example.so"
want_status 0 run2.txt "$prog" run "$scen" --seed 1 --driver "$drv/example.so"
grep 'event-log hash' run1.txt
cmp -s run1.txt run2.txt || fail "two runs with seed 1 differ: $(diff run1.txt run2.txt)"

# ---- explore: the bug is found, the fix passes, jobs do not matter ----------------

# The results without what may differ: the job count, the time, where the
# trace went.
results() {
	grep -v -e '"jobs":' -e '"seconds":' -e '"trace":' "$1"
}

explore_both_ways() {
	name=$1
	want=$2
	shift 2
	for jobs in 1 2; do
		mkdir -p "traces-$name-$jobs"
		want_status "$want" "explore-$name-$jobs.txt" "$prog" explore "$scen" --runs 1000 \
			--keep-going --quiet --jobs "$jobs" --json "explore-$name-$jobs.json" \
			--trace-dir "traces-$name-$jobs" "$@"
	done
	head -n 2 "explore-$name-2.txt"
	results "explore-$name-1.json" > "results-$name-1"
	results "explore-$name-2.json" > "results-$name-2"
	cmp -s "results-$name-1" "results-$name-2" ||
		fail "explore $name: --jobs 1 and --jobs 2 differ: $(diff "results-$name-1" "results-$name-2")"
}

echo "== explore example.so (the race): --jobs 1 and --jobs 2"
explore_both_ways bug 1 --driver "$drv/example.so"
grep -q '"checker": "revoke-count"' explore-bug-1.json ||
	fail "example.so's race was not found as revoke-count"
trace=$(ls traces-bug-1/*.trace)
[ "$(echo "$trace" | wc -l)" -eq 1 ] || fail "explore wrote no trace, or several: $trace"
cmp -s "$trace" "traces-bug-2/${trace##*/}" || fail "--jobs 1 and --jobs 2 wrote different traces"

echo "== explore example-fixed.so: --jobs 1 and --jobs 2"
explore_both_ways fixed 0 --driver "$drv/example-fixed.so"

# ---- replay: exact, from here and from elsewhere ------------------------------------

echo "== replay $trace"
want_status 1 replay.txt "$prog" replay "$trace"
tail -n 1 replay.txt
grep -q '^replay: exact' replay.txt || fail "the replay was not exact"
want_status 1 replay-root.txt sh -c "cd / && exec '$prog' replay '$tmp/$trace'"
grep -q '^replay: exact' replay-root.txt || fail "the replay from / was not exact"

# ---- replay with another build of the driver ---------------------------------------

# The same source at -O0: another binary that makes the same calls, so the
# replay says so and is still exact. The fixed build acts otherwise: the
# replay says where it left the recording (exit 4).
echo "== replay with example.so rebuilt at -O0, then with example-fixed.so"
cp -R "$drv" driver-O0
want_status 0 build-O0.log make -C driver-O0 clean example.so CFLAGS='-O0 -g' \
	PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
want_status 1 replay-O0.txt "$prog" replay "$trace" --driver driver-O0/example.so
grep -q '^note: the driver is not the build recorded' replay-O0.txt || fail "no note of another build"
grep -q '^replay: exact' replay-O0.txt || fail "the -O0 build did not replay exactly"
want_status 4 replay-fixed.txt "$prog" replay "$trace" --driver "$drv/example-fixed.so"
grep -q '^replay diverged at step' replay-fixed.txt || fail "the fixed build's replay did not say where it diverged"
tail -n 1 replay-fixed.txt

# ---- play: a voice through the fixed driver -----------------------------------------

echo "== play front_center.wav through example-fixed.so"
wav=$top/fixtures/audio/front_center.wav
want_status 0 play.txt env SDL_AUDIODRIVER=dummy "$prog" play "$wav" --no-listen \
	--driver "$drv/example-fixed.so" --out example.wav
cat play.txt
want_status 0 play-ref.txt env SDL_AUDIODRIVER=dummy "$prog" play "$wav" --no-listen \
	--out reference.wav
cmp -s example.wav reference.wav || fail "example-fixed.so plays otherwise than the reference driver"

echo "sdk_example: built out of tree, run, explored, replayed and played ($(($(date +%s) - start)) s)"
