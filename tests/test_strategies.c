/*
 * tools/strategies: what a seed runs under each choice, the portfolio's
 * classes, a seed of explore rerun by `run`, and the delay-bounded
 * enumeration's account of what it covered.
 */
#include <check.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "prog.h"
#include "runs.h"
#include "scenario_file.h"
#include "strategies.h"

#define SCENARIO "fixtures/scenarios/lost-wakeup-0.ini"

START_TEST(portfolio_classes_are_its_distinct_members)
{
	/* Goal: every class of the portfolio has its own name, a seed's class
	 * names the strategy the seed runs, and every class runs somewhere in
	 * the portfolio's cycle. */
	struct calibration cal = { 500, 60 };
	unsigned n = strategy_class_count(CHOICE_PORTFOLIO);
	ck_assert_uint_ge(n, 2);
	ck_assert_uint_le(n, STRATEGY_CLASSES_MAX);
	char names[STRATEGY_CLASSES_MAX][24];
	for (unsigned c = 0; c < n; c++) {
		strategy_class_name(CHOICE_PORTFOLIO, 0, c, names[c], sizeof(names[c]));
		for (unsigned d = 0; d < c; d++)
			ck_assert_str_ne(names[c], names[d]);
	}
	bool used[STRATEGY_CLASSES_MAX] = { false };
	for (uint64_t seed = 0; seed < 64; seed++) {
		unsigned c = strategy_class_of(CHOICE_PORTFOLIO, seed);
		ck_assert_uint_lt(c, n);
		used[c] = true;
		struct strategy st = strategy_for_seed(CHOICE_PORTFOLIO, 0, seed, &cal);
		char text[64];
		strategy_format(&st, text, sizeof(text));
		ck_assert_msg(strncmp(text, names[c], strlen(names[c])) == 0,
			      "seed %" PRIu64 " runs '%s' but its class is '%s'", seed, text, names[c]);
	}
	for (unsigned c = 0; c < n; c++) {
		ck_assert_msg(used[c], "class %s never runs", names[c]);
		/* The class's strategy is the one its name says. */
		struct strategy st = strategy_of_class(CHOICE_PORTFOLIO, 0, c, &cal);
		char text[64];
		strategy_format(&st, text, sizeof(text));
		ck_assert_msg(strncmp(text, names[c], strlen(names[c])) == 0, "class %s is '%s'",
			      names[c], text);
	}
}
END_TEST

START_TEST(single_choices_are_one_class)
{
	/* Goal: a single choice is its own one class, sized by the
	 * calibration it is given. */
	struct calibration cal = { 500, 60 };
	static const enum strategy_choice choices[] = { CHOICE_RANDOM, CHOICE_PCT, CHOICE_POS,
							 CHOICE_DELAY_BOUNDED };
	static const char *const names[] = { "random", "pct depth=2", "pos", "delay-bounded" };
	for (size_t i = 0; i < sizeof(choices) / sizeof(choices[0]); i++) {
		ck_assert_uint_eq(strategy_class_count(choices[i]), 1);
		ck_assert_uint_eq(strategy_class_of(choices[i], 17), 0);
		char name[24];
		strategy_class_name(choices[i], 2, 0, name, sizeof(name));
		ck_assert_str_eq(name, names[i]);
		struct strategy st = strategy_for_seed(choices[i], 2, 17, &cal);
		if (choices[i] == CHOICE_DELAY_BOUNDED)
			ck_assert_uint_eq(st.choice_points, 60);
		else
			ck_assert_uint_eq(st.pct_steps, 500);
	}
	enum strategy_choice c;
	ck_assert(strategy_choice_parse("delay-bounded", &c) && c == CHOICE_DELAY_BOUNDED);
	ck_assert(!strategy_choice_parse("dfs", &c));
}
END_TEST

/* Loads SCENARIO into *sf and measures its calibration. */
static struct calibration load_calibrated(struct scenario_file *sf)
{
	char err[1200];
	ck_assert_msg(scenario_file_load(SCENARIO, sf, err, sizeof(err)) == 0, "%s", err);
	struct calibration cal;
	const char *why = NULL;
	ck_assert_msg(calibrate(sf, &cal, &why) == 0, "%s", why);
	return cal;
}

/* The event-log hash a command printed. */
static bool hash_in(const char *out, char *hash, size_t len)
{
	const char *h = strstr(out, "event-log hash: ");
	return h != NULL && sscanf(h, "event-log hash: %31s", hash) == 1 && len > 0;
}

START_TEST(run_reruns_what_explore_ran)
{
	/* Goal: `run --seed N --strategy S` is explore's seed N under S, for
	 * every choice: the same event-log hash as a trace explore would
	 * record, whatever seeds surround it. */
	static const char *const choices[] = { "portfolio", "random", "pct", "pos", "delay-bounded" };
	struct scenario_file sf;
	struct calibration cal = load_calibrated(&sf);
	const char *why = NULL;
	for (size_t i = 0; i < sizeof(choices) / sizeof(choices[0]); i++) {
		enum strategy_choice c;
		ck_assert(strategy_choice_parse(choices[i], &c));
		for (uint64_t seed = 5; seed <= 7; seed++) {
			struct strategy st = strategy_for_seed(c, 3, seed, &cal);
			struct scenario_outcome out;
			ck_assert_int_eq(runs_one(&sf, &st, seed, NULL, NULL, NULL, &out, NULL, &why), 0);
			char seed_text[24], want[40], got[32] = "";
			snprintf(seed_text, sizeof(seed_text), "%" PRIu64, seed);
			snprintf(want, sizeof(want), "0x%016" PRIx64, out.result.evlog_hash);
			static struct prog_result r;
			prog_run(&r, (const char *const[]){ "run", SCENARIO, "--seed", seed_text,
							    "--strategy", choices[i], NULL },
				 NULL);
			ck_assert_msg(hash_in(r.out, got, sizeof(got)), "%s", r.out);
			ck_assert_msg(strcmp(got, want) == 0, "%s seed %s: run says %s, the seed is %s",
				      choices[i], seed_text, got, want);
		}
	}
	scenario_file_free(&sf);
}
END_TEST

START_TEST(delay_bounded_says_what_it_exhausted)
{
	/* Goal: explore --strategy delay-bounded from seed 0 says which delay
	 * bound its seeds exhausted, and how far into the next it got. */
	struct scenario_file sf;
	struct calibration cal = load_calibrated(&sf);
	scenario_file_free(&sf);
	uint64_t one = delay_bounded_schedules(cal.choice_points, 1);
	char runs[24], want[160];
	snprintf(runs, sizeof(runs), "%" PRIu64, one + 3);
	static struct prog_result r;
	prog_run(&r, (const char *const[]){ "explore", SCENARIO, "--strategy", "delay-bounded",
					    "--runs", runs, "-q", NULL },
		 NULL);
	ck_assert_msg(r.status == 0, "exit %d\n%s%s", r.status, r.out, r.err);
	snprintf(want, sizeof(want),
		 "delay-bounded: every schedule with at most 1 delay over %" PRIu64
		 " choice points ran (%" PRIu64 "); of those with 2, 3 of %" PRIu64 "\n",
		 cal.choice_points, one, delay_bounded_schedules(cal.choice_points, 2) - one);
	ck_assert_msg(strstr(r.out, want) != NULL, "want: %s\n%s", want, r.out);
	ck_assert_msg(strstr(r.out, ": 0..") == NULL, "%s", r.out);
}
END_TEST

Suite *suite_strategies(void);
Suite *suite_strategies(void)
{
	Suite *s = suite_create("tools/strategies");
	TCase *tc = tcase_create("strategies");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, portfolio_classes_are_its_distinct_members);
	tcase_add_test(tc, single_choices_are_one_class);
	tcase_add_test(tc, run_reruns_what_explore_ran);
	tcase_add_test(tc, delay_bounded_says_what_it_exhausted);
	suite_add_tcase(s, tc);
	return s;
}
