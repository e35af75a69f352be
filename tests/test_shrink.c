/*
 * harness/shrink and `ac97sim shrink`, `replay --fork-at`: a failing run of
 * each driver variant shrinks to a run that fails with the same checker,
 * replays exactly and departs from the default at most as often as the
 * bug needs; a fork replays a prefix and decides the rest anew.
 */
#include <check.h>
#include <stdlib.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "drivers.h"
#include "prog.h"
#include "runs.h"
#include "scenario_file.h"
#include "shrink.h"
#include "strategies.h"

#define BUGS "fixtures/scenarios/bugs"
#define ATTEMPTS 5000u

/* The most departures a variant's shrunk run may keep, where the bug needs
 * more than three (and why). */
static const struct {
	const char *variant;
	uint32_t most;
} needs_more[] = {
	/* The release must land between the port's choice of range and the
	 * revoke, with the interrupt that completes the mapping taken late:
	 * three interleavings and one latency. */
	{ "wdk81-single-entry-revoke", 4 },
	/* A consumer near the end of a buffer: a swarm fault (the kinds on,
	 * how many, when and how long: a decision each) holds the interrupt
	 * or stalls the bus until the FIFO's margin is crossed. */
	{ "release-while-held", 6 },
	/* The producer must be inside GetMapping when a consumer releases:
	 * a delay (how many, where, how long) and a fault. */
	{ "stale-tail", 5 },
};

static uint32_t allowed(const char *variant)
{
	for (size_t i = 0; i < sizeof(needs_more) / sizeof(needs_more[0]); i++)
		if (strcmp(needs_more[i].variant, variant) == 0)
			return needs_more[i].most;
	return 3;
}

/* The first failing seed of explore's defaults, its strategy and decisions. */
static uint64_t first_failure(const struct scenario_file *sf, struct strategy *st,
			      struct decision_log *log, struct scenario_outcome *out)
{
	struct calibration cal;
	const char *why = NULL;
	ck_assert_msg(calibrate(sf, &cal, &why) == 0, "%s", why);
	for (uint64_t seed = 1; seed <= 1000; seed++) {
		*st = strategy_for_seed(CHOICE_PORTFOLIO, 0, seed, &cal);
		decision_log_free(log);
		ck_assert_int_eq(runs_one(sf, st, seed, NULL, NULL, NULL, out, log, &why), 0);
		if (out->result.verdict == RUN_FAIL)
			return seed;
	}
	ck_abort_msg("%s: no failure in 1000 seeds", sf->path);
	return 0;
}

START_TEST(each_variant_shrinks)
{
	/* Goal: variant _i's first failing run under explore's defaults
	 * shrinks to one that fails with the same checker, replays exactly,
	 * and departs from the default at most 3 times (or as listed above). */
	const struct ac97sim_driver *drv = builtin_drivers[1 + _i];
	char path[256], err[1200];
	snprintf(path, sizeof(path), BUGS "/%s.ini", drv->name);
	struct scenario_file sf;
	ck_assert_msg(scenario_file_load(path, &sf, err, sizeof(err)) == 0, "%s", err);
	struct strategy st;
	struct decision_log log = { 0 }, shrunk = { 0 };
	struct scenario_outcome out, small;
	uint64_t seed = first_failure(&sf, &st, &log, &out);
	struct shrink_stats stats;
	const char *why = NULL;
	ck_assert_msg(shrink_run(&sf.sc, &st, seed, &log, out.result.checker, ATTEMPTS, &shrunk,
				 &small, &stats, &why) == 0,
		      "%s: %s", drv->name, why);
	ck_assert_str_eq(small.result.checker, out.result.checker);
	ck_assert_uint_le(stats.departs_after, stats.departs_before);
	ck_assert_msg(stats.departs_after <= allowed(drv->name),
		      "%s: %" PRIu32 " departures left (of %" PRIu32 ")", drv->name,
		      stats.departs_after, stats.departs_before);
	ck_assert_uint_eq(shrink_departures(&shrunk, NULL), stats.departs_after);
	struct scenario_outcome again;
	ck_assert_int_eq(runs_one(&sf, &stats.strategy, stats.seed, &shrunk, NULL, NULL, &again,
				  NULL, &why),
			 0);
	ck_assert_int_eq(again.result.verdict, RUN_FAIL);
	ck_assert_str_eq(again.result.checker, out.result.checker);
	ck_assert_uint_eq(again.result.evlog_hash, small.result.evlog_hash);
	decision_log_free(&log);
	decision_log_free(&shrunk);
	scenario_file_free(&sf);
}
END_TEST

START_TEST(shrink_is_deterministic)
{
	/* Goal: the same trace shrinks to the same run. */
	struct scenario_file sf;
	char err[1200];
	ck_assert_msg(scenario_file_load(BUGS "/lost-wakeup.ini", &sf, err, sizeof(err)) == 0, "%s",
		      err);
	struct strategy st;
	struct decision_log log = { 0 };
	struct scenario_outcome out;
	uint64_t seed = first_failure(&sf, &st, &log, &out);
	uint64_t hash[2];
	for (int k = 0; k < 2; k++) {
		struct decision_log shrunk = { 0 };
		struct scenario_outcome small;
		struct shrink_stats stats;
		const char *why = NULL;
		ck_assert_int_eq(shrink_run(&sf.sc, &st, seed, &log, out.result.checker, ATTEMPTS,
					    &shrunk, &small, &stats, &why),
				 0);
		hash[k] = small.result.evlog_hash;
		decision_log_free(&shrunk);
	}
	ck_assert_uint_eq(hash[0], hash[1]);
	decision_log_free(&log);
	scenario_file_free(&sf);
}
END_TEST

START_TEST(shrink_command)
{
	/* Goal: `ac97sim shrink` writes a trace that replays exactly to the
	 * checker, says before and after, and refuses a trace of a passing run
	 * (exit 2, nothing written). */
	char dir[] = "/tmp/ac97sim-shrink-XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	char trace[300], out[300], pass[300];
	snprintf(trace, sizeof(trace), "%s/t.trace", dir);
	snprintf(out, sizeof(out), "%s/t-shrunk.trace", dir);
	snprintf(pass, sizeof(pass), "%s/p.trace", dir);
	static struct prog_result r;
	prog_run(&r, (const char *const[]){ "run", BUGS "/wdk81-two-producers.ini", "--seed", "6",
					    "--trace-out", trace, NULL },
		 NULL);
	ck_assert_msg(r.status == 1, "%s%s", r.out, r.err);
	prog_run(&r, (const char *const[]){ "shrink", trace, NULL }, NULL);
	ck_assert_msg(r.status == 0, "%s%s", r.out, r.err);
	ck_assert_ptr_nonnull(strstr(r.out, "  before: "));
	ck_assert_ptr_nonnull(strstr(r.out, "  after:  "));
	prog_run(&r, (const char *const[]){ "replay", out, NULL }, NULL);
	ck_assert_msg(r.status == 1, "%s%s", r.out, r.err);
	ck_assert_ptr_nonnull(strstr(r.out, "verdict: fail (bugcheck)"));
	ck_assert_ptr_nonnull(strstr(r.out, "replay: exact"));
	unlink(out);
	prog_run(&r, (const char *const[]){ "run", "fixtures/scenarios/plain-0.ini", "--trace-out",
					    pass, NULL },
		 NULL);
	ck_assert_int_eq(r.status, 0);
	prog_run(&r, (const char *const[]){ "shrink", pass, "-o", out, NULL }, NULL);
	ck_assert_int_eq(r.status, 2);
	ck_assert_ptr_nonnull(strstr(r.err, "did not fail"));
	ck_assert_int_ne(access(out, F_OK), 0);
	unlink(trace);
	unlink(pass);
	rmdir(dir);
}
END_TEST

/* The event-log hash a command printed ("" when none). */
static void hash_of(const char *out, char *hash, size_t len)
{
	const char *h = strstr(out, "event-log hash: ");
	hash[0] = '\0';
	if (h != NULL)
		sscanf(h, "event-log hash: %31s", hash);
	(void)len;
}

START_TEST(fork_replays_a_prefix)
{
	/* Goal: replay --fork-at 0 --seed S is run --seed S (the trace's
	 * strategy from the start); a fork at the trace's last decision is
	 * the recorded run; the forked run's trace replays exactly. */
	char dir[] = "/tmp/ac97sim-fork-XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	char trace[300], forked[300];
	snprintf(trace, sizeof(trace), "%s/t.trace", dir);
	snprintf(forked, sizeof(forked), "%s/f.trace", dir);
	static struct prog_result r;
	char want[32], got[32];
	prog_run(&r, (const char *const[]){ "run", "fixtures/scenarios/plain-0.ini", "--seed", "4",
					    "--trace-out", trace, NULL },
		 NULL);
	ck_assert_int_eq(r.status, 0);
	hash_of(r.out, want, sizeof(want));
	prog_run(&r, (const char *const[]){ "run", "fixtures/scenarios/plain-0.ini", "--seed", "9",
					    NULL },
		 NULL);
	char seed9[32];
	hash_of(r.out, seed9, sizeof(seed9));
	prog_run(&r, (const char *const[]){ "replay", trace, "--fork-at", "0", "--seed", "9",
					    "--trace-out", forked, NULL },
		 NULL);
	ck_assert_msg(r.status == 0, "%s%s", r.out, r.err);
	hash_of(r.out, got, sizeof(got));
	ck_assert_str_eq(got, seed9);
	prog_run(&r, (const char *const[]){ "replay", forked, NULL }, NULL);
	ck_assert_ptr_nonnull(strstr(r.out, "replay: exact"));
	/* At the last decision: every decision as recorded, the same run. */
	FILE *f = fopen(trace, "r");
	ck_assert_ptr_nonnull(f);
	char line[256], count[24];
	unsigned decisions = 0;
	while (fgets(line, sizeof(line), f) != NULL)
		decisions += strncmp(line, "d ", 2) == 0;
	fclose(f);
	snprintf(count, sizeof(count), "%u", decisions);
	prog_run(&r, (const char *const[]){ "replay", trace, "--fork-at", count, "--seed", "9", NULL },
		 NULL);
	hash_of(r.out, got, sizeof(got));
	ck_assert_str_eq(got, want);
	prog_run(&r, (const char *const[]){ "replay", trace, "--fork-at", "100000", NULL }, NULL);
	ck_assert_int_eq(r.status, 2);
	ck_assert_ptr_nonnull(strstr(r.err, "past its"));
	unlink(trace);
	unlink(forked);
	rmdir(dir);
}
END_TEST

Suite *suite_shrink(void);
Suite *suite_shrink(void)
{
	Suite *s = suite_create("harness/shrink");
	TCase *tc = tcase_create("shrink");
	tcase_set_timeout(tc, 300);
	unsigned variants = 0;
	while (builtin_drivers[1 + variants] != NULL)
		variants++;
	tcase_add_loop_test(tc, each_variant_shrinks, 0, (int)variants);
	tcase_add_test(tc, shrink_is_deterministic);
	tcase_add_test(tc, shrink_command);
	tcase_add_test(tc, fork_replays_a_prefix);
	suite_add_tcase(s, tc);
	return s;
}
