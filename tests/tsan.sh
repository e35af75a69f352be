#!/bin/sh
# make tsan: ThreadSanitizer on the native backend.
#   1. the reference driver runs clean (no report) over several scenarios;
#   2. the planted-race plug-in (tests/plugins/planted_race.c) is reported,
#      at its unlocked field;
#   3. the deterministic machine passes that plug-in: it runs one CPU at a
#      time and switches only at kernel calls, so the unlocked read and
#      write back are never torn apart, and no checker reads the field.
# Usage: tests/tsan.sh TSAN_BUILD PLAIN_BUILD
set -eu
tsan=$1
plain=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
export TSAN_OPTIONS="halt_on_error=0 exitcode=66 second_deadlock_stack=1"
fail=0

# A verdict that rests on host time (a spin, a wait or a stream that did not
# move for seconds of host time) can come from the host under TSan, which
# slows every thread several times over: such a verdict is run again at 1x
# before it counts, as tests/test_native.c does. A TSan report always
# counts.
for scen in plain-0 coalesced-0 two-producers revoke-running-1 dsound-3 capture-pi-1 stop-restart-4; do
	status=0
	"$tsan/ac97sim" run "fixtures/scenarios/$scen.ini" --backend native --scale 5 \
		--iterations 3 >"$tmp/out" 2>"$tmp/err" || status=$?
	if [ "$status" -eq 1 ] && ! grep -q "ThreadSanitizer" "$tmp/err" &&
		grep -q '^verdict: fail (\(deadlock\|stall\|hang\))' "$tmp/out"; then
		echo "tsan: $scen: $(grep -m 1 '^verdict:' "$tmp/out") at 5x; again at 1x"
		status=0
		"$tsan/ac97sim" run "fixtures/scenarios/$scen.ini" --backend native --scale 1 \
			--iterations 3 >"$tmp/out" 2>"$tmp/err" || status=$?
	fi
	if [ "$status" -ne 0 ]; then
		echo "tsan: FAILED: the reference driver on $scen (exit $status)"
		cat "$tmp/out" "$tmp/err"
		fail=1
	elif grep -q "ThreadSanitizer" "$tmp/err"; then
		echo "tsan: FAILED: ThreadSanitizer reported on the reference driver ($scen)"
		cat "$tmp/err"
		fail=1
	else
		echo "tsan: reference driver clean on $scen"
	fi
done

# The race needs two Services in their unlocked window at once (a Notify
# while one runs): coalesced-0 interrupts every 1.3 ms of audio. Up to 5
# tries of 10 iterations, stopping at the first report (a verdict, not a
# time).
reported=0
for try in 1 2 3 4 5; do
	"$tsan/ac97sim" run fixtures/scenarios/coalesced-0.ini --backend native --scale 5 \
		--iterations 10 --driver "$tsan/tests/plugins/planted_race.so" \
		>"$tmp/out" 2>"$tmp/err" || true
	if grep -q "WARNING: ThreadSanitizer: data race" "$tmp/err" &&
		grep -q "planted_race.c" "$tmp/err"; then
		reported=1
		break
	fi
done
if [ $reported = 1 ]; then
	echo "tsan: the planted race is reported (try $try):"
	grep -m 3 "SUMMARY\|planted_race.c" "$tmp/err" | sed 's/^/  /'
else
	echo "tsan: FAILED: no report of the planted race in 5 tries"
	tail -40 "$tmp/err"
	fail=1
fi

if "$plain/ac97sim" explore fixtures/scenarios/coalesced-0.ini --runs 200 --quiet \
	--driver "$plain/tests/plugins/planted_race.so" --trace-dir "$tmp" >"$tmp/out" 2>&1; then
	echo "tsan: the deterministic machine passes the planted race (200 schedules): it cannot see it"
else
	echo "tsan: FAILED: the deterministic machine failed the planted-race driver"
	cat "$tmp/out"
	fail=1
fi
exit $fail
