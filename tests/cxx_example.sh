#!/bin/sh
# cxx_example.sh - the C++ WavePci example miniport (examples/cxx-miniport)
# as its author outside the tree meets the SDK: copied to a temporary
# folder, built there with pkg-config ac97sim-wdm alone, with g++ and with
# clang++, then run, explored, replayed and played through the installed
# ac97sim.
#
#   sh tests/cxx_example.sh PREFIX       (make cxx-example: after make install)
#
# What must hold (exit 1 and the reason when one does not):
# - the example builds warning-free with both compilers (-Wall -Wextra), and
#   names no path into the tree;
# - cxx-clean.so (both builds) passes every bundled scenario it serves, one
#   run each, and `explore` with the defaults (1000 schedules, the
#   portfolio) on the race scenarios of EXPLORE_CLEAN;
# - each planted bug is found by `explore` with the defaults, by the
#   checker named below; the seed that found it is printed;
# - a bug's trace replays exactly; `play` through cxx-clean.so writes what
#   the reference driver writes, byte for byte.

me=cxx_example
. "$(dirname "$0")/example_lib.sh"
scenarios=$top/fixtures/scenarios

# Every bundled scenario but those that need what the example does not do:
# partial-frames-*.ini and partial-split-cancel.ini start buffers half a
# frame into a page (bounce frames).
RUN_CLEAN="playback playback-44k1 vra-22050 vra-44100 plain-0 plain-5 two-producers
two-consumers lost-wakeup-0 lost-wakeup-1 faults-0 faults-1 faults-2 faults-3
release-vs-revoke-0 release-vs-revoke-9 release-vs-revoke-15 cancel-during-get-0
cancel-during-get-2 revoke-running-0 revoke-running-1 revoke-running-8 revoke-tail-0
revoke-tail-5 stop-in-flight-0 stop-in-flight-7 stray-status-pi stray-status-mc
coalesced-0 coalesced-3 short-0 short-2 split-0 split-1 split-5
pause-resume-0 pause-resume-9 position stop-restart-0 stop-restart-4 many-tags-0
many-tags-7 stall-revoke-0 stall-revoke-19 slow-bus capture-pi-0 capture-pi-1
capture-mc-2 capture-mc-5 dsound-0 dsound-3"
# The races explored with the defaults (each about a second).
EXPLORE_CLEAN="release-vs-revoke-0 release-vs-revoke-9 revoke-running-1 cancel-during-get-2
lost-wakeup-0 two-producers stop-in-flight-7 capture-pi-1"
# Each planted bug: its build, the scenario it is explored on (bundled, or
# the example's own cancel-race.ini), the checkers that may find it (the
# count too high is caught at once as revoke-count, or, when the port took
# the in-flight mapping's late release for one of a revoked mapping, as
# release-revoked). When this was written, explore with the defaults found
# them at seed 1, 27 and 1 (the other two fail in nearly every schedule).
BUGS="cxx-bug-release-locked:$scenarios/plain-0.ini:lock-across-port-call
cxx-bug-revoke-count:@/cancel-race.ini:revoke-count|release-revoked
cxx-bug-isr-ack:$scenarios/short-0.ini:interrupt-storm
cxx-bug-port-stream-kept:$scenarios/plain-0.ini:com-refcount
cxx-bug-group-released-twice:$scenarios/plain-0.ini:com-refcount
cxx-bug-paged-service:$scenarios/plain-0.ini:paged-code"


# ---- build it out of the tree, with both compilers -------------------------------------

for cxx in g++ clang++; do
	drv=$tmp/$cxx
	mkdir -p "$drv"
	cp -R "$top/examples/cxx-miniport/." "$drv/"
	if grep -n -e '\.\./' -e 'miniports/' -e 'include/sdk' -e 'include/wdm' -e 'include/regs' \
		"$drv"/*.cpp "$drv"/*.h "$drv/Makefile"; then
		fail "the example names a path into the tree (above)"
	fi
	echo "== build examples/cxx-miniport with $cxx and pkg-config ($prefix)"
	want_status 0 "$tmp/build-$cxx.log" make -C "$drv" clean all CXX="$cxx" \
		PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
	if grep -i 'warning:' "$tmp/build-$cxx.log"; then
		fail "the example does not build warning-free with $cxx"
	fi
	for so in cxx-clean cxx-bug-release-locked cxx-bug-revoke-count cxx-bug-isr-ack \
		cxx-bug-port-stream-kept cxx-bug-group-released-twice cxx-bug-paged-service; do
		[ -f "$drv/$so.so" ] || fail "no $so.so from $cxx"
	done
done
cd "$tmp"

# ---- the clean driver: every scenario it serves, once ------------------------------------

for cxx in g++ clang++; do
	echo "== run cxx-clean.so ($cxx) on $(echo $RUN_CLEAN | wc -w) bundled scenarios"
	for s in $RUN_CLEAN; do
		want_status 0 "run-$cxx-$s.txt" "$prog" run "$scenarios/$s.ini" --driver "$tmp/$cxx/cxx-clean.so"
	done
done
grep -h '^verdict' "run-g++-playback.txt"

echo "== explore cxx-clean.so with the defaults"
for s in $EXPLORE_CLEAN; do
	mkdir -p "traces-clean-$s"
	want_status 0 "explore-clean-$s.txt" "$prog" explore "$scenarios/$s.ini" --quiet \
		--trace-dir "traces-clean-$s" --driver "$tmp/g++/cxx-clean.so"
	head -n 1 "explore-clean-$s.txt"
done
mkdir -p traces-clean-cancel-race
want_status 0 explore-clean-cancel-race.txt "$prog" explore "$tmp/g++/cancel-race.ini" --quiet \
	--trace-dir traces-clean-cancel-race
head -n 1 explore-clean-cancel-race.txt

# A rate change on the paused pin reaches the stream's SetFormat, which takes
# it; the position after it is judged at the new rate.
echo "== a rate change: SetFormat at 44100 Hz"
mkdir -p traces-rate-change
want_status 0 explore-rate-change.txt "$prog" explore "$tmp/g++/rate-change.ini" --quiet \
	--trace-dir traces-rate-change
want_status 0 run-rate-change.txt "$prog" run "$tmp/g++/rate-change.ini" --log rate-change.log
grep -q 'port: SetFormat(44100 Hz, was 48000 Hz) = 0x00000000' rate-change.log ||
	fail "the rate change did not reach SetFormat, or was refused"
head -n 1 explore-rate-change.txt

# ---- the planted bugs: found by explore with the defaults, replayed exactly -----------------

while IFS=: read -r bug s checker; do
	case "$s" in @/*) s=$tmp/g++/${s#@/} ;; esac
	echo "== explore $bug.so on ${s##*/}"
	mkdir -p "traces-$bug"
	want_status 1 "explore-$bug.txt" "$prog" explore "$s" --quiet \
		--trace-dir "traces-$bug" --driver "$tmp/g++/$bug.so"
	first=$(grep '^first failure:' "explore-$bug.txt" || true)
	echo "$first"
	found=
	for c in $(echo "$checker" | tr '|' ' '); do
		case "$first" in *"checker $c") found=$c ;; esac
	done
	[ -n "$found" ] || fail "$bug was not found as $checker: $first"
	trace=$(ls "traces-$bug"/*.trace)
	[ "$(echo "$trace" | wc -l)" -eq 1 ] || fail "explore wrote no trace for $bug, or several: $trace"
	want_status 1 "replay-$bug.txt" "$prog" replay "$trace"
	grep -q '^replay: exact' "replay-$bug.txt" || fail "the replay of $trace was not exact"
	tail -n 1 "replay-$bug.txt"
done <<BUGLIST
$BUGS
BUGLIST

# ---- play: a voice through the clean driver --------------------------------------------------

echo "== play front_center.wav through cxx-clean.so"
wav=$top/fixtures/audio/front_center.wav
want_status 0 play.txt env SDL_AUDIODRIVER=dummy "$prog" play "$wav" --no-listen \
	--driver "$tmp/g++/cxx-clean.so" --out cxx.wav
cat play.txt
want_status 0 play-ref.txt env SDL_AUDIODRIVER=dummy "$prog" play "$wav" --no-listen \
	--out reference.wav
cmp -s cxx.wav reference.wav || fail "cxx-clean.so plays otherwise than the reference driver"

echo "cxx_example: built out of tree with g++ and clang++, run, explored, replayed and played ($(($(date +%s) - start)) s)"
