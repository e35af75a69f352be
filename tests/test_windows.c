/*
 * The race windows (harness/windows.h): the search reaches every window of
 * the catalogue. Every bundled scenario (the .ini files of fixtures/scenarios, the
 * reference driver) runs under explore's default portfolio for a budget of
 * seeds; together the runs must reach each window at least once, and each
 * window's mark must be what the run reports. A window no run reaches is
 * a part of the catalogue the bundled scenarios do not exercise, or a
 * search that does not get there.
 *
 * AC97SIM_WINDOW_SEEDS overrides the seeds per scenario (default 300: the
 * rarest window, a GetMapping that succeeds while a revoke rebuilds the
 * list, took 150 to 300 when this was written).
 */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runs.h"
#include "strategies.h"
#include "windows.h"

#define SCENARIOS "fixtures/scenarios"

static uint64_t seeds_per_scenario(void)
{
	const char *env = getenv("AC97SIM_WINDOW_SEEDS");
	long n = env != NULL ? strtol(env, NULL, 10) : 0;
	return n > 0 ? (uint64_t)n : 300;
}

static int ini_only(const struct dirent *e)
{
	size_t n = strlen(e->d_name);
	return n > 4 && strcmp(e->d_name + n - 4, ".ini") == 0;
}

START_TEST(every_window_is_reached)
{
	/* Goal: under the default portfolio, the bundled scenarios reach
	 * every race window of the catalogue; the reference passes them. */
	struct dirent **names = NULL;
	int n = scandir(SCENARIOS, &names, ini_only, alphasort);
	ck_assert_int_gt(n, 0);
	uint64_t reached = 0, runs = 0;
	uint64_t per_window[WINDOW_COUNT] = { 0 };
	for (int i = 0; i < n; i++) {
		char path[512], err[1200];
		snprintf(path, sizeof(path), SCENARIOS "/%s", names[i]->d_name);
		struct scenario_file sf;
		ck_assert_msg(scenario_file_load(path, &sf, err, sizeof(err)) == 0, "%s", err);
		const char *why = NULL;
		struct calibration cal;
		ck_assert_msg(calibrate(&sf, &cal, &why) == 0, "%s: %s", path, why);
		for (uint64_t seed = 1; seed <= seeds_per_scenario(); seed++) {
			struct strategy st = strategy_for_seed(CHOICE_PORTFOLIO, 0, seed, &cal);
			struct scenario_outcome out;
			ck_assert_int_eq(runs_one(&sf, &st, seed, NULL, NULL, NULL, &out, NULL, &why), 0);
			ck_assert_msg(out.result.verdict == RUN_PASS, "%s seed %llu: %s %s: %s", path,
				      (unsigned long long)seed, run_verdict_name(out.result.verdict),
				      out.result.checker, out.result.message);
			reached |= out.result.windows_hit;
			for (unsigned w = 0; w < WINDOW_COUNT; w++)
				per_window[w] += (out.result.windows_hit >> w) & 1u;
			runs++;
		}
		scenario_file_free(&sf);
		free(names[i]);
	}
	free(names);
	char missing[1024] = "";
	size_t o = 0;
	for (unsigned w = 0; w < WINDOW_COUNT; w++)
		if (!(reached & (UINT64_C(1) << w))) {
			int k = snprintf(missing + o, sizeof(missing) - o, " %s", race_windows[w].name);
			if (k > 0 && (size_t)k < sizeof(missing) - o)
				o += (size_t)k;
		}
	ck_assert_msg(missing[0] == '\0', "%llu runs never reached:%s", (unsigned long long)runs,
		      missing);
}
END_TEST

START_TEST(window_names_are_the_registry)
{
	/* Goal: every window has a unique name that race_window_by_name finds,
	 * and an unknown name (a plug-in's own mark) is no window. */
	for (unsigned w = 0; w < WINDOW_COUNT; w++) {
		ck_assert_int_eq(race_window_by_name(race_windows[w].name), w);
		ck_assert_uint_gt(race_windows[w].catalogue_entry, 0);
		ck_assert_uint_le(race_windows[w].catalogue_entry, 22);
	}
	ck_assert_int_eq(race_window_by_name("my-own-window"), WINDOW_COUNT);
}
END_TEST

Suite *suite_windows(void);
Suite *suite_windows(void)
{
	Suite *s = suite_create("harness/windows");
	TCase *tc = tcase_create("windows");
	tcase_add_test(tc, window_names_are_the_registry);
	tcase_add_test(tc, every_window_is_reached);
	tcase_set_timeout(tc, 900);
	suite_add_tcase(s, tc);
	return s;
}
