/*
 * test_simtime.c - the unit conversions every other file relies on: exact at
 * whole milliseconds, rounding in the documented direction below that, and
 * no overflow for times far beyond any run.
 */
#include <check.h>
#include <stdint.h>

#include "simtime.h"

/* One millisecond is 12288 ticks, 48 frames, 1000 us and 10000 x 100 ns. */
START_TEST(whole_milliseconds_exact)
{
	for (uint64_t ms = 0; ms < 5000; ms += 7) {
		sim_ticks_t t = ms * 12288u;
		ck_assert_uint_eq(sim_us_to_ticks(ms * 1000u), t);
		ck_assert_uint_eq(sim_ticks_to_us(t), ms * 1000u);
		ck_assert_uint_eq(sim_100ns_to_ticks(ms * 10000u), t);
		ck_assert_uint_eq(sim_ticks_to_100ns(t), ms * 10000u);
		ck_assert_uint_eq(sim_ticks_to_100ns_ceil(t), ms * 10000u);
		ck_assert_uint_eq(sim_ticks_to_frames(t), ms * 48u);
		ck_assert_uint_eq(sim_frames_to_ticks(ms * 48u), t);
	}
}
END_TEST

/* Below a millisecond: floor conversions never overshoot, the ceil one never
 * undershoots, and both sit within one unit of the exact value. */
START_TEST(sub_millisecond_rounding)
{
	for (sim_ticks_t t = 0; t < 3u * 12288u; t++) {
		uint64_t lo = sim_ticks_to_100ns(t), hi = sim_ticks_to_100ns_ceil(t);
		/* exact = t * 10000 / 12288, compared without division */
		ck_assert_uint_le(lo * 12288u, t * 10000u);
		ck_assert_uint_gt((lo + 1) * 12288u, t * 10000u);
		ck_assert_uint_ge(hi * 12288u, t * 10000u);
		ck_assert_uint_le(hi - lo, 1);
		ck_assert_uint_eq(hi == lo, t * 10000u % 12288u == 0);
		/* A wait converted up and back is never shorter than asked. */
		ck_assert_uint_ge(sim_100ns_to_ticks(hi) + 1, t);
		ck_assert_uint_eq(sim_ticks_to_frames_ceil(t),
				  t / 256u + (t % 256u != 0));
	}
	for (uint64_t t100 = 0; t100 < 30000u; t100++) {
		sim_ticks_t t = sim_100ns_to_ticks(t100);
		ck_assert_uint_le(t * 10000u, t100 * 12288u);
		ck_assert_uint_gt((t + 1) * 10000u, t100 * 12288u);
	}
}
END_TEST

/* A century of simulated time does not overflow any conversion: the
 * whole-millisecond part is scaled separately from the remainder. */
START_TEST(long_runs_do_not_overflow)
{
	const uint64_t century_s = 100ull * 365 * 24 * 3600;
	sim_ticks_t t = century_s * SIM_TICKS_PER_SECOND + 12287u;
	ck_assert_uint_eq(sim_ticks_to_us(t), century_s * 1000000u + 999u);
	ck_assert_uint_eq(sim_ticks_to_100ns(t), century_s * 10000000u + 9999u);
	ck_assert_uint_eq(sim_ticks_to_100ns_ceil(t), century_s * 10000000u + 10000u);
	ck_assert_uint_eq(sim_100ns_to_ticks(century_s * 10000000u), century_s * SIM_TICKS_PER_SECOND);
	ck_assert_uint_eq(sim_us_to_ticks(century_s * 1000000u), century_s * SIM_TICKS_PER_SECOND);
}
END_TEST

/* Nanoseconds (waveform times): the nearest ns to the exact value, and
 * the tick comes back from it exactly, at small times and at the clock's
 * horizon. */
START_TEST(nanoseconds_round_trip)
{
	for (sim_ticks_t t = 0; t < 4u * 12288u; t++) {
		uint64_t ns = sim_ticks_to_ns_round(t);
		/* |ns - t * 15625 / 192| <= 1/2, without division */
		uint64_t exact192 = t * 15625u, ns192 = ns * 192u;
		ck_assert_uint_le(ns192 > exact192 ? ns192 - exact192 : exact192 - ns192, 96u);
		ck_assert_uint_eq(sim_ns_to_ticks_round(ns), t);
	}
	ck_assert_uint_eq(sim_ticks_to_ns_round(SIM_TICKS_PER_SECOND), 1000000000u);
	ck_assert_uint_eq(sim_ticks_to_ns_round(1), 81u);
	ck_assert_uint_eq(sim_ticks_to_ns_round(3), 244u);	/* 244.14 */
	for (sim_ticks_t t = SIM_TICKS_HORIZON - 5000u; t <= SIM_TICKS_HORIZON; t++)
		ck_assert_uint_eq(sim_ns_to_ticks_round(sim_ticks_to_ns_round(t)), t);
}
END_TEST

Suite *suite_simtime(void);

Suite *suite_simtime(void)
{
	Suite *s = suite_create("simtime");
	TCase *tc = tcase_create("conversions");
	tcase_add_test(tc, whole_milliseconds_exact);
	tcase_add_test(tc, sub_millisecond_rounding);
	tcase_add_test(tc, long_runs_do_not_overflow);
	tcase_add_test(tc, nanoseconds_round_trip);
	suite_add_tcase(s, tc);
	return s;
}
