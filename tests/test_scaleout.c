/*
 * One search spread out and cut short, as a user meets it: explore's race
 * window counts, --shard K/N and `ac97sim merge`, --time, Ctrl-C and
 * SIGTERM, and the duration option's parser.
 */
#define _GNU_SOURCE	/* prctl's PR_SET_CHILD_SUBREAPER */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "prog.h"
#include "runs.h"
#include "strategies.h"
#include "windows.h"

/* A bug some schedules hit and others miss, whose runs reach a race
 * window (release-during-revoke) under some seeds and not others. */
#define FLAKY_BUG "fixtures/scenarios/bugs/wdk81-single-entry-revoke.ini"
#define PASSING "fixtures/scenarios/release-vs-revoke-0.ini"
#define HANG_PLUGIN TEST_PLUGIN_DIR "/hang.so"
/* Enough seeds that a search never ends on its own within a test. */
#define ENDLESS "10000000"

static char *tmpdir(void)
{
	static char dirs[8][64];
	static unsigned next;
	char *dir = dirs[next++ % 8];
	snprintf(dir, 64, "/tmp/ac97sim-scale-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	return dir;
}

static json_t *load_json(const char *path)
{
	json_error_t e;
	json_t *j = json_load_file(path, 0, &e);
	ck_assert_msg(j != NULL, "%s: %s", path, e.text);
	return j;
}

static json_int_t int_at(json_t *j, const char *key)
{
	json_t *v = json_object_get(j, key);
	ck_assert_msg(json_is_integer(v), "\"%s\" is not an integer", key);
	return json_integer_value(v);
}

static const char *text_at(json_t *j, const char *key)
{
	json_t *v = json_object_get(j, key);
	ck_assert_msg(json_is_string(v), "\"%s\" is not text", key);
	return json_string_value(v);
}

static char *slurp_file(const char *path)
{
	FILE *f = fopen(path, "r");
	ck_assert_msg(f != NULL, "%s: cannot open", path);
	static char text[1 << 20];
	size_t n = fread(text, 1, sizeof(text) - 1, f);
	text[n] = '\0';
	fclose(f);
	return text;
}

/* The line of text that starts with prefix, copied, or "" when none. */
static void line_starting(const char *text, const char *prefix, char *out, size_t len)
{
	const char *p = strstr(text, prefix);
	out[0] = '\0';
	if (p != NULL)
		snprintf(out, len, "%.*s", (int)strcspn(p, "\n"), p);
}

/* So that the test sees every process explore leaves behind: orphans are
 * handed to the nearest subreaper, this process. */
static void adopt_orphans(void)
{
	ck_assert_int_eq(prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0), 0);
}

/* Fails unless every descendant has ended within limit_ms. */
static void no_process_left(int limit_ms)
{
	for (int waited = 0;; waited += 10) {
		pid_t p = waitpid(-1, NULL, WNOHANG);
		if (p < 0 && errno == ECHILD)
			return;
		if (p > 0)
			continue;
		ck_assert_msg(waited < limit_ms, "a process explore started is still running");
		usleep(10 * 1000);
	}
}

/* Waits until pid handles SIGINT and SIGTERM itself (its SigCgt mask):
 * explore has installed its handlers and the search is under way. */
static void wait_for_handlers(int pid)
{
	char path[64], line[256];
	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	uint64_t want = (UINT64_C(1) << (SIGINT - 1)) | (UINT64_C(1) << (SIGTERM - 1));
	for (int tries = 0; tries < 2000; tries++) {
		FILE *f = fopen(path, "r");
		ck_assert_ptr_nonnull(f);
		uint64_t caught = 0;
		while (fgets(line, sizeof(line), f) != NULL)
			if (strncmp(line, "SigCgt:", 7) == 0)
				caught = strtoull(line + 7, NULL, 16);
		fclose(f);
		if ((caught & want) == want)
			return;
		usleep(5 * 1000);
	}
	ck_abort_msg("explore never installed its SIGINT/SIGTERM handlers");
}

static double now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

START_TEST(explore_counts_the_race_windows_each_strategy_reached)
{
	/* Goal: explore's window counts, per strategy and in all, are the
	 * runs whose windows_hit holds each window, counted here by running
	 * the same seeds through the library; the summary gives each window
	 * reached a row and names those never reached. */
	char *dir = tmpdir();
	char json[128];
	snprintf(json, sizeof(json), "%s/w.json", dir);
	static struct prog_result r;
	prog_run(&r, (const char *const[]){ "explore", FLAKY_BUG, "--runs", "120", "--keep-going",
					    "--jobs", "2", "--trace-dir", dir, "--json", json, NULL },
		 NULL);
	ck_assert_msg(r.status == 1, "%s%s", r.out, r.err);

	struct scenario_file sf;
	char err[600];
	ck_assert_msg(scenario_file_load(FLAKY_BUG, &sf, err, sizeof(err)) == 0, "%s", err);
	const char *why = NULL;
	struct calibration cal;
	ck_assert_int_eq(calibrate(&sf, &cal, &why), 0);
	uint64_t want[WINDOW_COUNT][STRATEGY_CLASSES_MAX] = { { 0 } }, reached = 0;
	uint64_t runs_of[STRATEGY_CLASSES_MAX] = { 0 };
	for (uint64_t seed = 1; seed <= 120; seed++) {
		struct strategy st = strategy_for_seed(CHOICE_PORTFOLIO, 0, seed, &cal);
		struct scenario_outcome out;
		ck_assert_int_eq(runs_one(&sf, &st, seed, NULL, NULL, NULL, &out, NULL, &why), 0);
		unsigned cls = strategy_class_of(CHOICE_PORTFOLIO, seed);
		runs_of[cls]++;
		for (unsigned w = 0; w < WINDOW_COUNT; w++)
			if (out.result.windows_hit & (UINT64_C(1) << w)) {
				want[w][cls]++;
				reached++;
			}
	}
	scenario_file_free(&sf);
	ck_assert_msg(reached > 0, "the scenario should reach a window under some of 120 seeds");

	unsigned n_classes = strategy_class_count(CHOICE_PORTFOLIO);
	char classes[STRATEGY_CLASSES_MAX][24];
	for (unsigned c = 0; c < n_classes; c++)
		strategy_class_name(CHOICE_PORTFOLIO, 0, c, classes[c], sizeof(classes[c]));
	json_t *j = load_json(json);
	ck_assert_int_eq(int_at(j, "pct_steps"), (json_int_t)cal.steps);
	ck_assert_int_eq(int_at(j, "choice_points"), (json_int_t)cal.choice_points);
	json_t *strategies = json_object_get(j, "strategies");
	ck_assert_uint_eq(json_object_size(strategies), n_classes);
	for (unsigned c = 0; c < n_classes; c++)
		ck_assert_int_eq(int_at(strategies, classes[c]), (json_int_t)runs_of[c]);
	json_t *windows = json_object_get(j, "windows");
	ck_assert_uint_eq(json_object_size(windows), WINDOW_COUNT);
	for (unsigned w = 0; w < WINDOW_COUNT; w++) {
		json_t *one = json_object_get(windows, race_windows[w].name);
		ck_assert_msg(one != NULL, "no window %s in the JSON", race_windows[w].name);
		json_t *by = json_object_get(one, "by_strategy");
		uint64_t total = 0;
		for (unsigned c = 0; c < n_classes; c++) {
			ck_assert_msg(int_at(by, classes[c]) == (json_int_t)want[w][c],
				      "%s, %s: explore says %lld, the runs %" PRIu64, race_windows[w].name,
				      classes[c], (long long)int_at(by, classes[c]), want[w][c]);
			total += want[w][c];
		}
		ck_assert_int_eq(int_at(one, "runs"), (json_int_t)total);
		char row[64];
		snprintf(row, sizeof(row), "\n  %s ", race_windows[w].name);
		ck_assert_msg((strstr(r.out, row) != NULL) == (total > 0),
			      "window %s (%" PRIu64 " runs): its row in the summary:\n%s",
			      race_windows[w].name, total, r.out);
	}
	ck_assert_msg(strstr(r.out, "never reached (") != NULL, "%s", r.out);
	json_decref(j);
}
END_TEST

/* The keys of a result that do not depend on how the search was shared. */
static const char *const result_keys[] = {
	"format", "scenario_hash", "driver", "driver_binary_hash", "checkers_off", "build",
	"strategy", "depth", "pct_steps", "choice_points", "keep_going", "first_seed", "runs_asked", "stopped",
	"covered", "runs", "passed", "failed", "limit", "workers_died", "strategies", "windows",
	"strategy_results", "failures",
};

static void explore_shards(const char *dir, const char *scenario, const char *runs, bool keep_going,
			   unsigned n_shards, char json[][128])
{
	static struct prog_result r;
	for (unsigned k = 1; k <= n_shards; k++) {
		char shard[16], jobs[8], traces[128];
		snprintf(shard, sizeof(shard), "%u/%u", k, n_shards);
		snprintf(jobs, sizeof(jobs), "%u", k);	/* other job counts on purpose */
		snprintf(traces, sizeof(traces), "%s/traces%u", dir, k);
		ck_assert_int_eq(mkdir(traces, 0700), 0);
		snprintf(json[k - 1], 128, "%s/shard%u.json", dir, k);
		prog_run(&r, (const char *const[]){ "explore", scenario, "--runs", runs, "--shard", shard,
						    "--jobs", jobs, "--trace-dir", traces, "--json",
						    json[k - 1], keep_going ? "--keep-going" : "--quiet",
						    NULL },
			 NULL);
		ck_assert_msg(r.status == 0 || r.status == 1, "shard %s: %s%s", shard, r.out, r.err);
		ck_assert_msg(strstr(r.out, "shard ") != NULL, "%s", r.out);
	}
}

START_TEST(shards_merged_equal_the_unsharded_search)
{
	/* Goal: one search unsharded and the same search as 3 shards (with
	 * 1, 2 and 3 jobs), merged: the JSON's results (counts, failing
	 * seeds, window counts, coverage, first failure) are identical, the
	 * merged result names the trace its shard wrote of the lowest
	 * failing seed (the same trace the unsharded search wrote), and
	 * merge prints explore's summary with the same first failure. */
	char *dir = tmpdir();
	char whole[128], merged[128], whole_traces[128], shard_json[3][128];
	snprintf(whole, sizeof(whole), "%s/whole.json", dir);
	snprintf(merged, sizeof(merged), "%s/merged.json", dir);
	snprintf(whole_traces, sizeof(whole_traces), "%s/whole-traces", dir);
	ck_assert_int_eq(mkdir(whole_traces, 0700), 0);
	static struct prog_result w, m;
	prog_run(&w, (const char *const[]){ "explore", FLAKY_BUG, "--runs", "150", "--keep-going",
					    "--jobs", "2", "--trace-dir", whole_traces, "--json", whole,
					    NULL },
		 NULL);
	ck_assert_msg(w.status == 1, "%s%s", w.out, w.err);
	explore_shards(dir, FLAKY_BUG, "150", true, 3, shard_json);
	prog_run(&m, (const char *const[]){ "merge", merged, shard_json[2], shard_json[0],
					    shard_json[1], NULL },
		 NULL);
	ck_assert_msg(m.status == 1, "%s%s", m.out, m.err);

	json_t *a = load_json(whole), *b = load_json(merged);
	for (size_t i = 0; i < sizeof(result_keys) / sizeof(result_keys[0]); i++)
		ck_assert_msg(json_equal(json_object_get(a, result_keys[i]),
					 json_object_get(b, result_keys[i])),
			      "\"%s\" differs:\n%s\n%s", result_keys[i], slurp_file(whole),
			      slurp_file(merged));
	json_t *fa = json_object_get(a, "first_failure"), *fb = json_object_get(b, "first_failure");
	ck_assert_int_eq(int_at(fa, "seed"), int_at(fb, "seed"));
	ck_assert_str_eq(text_at(fa, "checker"), text_at(fb, "checker"));
	ck_assert_str_eq(text_at(fa, "message"), text_at(fb, "message"));
	ck_assert_msg(json_is_null(json_object_get(b, "shard")), "the merged result is no shard");
	ck_assert_int_eq(int_at(json_object_get(b, "merged"), "shards"), 3);

	/* The trace: the one the lowest failing seed's shard wrote. */
	json_int_t first = int_at(fa, "seed");
	char want_trace[256], whole_trace[256], text_a[8192];
	snprintf(want_trace, sizeof(want_trace), "%s/traces%lld/wdk81-single-entry-revoke-seed%lld.trace",
		 dir, (long long)((first - 1) % 3 + 1), (long long)first);
	snprintf(whole_trace, sizeof(whole_trace), "%s/wdk81-single-entry-revoke-seed%lld.trace",
		 whole_traces, (long long)first);
	ck_assert_str_eq(text_at(fb, "trace"), want_trace);
	snprintf(text_a, sizeof(text_a), "%s", slurp_file(whole_trace));
	ck_assert_str_eq(text_a, slurp_file(want_trace));
	char replay[300];
	snprintf(replay, sizeof(replay), "replay it: %s replay %s\n", prog_path(), want_trace);
	ck_assert_msg(strstr(m.out, replay) != NULL, "%s", m.out);

	char line_a[512], line_b[512];
	line_starting(w.out, "first failure: ", line_a, sizeof(line_a));
	line_starting(m.out, "first failure: ", line_b, sizeof(line_b));
	ck_assert_str_ne(line_a, "");
	ck_assert_str_eq(line_a, line_b);
	line_starting(w.out, "failing seeds: ", line_a, sizeof(line_a));
	line_starting(m.out, "failing seeds: ", line_b, sizeof(line_b));
	ck_assert_str_eq(line_a, line_b);
	json_decref(a);
	json_decref(b);
}
END_TEST

START_TEST(shards_without_keep_going_merge_to_the_same_first_failure)
{
	/* Goal: without --keep-going each shard stops at its own lowest
	 * failure; merged, they give the unsharded search's first failure,
	 * stopped at the first failure, with every seed below it covered. */
	char *dir = tmpdir();
	char whole[128], merged[128], shard_json[3][128];
	snprintf(whole, sizeof(whole), "%s/whole.json", dir);
	snprintf(merged, sizeof(merged), "%s/merged.json", dir);
	static struct prog_result r;
	prog_run(&r, (const char *const[]){ "explore", FLAKY_BUG, "--runs", "300", "--trace-dir", dir,
					    "--json", whole, NULL },
		 NULL);
	ck_assert_msg(r.status == 1, "%s%s", r.out, r.err);
	explore_shards(dir, FLAKY_BUG, "300", false, 3, shard_json);
	prog_run(&r, (const char *const[]){ "merge", merged, shard_json[0], shard_json[1],
					    shard_json[2], NULL },
		 NULL);
	ck_assert_msg(r.status == 1, "%s%s", r.out, r.err);
	json_t *a = load_json(whole), *b = load_json(merged);
	json_t *fa = json_object_get(a, "first_failure"), *fb = json_object_get(b, "first_failure");
	ck_assert_int_eq(int_at(fa, "seed"), int_at(fb, "seed"));
	ck_assert_str_eq(text_at(fa, "checker"), text_at(fb, "checker"));
	ck_assert_str_eq(text_at(b, "stopped"), "first-failure");
	ck_assert_int_ge(int_at(json_object_get(b, "covered"), "prefix_runs"), int_at(fa, "seed"));
	json_decref(a);
	json_decref(b);
}
END_TEST

START_TEST(merge_refuses_what_is_not_one_search)
{
	/* Goal: merge exits 2 with a reason for inputs that are not shards of
	 * one search (another scenario, range or N), a shard given twice, a
	 * missing shard (unless --partial, which merges and says which), a
	 * file that is not an explore result or not JSON; and writes nothing
	 * then. */
	char *dir = tmpdir();
	char s[3][128], other[128], other_n[128], out[128], junk[128], notjson[128];
	static struct prog_result r;
	for (int k = 0; k < 3; k++) {
		char shard[16];
		snprintf(shard, sizeof(shard), "%d/3", k + 1);
		snprintf(s[k], sizeof(s[k]), "%s/s%d.json", dir, k + 1);
		prog_run(&r, (const char *const[]){ "explore", PASSING, "--runs", "30", "--shard", shard,
						    "--trace-dir", dir, "--json", s[k], NULL },
			 NULL);
		ck_assert_msg(r.status == 0, "%s%s", r.out, r.err);
	}
	snprintf(other, sizeof(other), "%s/other.json", dir);
	prog_run(&r, (const char *const[]){ "explore", "fixtures/scenarios/plain-0.ini", "--runs", "30",
					    "--shard", "2/3", "--json", other, NULL },
		 NULL);
	ck_assert_msg(r.status == 0, "%s%s", r.out, r.err);
	snprintf(other_n, sizeof(other_n), "%s/other-n.json", dir);
	prog_run(&r, (const char *const[]){ "explore", PASSING, "--runs", "30", "--shard", "2/4",
					    "--json", other_n, NULL },
		 NULL);
	ck_assert_msg(r.status == 0, "%s%s", r.out, r.err);
	snprintf(out, sizeof(out), "%s/out.json", dir);
	snprintf(junk, sizeof(junk), "%s/junk.json", dir);
	snprintf(notjson, sizeof(notjson), "%s/not.json", dir);
	FILE *f = fopen(junk, "w");
	fputs("{\"runs\": 3}\n", f);
	fclose(f);
	f = fopen(notjson, "w");
	fputs("{\n\"runs\": 3,\n", f);
	fclose(f);

	struct {
		const char *in[3];
		const char *says;
	} bad[] = {
		{ { s[0], other, s[2] }, "is not a shard of the same search as" },
		{ { s[0], other_n, s[2] }, "number of shards" },
		{ { s[0], s[1], s[1] }, "is given twice" },
		{ { s[0], s[2], NULL }, "missing: 2/3" },
		{ { s[0], junk, s[2] }, "not an explore result" },
		{ { s[0], notjson, s[2] }, "not.json:3:" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		prog_run(&r, (const char *const[]){ "merge", out, bad[i].in[0], bad[i].in[1],
						    bad[i].in[2], NULL },
			 NULL);
		ck_assert_msg(r.status == 2, "case %zu: %s%s", i, r.out, r.err);
		ck_assert_msg(strstr(r.err, bad[i].says) != NULL, "case %zu: %s", i, r.err);
		ck_assert_int_eq(access(out, F_OK), -1);
	}
	prog_run(&r, (const char *const[]){ "merge", out, s[0], s[2], "--partial", NULL }, NULL);
	ck_assert_msg(r.status == 0, "%s%s", r.out, r.err);
	ck_assert_msg(strstr(r.out, "missing: 2/3") != NULL, "%s", r.out);
	json_t *j = load_json(out);
	ck_assert_str_eq(text_at(j, "stopped"), "shards-missing");
	ck_assert_int_eq(int_at(j, "runs"), 20);
	json_t *missing = json_object_get(json_object_get(j, "merged"), "missing");
	ck_assert_uint_eq(json_array_size(missing), 1);
	ck_assert_int_eq(json_integer_value(json_array_get(missing, 0)), 2);
	/* Seed 2 (shard 2's first) did not run: only seed 1 is covered. */
	ck_assert_int_eq(int_at(json_object_get(j, "covered"), "prefix_runs"), 1);
	json_decref(j);
}
END_TEST

START_TEST(shard_option_is_checked)
{
	/* Goal: --shard takes K/N with 1 <= K <= N <= --runs; anything else
	 * is a usage error (exit 2) that says the form. */
	static const char *const bad[] = { "0/3", "4/3", "3", "a/3", "1/0", "2/", "/2", "1/3/4",
					   "2/30" };
	static struct prog_result r;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		prog_run(&r, (const char *const[]){ "explore", PASSING, "--runs", "20", "--shard", bad[i],
						    NULL },
			 NULL);
		ck_assert_msg(r.status == 2, "--shard %s: %s%s", bad[i], r.out, r.err);
		ck_assert_msg(strstr(r.err, "--shard") != NULL, "%s", r.err);
	}
}
END_TEST

START_TEST(a_time_budget_runs_a_prefix_of_the_seeds)
{
	/* Goal: --time stops taking seeds once spent: the search ends within
	 * about the budget, says it was cut by the budget, and what ran is a
	 * prefix of the seeds (workers take them lowest first) whose outcomes
	 * are those an untimed search of that prefix gives. */
	char *dir = tmpdir();
	char json[128], again[128];
	snprintf(json, sizeof(json), "%s/t.json", dir);
	snprintf(again, sizeof(again), "%s/again.json", dir);
	static struct prog_result r;
	double t0 = now_seconds();
	prog_run(&r, (const char *const[]){ "explore", FLAKY_BUG, "--runs", ENDLESS, "--keep-going",
					    "--time", "400ms", "--trace-dir", dir, "--json", json, NULL },
		 NULL);
	double seconds = now_seconds() - t0;
	ck_assert_msg(r.status == 1, "%s%s", r.out, r.err);
	ck_assert_msg(seconds < 30, "a 400 ms budget took %.1f s", seconds);
	ck_assert_msg(strstr(r.out, "the time budget (400 ms) ran out: seeds 1..") != NULL, "%s", r.out);
	json_t *j = load_json(json);
	ck_assert_str_eq(text_at(j, "stopped"), "time");
	ck_assert_int_eq(int_at(j, "time_budget_ms"), 400);
	json_t *covered = json_object_get(j, "covered");
	json_int_t ran = int_at(j, "runs");
	ck_assert_int_gt(ran, 0);
	ck_assert_int_eq(int_at(covered, "prefix_runs"), ran);
	ck_assert_int_eq(int_at(covered, "through_seed"), ran);
	ck_assert_int_eq(int_at(covered, "runs_beyond"), 0);

	char runs_text[32];
	snprintf(runs_text, sizeof(runs_text), "%lld", (long long)ran);
	prog_run(&r, (const char *const[]){ "explore", FLAKY_BUG, "--runs", runs_text, "--keep-going",
					    "--trace-dir", dir, "--json", again, NULL },
		 NULL);
	ck_assert_msg(r.status == 1, "%s%s", r.out, r.err);
	json_t *k = load_json(again);
	ck_assert_str_eq(text_at(k, "stopped"), "complete");
	ck_assert(json_equal(json_object_get(j, "failures"), json_object_get(k, "failures")));
	ck_assert(json_equal(json_object_get(j, "windows"), json_object_get(k, "windows")));
	json_decref(j);
	json_decref(k);

	/* The forms of a duration. */
	static const char *const bad[] = { "30", "1h", "-1s", "0s", "1.5s", "s", "2 m" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		prog_run(&r, (const char *const[]){ "explore", PASSING, "--runs", "4", "--time", bad[i],
						    NULL },
			 NULL);
		ck_assert_msg(r.status == 2, "--time %s: %s%s", bad[i], r.out, r.err);
	}
	prog_run(&r, (const char *const[]){ "explore", PASSING, "--runs", "4", "--time", "2m", NULL },
		 NULL);
	ck_assert_msg(r.status == 0, "%s%s", r.out, r.err);
	ck_assert_msg(strstr(r.out, "partial") == NULL, "a budget not spent: %s", r.out);
}
END_TEST

START_TEST(ctrl_c_reports_what_ran_and_exits_130)
{
	/* Goal: Ctrl-C on a terminal (SIGINT to explore's whole process
	 * group, workers included) stops the search: explore prints the
	 * summary of what ran, writes the JSON marked interrupted, counts no
	 * worker as crashed, leaves no process behind and exits 130; SIGTERM
	 * to the whole group (a batch system's time limit) and to explore
	 * alone do the same. */
	adopt_orphans();
	char *dir = tmpdir();
	static const struct {
		int signal;
		bool group;
	} signals[] = { { SIGINT, true }, { SIGTERM, true }, { SIGTERM, false } };
	for (size_t i = 0; i < sizeof(signals) / sizeof(signals[0]); i++) {
		char json[128];
		snprintf(json, sizeof(json), "%s/i%zu.json", dir, i);
		struct prog_child c;
		prog_start(&c, (const char *const[]){ "explore", PASSING, "--runs", ENDLESS, "--jobs", "2",
						      "--trace-dir", dir, "--json", json, NULL });
		wait_for_handlers(c.pid);
		usleep(800 * 1000);	/* the calibration run and some seeds */
		ck_assert_int_eq(kill(signals[i].group ? -c.pid : c.pid, signals[i].signal), 0);
		static struct prog_result r;
		prog_finish(&c, &r);
		ck_assert_msg(r.status == 130, "signal %d: status %d (signal %d): %s%s",
			      signals[i].signal, r.status, r.signal, r.out, r.err);
		ck_assert_msg(strstr(r.out, "partial: interrupted: seeds 1..") != NULL, "%s", r.out);
		json_t *j = load_json(json);
		ck_assert_str_eq(text_at(j, "stopped"), "interrupted");
		ck_assert_int_gt(int_at(j, "runs"), 0);
		ck_assert_int_eq(int_at(j, "failed"), 0);
		ck_assert_int_eq(int_at(j, "workers_died"), 0);
		/* The runs under way were let finish: no hole. */
		ck_assert_int_eq(int_at(json_object_get(j, "covered"), "runs_beyond"), 0);
		json_decref(j);
		no_process_left(5000);
	}
}
END_TEST

START_TEST(a_second_ctrl_c_ends_explore_at_once)
{
	/* Goal: while explore waits for a run that hangs (a driver that
	 * loops for ever, which the watchdog ends only after seconds), a
	 * first Ctrl-C leaves it waiting and a second ends it at once: exit
	 * 130, no summary, no temporary file, no process left behind. */
	adopt_orphans();
	char *dir = tmpdir();
	char json[128];
	snprintf(json, sizeof(json), "%s/i.json", dir);
	struct prog_child c;
	prog_start(&c, (const char *const[]){ "explore", PASSING, "--driver", HANG_PLUGIN, "--runs",
					      "10", "--trace-dir", dir, "--json", json, NULL });
	wait_for_handlers(c.pid);
	usleep(200 * 1000);
	ck_assert_int_eq(kill(-c.pid, SIGINT), 0);
	usleep(300 * 1000);
	ck_assert_msg(waitpid(c.pid, NULL, WNOHANG) == 0, "explore ended on the first Ctrl-C");
	double t0 = now_seconds();
	ck_assert_int_eq(kill(-c.pid, SIGINT), 0);
	static struct prog_result r;
	prog_finish(&c, &r);
	double seconds = now_seconds() - t0;
	ck_assert_msg(r.status == 130, "status %d (signal %d): %s%s", r.status, r.signal, r.out, r.err);
	ck_assert_msg(seconds < 2, "the second Ctrl-C took %.1f s", seconds);
	ck_assert_msg(strstr(r.out, "explore ") == NULL, "no summary after the second: %s", r.out);
	DIR *d = opendir(dir);
	ck_assert_ptr_nonnull(d);
	struct dirent *e;
	while ((e = readdir(d)) != NULL)
		ck_assert_msg(e->d_name[0] == '.' && (e->d_name[1] == '\0' || strcmp(e->d_name, "..") == 0),
			      "explore left %s in %s", e->d_name, dir);
	closedir(d);
	no_process_left(5000);
}
END_TEST

START_TEST(durations_parse_in_ms_s_and_m)
{
	/* Goal: a duration is a whole decimal number and a unit (ms, s, m)
	 * with nothing between; anything else, or an overflow, is refused. */
	static const struct {
		const char *text;
		uint64_t ms;
	} good[] = { { "250ms", 250 }, { "30s", 30000 }, { "2m", 120000 }, { "0ms", 0 },
		     { "010s", 10000 }, { "18446744073709551615ms", UINT64_MAX } };
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		uint64_t ms = 1;
		ck_assert_msg(cli_parse_duration_ms(good[i].text, &ms), "%s", good[i].text);
		ck_assert_msg(ms == good[i].ms, "%s: %" PRIu64, good[i].text, ms);
	}
	static const char *const bad[] = { "", "30", "s", "1h", "1 s", " 1s", "-1s", "+1s", "1.5s",
					   "0x10s", "1sec", "1S", "18446744073709551615s",
					   "99999999999999999999999ms" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint64_t ms = 7;
		ck_assert_msg(!cli_parse_duration_ms(bad[i], &ms), "'%s' was taken", bad[i]);
		ck_assert_int_eq(ms, 7);
	}
	ck_assert(!cli_parse_duration_ms(NULL, NULL));
}
END_TEST

Suite *suite_scaleout(void);
Suite *suite_scaleout(void)
{
	Suite *s = suite_create("tools/scaleout");
	TCase *tc = tcase_create("explore-merge");
	tcase_add_test(tc, durations_parse_in_ms_s_and_m);
	tcase_add_test(tc, explore_counts_the_race_windows_each_strategy_reached);
	tcase_add_test(tc, shards_merged_equal_the_unsharded_search);
	tcase_add_test(tc, shards_without_keep_going_merge_to_the_same_first_failure);
	tcase_add_test(tc, merge_refuses_what_is_not_one_search);
	tcase_add_test(tc, shard_option_is_checked);
	tcase_add_test(tc, a_time_budget_runs_a_prefix_of_the_seeds);
	tcase_add_test(tc, ctrl_c_reports_what_ran_and_exits_130);
	tcase_add_test(tc, a_second_ctrl_c_ends_explore_at_once);
	tcase_set_timeout(tc, 300);
	suite_add_tcase(s, tc);
	return s;
}
