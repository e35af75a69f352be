/*
 * A replay that goes on past its recording (decider_init_replay_then, for
 * `replay --continue`): the recorded decisions come back as recorded and
 * checked as a replay checks them, and from the first decision past the
 * recording the strategy and seed it was given decide, as a fresh decider
 * of theirs would from its own start.
 */
#include <check.h>
#include <string.h>

#include "decide.h"

static uint64_t hash_of(uint64_t i)
{
	return 0x2000 + i * 0x9e3779b97f4a7c15ull;
}

/* Decision i of a mixed workload: data choices and scheduling choices. */
static uint32_t step(struct decider *d, uint64_t i)
{
	static const uint32_t agents[] = { 2, 0, 1, 3, 4 };
	if (i % 4 == 0)
		return decide_uniform(d, SITE_STALL, (uint32_t)(3 + i % 5), hash_of(i));
	return decide_schedule(d, (uint32_t)(2 + i % 3), &agents[i % 2], hash_of(i));
}

enum { RECORDED = 300, AFTER = 500 };

START_TEST(replays_then_hands_over)
{
	/* Goal: for random walk and PCT alike, the first RECORDED choices are
	 * the recording's, handed_over_step is RECORDED, and the next AFTER
	 * choices are those a fresh decider of the continuation's strategy and
	 * seed makes when asked the same questions from its start; the run
	 * never diverges. */
	const struct strategy cont[] = {
		{ .kind = STRATEGY_RANDOM },
		{ .kind = STRATEGY_PCT, .pct_depth = 3, .pct_steps = 200 },
		{ .kind = STRATEGY_POS, .pct_steps = 200 },
	};
	for (size_t s = 0; s < sizeof(cont) / sizeof(cont[0]); s++) {
		struct decider rec, cont_alone, rep;
		decider_init(&rec, &(struct strategy){ .kind = STRATEGY_RANDOM }, 5);
		uint32_t want[RECORDED];
		for (uint64_t i = 0; i < RECORDED; i++)
			want[i] = step(&rec, i);
		decider_init(&cont_alone, &cont[s], 9);
		decider_init_replay_then(&rep, &rec.recorded, &cont[s], 9);
		ck_assert_uint_eq(rep.handed_over_step, UINT64_MAX);
		for (uint64_t i = 0; i < RECORDED; i++)
			ck_assert_uint_eq(step(&rep, i), want[i]);
		ck_assert_uint_eq(rep.handed_over_step, UINT64_MAX);
		for (uint64_t i = RECORDED; i < RECORDED + AFTER; i++) {
			/* The continuation answers the same question; the decider
			 * alone is asked it as its own decision i - RECORDED. */
			uint32_t got = step(&rep, i);
			ck_assert_uint_eq(rep.handed_over_step, RECORDED);
			uint32_t alone = i % 4 == 0
				? decide_uniform(&cont_alone, SITE_STALL, (uint32_t)(3 + i % 5), 0)
				: decide_schedule(&cont_alone, (uint32_t)(2 + i % 3),
						  &(const uint32_t[]){ 2, 0, 1, 3, 4 }[i % 2], 0);
			ck_assert_msg(got == alone, "strategy %zu decision %llu: %u against %u", s,
				      (unsigned long long)i, got, alone);
		}
		ck_assert(!decider_diverged(&rep));
		ck_assert_uint_eq(rep.recorded.count, RECORDED + AFTER);
		ck_assert_uint_eq(rep.recorded.items[RECORDED].step, RECORDED);
		decider_free(&rep);
		decider_free(&cont_alone);
		decider_free(&rec);
	}
}
END_TEST

START_TEST(prefix_still_checked)
{
	/* Goal: the recorded part is checked as a replay checks it: a run
	 * whose events differ before a recorded decision diverges there, and
	 * never hands over to the continuation. */
	struct decider rec, rep;
	decider_init(&rec, &(struct strategy){ .kind = STRATEGY_RANDOM }, 5);
	for (uint64_t i = 0; i < RECORDED; i++)
		step(&rec, i);
	decider_init_replay_then(&rep, &rec.recorded, &(struct strategy){ .kind = STRATEGY_RANDOM },
				 9);
	for (uint64_t i = 0; i < 100; i++)
		step(&rep, i);
	decide_uniform(&rep, SITE_STALL, 3, 12345);	/* decision 100, after other events */
	ck_assert(decider_diverged(&rep));
	ck_assert_uint_eq(rep.divergence.step, 100);
	for (uint64_t i = 101; i < RECORDED + 10; i++)
		step(&rep, i);
	ck_assert_uint_eq(rep.handed_over_step, UINT64_MAX);
	decider_free(&rep);
	decider_free(&rec);
}
END_TEST

START_TEST(empty_recording_is_the_continuation)
{
	/* Goal: with nothing recorded, the continuation decides from the
	 * first decision: the same choices as the strategy and seed alone. */
	struct decision_log none = { 0 };
	struct decider rep, alone;
	const struct strategy pct = { .kind = STRATEGY_PCT, .pct_depth = 2, .pct_steps = 50 };
	decider_init_replay_then(&rep, &none, &pct, 3);
	decider_init(&alone, &pct, 3);
	for (uint64_t i = 0; i < 200; i++)
		ck_assert_uint_eq(step(&rep, i), step(&alone, i));
	ck_assert_uint_eq(rep.handed_over_step, 0);
	decider_free(&rep);
	decider_free(&alone);
}
END_TEST

Suite *suite_decide_continue(void);

Suite *suite_decide_continue(void)
{
	Suite *s = suite_create("harness/decide-continue");
	TCase *tc = tcase_create("continue");
	tcase_add_test(tc, replays_then_hands_over);
	tcase_add_test(tc, prefix_still_checked);
	tcase_add_test(tc, empty_recording_is_the_continuation);
	suite_add_tcase(s, tc);
	return s;
}
