/*
 * The historical driver bugs (docs/wavepci.md, "Historical bugs"): for each variant's scenario in
 * fixtures/scenarios/bugs, `ac97sim explore` with its defaults finds the
 * bug within a stated budget of schedules and names the checker that
 * catches it, the trace it writes replays to the same failure, and the
 * reference driver passes the same scenario under the same schedules.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "name_list.h"
#include "prog.h"
#include "runs.h"
#include "strategies.h"

#define BUGS "fixtures/scenarios/bugs"
/* The reference's budget: explore's defaults run up to 1000 schedules,
 * which the variants are found within (explore stops at the first). */
#define BUDGET 400u

static const struct {
	const char *variant;
	const char *checkers;	/* the checkers that may catch it, '|' between */
} variants[] = {
	{ "ddk1999-lock-held", "lock-across-port-call" },
	{ "wdk81-revoke-unsuccessful", "revoke-failed" },
	{ "wdk81-revoke-resets-dma", "audio-conservation" },
	{ "wdk81-single-entry-revoke", "release-revoked|revoke-count" },
	{ "wdk81-two-producers", "bugcheck|audio-conservation|tag-reuse" },
	{ "reactos-revoke-short", "dma-after-release|revoke-count" },
	{ "reactos-slot-tags", "tag-reuse" },
	{ "lost-wakeup", "stall" },
	{ "release-while-held", "dma-after-release|release-unknown" },
	{ "stale-tail", "bugcheck|dma-after-release" },
	{ "hang-last", "hang" },
};

START_TEST(explore_finds_each_variant)
{
	/* Goal: explore --driver VARIANT (its defaults) fails each bug
	 * scenario with a checker that names the variant's bug, and its trace
	 * replays exactly to the same failure. */
	char dir[] = "/tmp/ac97sim-variants-XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	for (size_t i = 0; i < sizeof(variants) / sizeof(variants[0]); i++) {
		char scen[256];
		snprintf(scen, sizeof(scen), BUGS "/%s.ini", variants[i].variant);
		static struct prog_result r;
		prog_run(&r, (const char *const[]){ "explore", scen, "--driver", variants[i].variant,
						    "--trace-dir", dir, NULL },
			 NULL);
		ck_assert_msg(r.status == 1, "%s: exit %d\n%s%s", scen, r.status, r.out, r.err);
		char checker[64] = "", trace[512] = "";
		const char *f = strstr(r.out, "checker ");
		ck_assert_ptr_nonnull(f);
		ck_assert_int_eq(sscanf(f, "checker %63s", checker), 1);
		ck_assert_msg(name_in_list(checker, variants[i].checkers), "%s: caught by %s, want %s", scen,
			      checker, variants[i].checkers);
		char want[512];
		snprintf(want, sizeof(want), "replay it: %s replay ", prog_path());
		const char *cmd = strstr(r.out, want);
		ck_assert_msg(cmd != NULL, "%s", r.out);
		ck_assert_int_eq(sscanf(cmd + strlen(want), "%511s", trace), 1);
		prog_run(&r, (const char *const[]){ "replay", trace, NULL }, NULL);
		ck_assert_msg(r.status == 1, "%s: replay exit %d\n%s", trace, r.status, r.out);
		ck_assert_ptr_nonnull(strstr(r.out, "replay: exact"));
		char verdict[96];
		snprintf(verdict, sizeof(verdict), "verdict: fail (%s)", checker);
		ck_assert_msg(strstr(r.out, verdict) != NULL, "%s\n%s", trace, r.out);
		unlink(trace);
	}
	rmdir(dir);
}
END_TEST

START_TEST(reference_passes_the_same_budget)
{
	/* Goal: the reference driver passes every bug scenario under the same
	 * 400 schedules explore's defaults would run (seeds 1..400, the
	 * portfolio of random walk and PCT 1-3). */
	for (size_t i = 0; i < sizeof(variants) / sizeof(variants[0]); i++) {
		char scen[256], err[600];
		snprintf(scen, sizeof(scen), BUGS "/%s.ini", variants[i].variant);
		struct scenario_file sf;
		ck_assert_msg(scenario_file_load(scen, &sf, err, sizeof(err)) == 0, "%s", err);
		ck_assert_int_eq(scenario_set_driver(&sf.sc, "reference", err, sizeof(err)), 0);
		struct scenario_outcome out;
		const char *why = NULL;
		struct calibration cal;
		ck_assert_msg(calibrate(&sf, &cal, &why) == 0, "%s: %s", scen, why);
		for (uint64_t seed = 1; seed <= BUDGET; seed++) {
			struct strategy st = strategy_for_seed(CHOICE_PORTFOLIO, 0, seed, &cal);
			ck_assert_int_eq(runs_one(&sf, &st, seed, NULL, NULL, NULL, &out, NULL, &why), 0);
			ck_assert_msg(out.result.verdict == RUN_PASS, "%s with the reference driver, seed %llu: %s: %s",
				      scen, (unsigned long long)seed, out.result.checker, out.result.message);
		}
		scenario_file_free(&sf);
	}
}
END_TEST

Suite *suite_variants(void);
Suite *suite_variants(void)
{
	Suite *s = suite_create("fixtures/variants");
	TCase *tc = tcase_create("found");
	tcase_add_test(tc, explore_finds_each_variant);
	tcase_add_test(tc, reference_passes_the_same_budget);
	tcase_set_timeout(tc, 300);
	suite_add_tcase(s, tc);
	return s;
}
