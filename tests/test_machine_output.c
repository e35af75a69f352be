/*
 * What the program writes for machines: `run --json` and `replay --json`
 * (one run), read back with jansson and held to what the program printed
 * and to the same run made here through the library.
 */
#include <check.h>
#include <dirent.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "prog.h"
#include "runs.h"
#include "simtime.h"
#include "strategies.h"
#include "windows.h"

#define SCENARIOS "fixtures/scenarios"
/* A bug some schedules hit: seed 10 of random walk fails (revoke-count). */
#define FLAKY_BUG SCENARIOS "/bugs/wdk81-single-entry-revoke.ini"
#define FLAKY_SEED "10"
#define PASSING SCENARIOS "/plain-0.ini"

static char *tmpdir(void)
{
	static char dirs[8][64];
	static unsigned next;
	char *dir = dirs[next++ % 8];
	snprintf(dir, 64, "/tmp/ac97sim-machine-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	return dir;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	ck_assert_msg(f != NULL, "%s: cannot open", path);
	static char text[1 << 20];
	size_t n = fread(text, 1, sizeof(text) - 1, f);
	text[n] = '\0';
	fclose(f);
	return text;
}

/* How many entries a folder holds (besides . and ..). */
static int entries(const char *dir)
{
	DIR *d = opendir(dir);
	ck_assert_ptr_nonnull(d);
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL)
		n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
	closedir(d);
	return n;
}

static json_t *load_json(const char *path)
{
	json_error_t e;
	json_t *j = json_load_file(path, JSON_REJECT_DUPLICATES, &e);
	ck_assert_msg(j != NULL, "%s:%d: %s", path, e.line, e.text);
	return j;
}

static json_t *at(json_t *j, const char *key)
{
	json_t *v = json_object_get(j, key);
	ck_assert_msg(v != NULL, "no \"%s\"", key);
	return v;
}

static json_int_t int_at(json_t *j, const char *key)
{
	json_t *v = at(j, key);
	ck_assert_msg(json_is_integer(v), "\"%s\" is not an integer", key);
	return json_integer_value(v);
}

static const char *text_at(json_t *j, const char *key)
{
	json_t *v = at(j, key);
	ck_assert_msg(json_is_string(v), "\"%s\" is not text", key);
	return json_string_value(v);
}

/* The rest of the line of out after prefix (up to the line's end). */
static void after(const char *out, const char *prefix, char *buf, size_t len)
{
	const char *p = strstr(out, prefix);
	ck_assert_msg(p != NULL, "no '%s' in:\n%s", prefix, out);
	p += strlen(prefix);
	size_t n = strcspn(p, "\n");
	ck_assert_uint_lt(n, len);
	memcpy(buf, p, n);
	buf[n] = '\0';
}

/* The same run through the library: its result, to hold the JSON to. */
static void run_here(const char *scenario, enum strategy_choice choice, uint64_t seed,
		     struct scenario_outcome *out)
{
	struct scenario_file sf;
	char err[600];
	ck_assert_msg(scenario_file_load(scenario, &sf, err, sizeof(err)) == 0, "%s", err);
	const char *why = NULL;
	struct calibration cal;
	ck_assert_int_eq(calibrate(&sf, &cal, &why), 0);
	struct strategy st = strategy_for_seed(choice, 3, seed, &cal);
	ck_assert_int_eq(runs_one(&sf, &st, seed, NULL, NULL, NULL, out, NULL, &why), 0);
	scenario_file_free(&sf);
}

START_TEST(run_json_says_what_the_run_printed)
{
	/* Goal: `run --json` of a failing run holds the verdict, checker and
	 * message, the step and time of the failure (ticks and the µs they
	 * make), the scenario's hash, strategy, seed, event-log and audio
	 * hashes and exit status the program printed, and the race windows
	 * the same run reaches when made here through the library. */
	char *dir = tmpdir();
	char json[128], trace[128], want[160];
	snprintf(json, sizeof(json), "%s/run.json", dir);
	snprintf(trace, sizeof(trace), "%s/run.trace", dir);
	static struct prog_result r;
	prog_run(&r, (const char *const[]){ "run", FLAKY_BUG, "--seed", FLAKY_SEED, "--trace-out",
					    trace, "--json", json, NULL },
		 NULL);
	ck_assert_msg(r.status == 1, "%s%s", r.out, r.err);
	json_t *j = load_json(json);
	ck_assert_str_eq(text_at(j, "format"), "ac97sim-run 1");
	ck_assert_str_eq(text_at(j, "command"), "run");
	ck_assert_int_eq(int_at(j, "exit_status"), 1);
	ck_assert_int_eq(int_at(j, "seed"), 10);
	ck_assert_str_eq(text_at(j, "verdict"), "fail");
	snprintf(want, sizeof(want), "verdict: fail (%s)\n  ", text_at(j, "checker"));
	ck_assert_msg(strstr(r.out, want) != NULL, "%s\n%s", want, r.out);
	char line[1024];
	after(r.out, want, line, sizeof(line));
	ck_assert_msg(strncmp(text_at(j, "message"), line, strlen(line)) == 0, "%s", line);
	ck_assert_ptr_nonnull(json_string_value(at(j, "rule")));
	after(r.out, "strategy: ", line, sizeof(line));
	ck_assert_str_eq(text_at(j, "strategy"), line);
	after(r.out, "(hash ", line, sizeof(line));
	ck_assert_msg(strncmp(line, text_at(at(j, "scenario"), "hash"), 18) == 0, "%s", line);
	ck_assert_str_eq(text_at(at(j, "scenario"), "path"), FLAKY_BUG);
	ck_assert_str_eq(text_at(at(j, "driver"), "name"), "wdk81-single-entry-revoke");
	ck_assert(json_is_null(at(at(j, "driver"), "plugin")));
	after(r.out, "event-log hash: ", line, sizeof(line));
	ck_assert_str_eq(text_at(j, "event_log_hash"), line);

	/* The failure's moment: the run's last step and time, in ticks and
	 * the µs those make, as the summary prints them. */
	json_t *failure = at(j, "failure");
	uint64_t steps, us, events, frames;
	char fnv[32];
	ck_assert_int_eq(sscanf(strstr(r.out, "steps: "), "steps: %" SCNu64 "  simulated: %" SCNu64
				" us  events: %" SCNu64, &steps, &us, &events), 3);
	ck_assert_int_eq(int_at(failure, "step"), (json_int_t)steps);
	ck_assert_int_eq(int_at(j, "steps"), (json_int_t)steps);
	ck_assert_int_eq(int_at(j, "events"), (json_int_t)events);
	ck_assert_int_eq(int_at(failure, "us"), (json_int_t)us);
	ck_assert_int_eq(int_at(failure, "us"),
			 (json_int_t)sim_ticks_to_us((sim_ticks_t)int_at(failure, "ticks")));
	ck_assert_int_eq(int_at(failure, "ticks"), int_at(at(j, "simulated"), "ticks"));
	ck_assert_int_eq(sscanf(strstr(r.out, "audio: "), "audio: %" SCNu64
				" frames crossed the AC-link, fnv1a64 %31s", &frames, fnv), 2);
	ck_assert_int_eq(int_at(at(j, "audio"), "frames"), (json_int_t)frames);
	ck_assert_str_eq(text_at(at(j, "audio"), "fnv1a64"), fnv);
	ck_assert_str_eq(text_at(j, "trace_out"), trace);
	ck_assert(json_is_null(at(j, "replay")));

	/* The windows: the library's run of the same seed, by name, in the
	 * catalogue's order; and the same hash. */
	struct scenario_outcome here;
	run_here(FLAKY_BUG, CHOICE_RANDOM, 10, &here);
	snprintf(want, sizeof(want), "0x%016" PRIx64, here.result.evlog_hash);
	ck_assert_str_eq(text_at(j, "event_log_hash"), want);
	json_t *windows = at(j, "windows");
	ck_assert(json_is_array(windows));
	size_t k = 0;
	for (unsigned w = 0; w < WINDOW_COUNT; w++) {
		if (!(here.result.windows_hit & (UINT64_C(1) << w)))
			continue;
		ck_assert_msg(k < json_array_size(windows), "window %s missing", race_windows[w].name);
		ck_assert_str_eq(json_string_value(json_array_get(windows, k)), race_windows[w].name);
		k++;
	}
	ck_assert_uint_eq(k, json_array_size(windows));
	ck_assert_uint_gt(k, 0);
	json_decref(j);
}
END_TEST

START_TEST(run_json_of_a_pass_and_of_a_limit)
{
	/* Goal: a run that passes has no checker, message or failure and
	 * exit status 0; a run cut by its step limit says "limit", names the
	 * limit, ends at its last step and has exit status 3, as the
	 * program's. */
	char *dir = tmpdir();
	char json[128], scen[128];
	snprintf(json, sizeof(json), "%s/pass.json", dir);
	static struct prog_result r;
	prog_run(&r, (const char *const[]){ "run", PASSING, "--seed", "7", "--json", json, NULL },
		 NULL);
	ck_assert_msg(r.status == 0, "%s%s", r.out, r.err);
	json_t *j = load_json(json);
	ck_assert_str_eq(text_at(j, "verdict"), "pass");
	ck_assert(json_is_null(at(j, "checker")));
	ck_assert(json_is_null(at(j, "message")));
	ck_assert(json_is_null(at(j, "failure")));
	ck_assert(json_is_null(at(j, "trace_out")));
	ck_assert_int_eq(int_at(j, "exit_status"), 0);
	ck_assert_int_gt(int_at(at(j, "audio"), "frames"), 0);
	json_decref(j);

	snprintf(scen, sizeof(scen), "%s/short.ini", dir);
	write_file(scen, "[scenario]\nname = cut\nmax_steps = 300\n");
	prog_run(&r, (const char *const[]){ "run", scen, "--json", json, NULL }, NULL);
	ck_assert_msg(r.status == 3, "%s%s", r.out, r.err);
	j = load_json(json);
	ck_assert_str_eq(text_at(j, "verdict"), "limit");
	ck_assert_str_eq(text_at(j, "checker"), "step-limit");
	ck_assert_int_eq(int_at(at(j, "failure"), "step"), int_at(j, "steps"));
	ck_assert_int_eq(int_at(j, "exit_status"), 3);
	json_decref(j);
}
END_TEST

/* Replaces the first occurrence of from in path's text with to. */
static void edit_file(const char *path, const char *out_path, const char *from, const char *to)
{
	char *text = read_file(path);
	char *p = strstr(text, from);
	ck_assert_msg(p != NULL, "no '%s' in %s", from, path);
	static char edited[1 << 20];
	snprintf(edited, sizeof(edited), "%.*s%s%s", (int)(p - text), text, to, p + strlen(from));
	write_file(out_path, edited);
}

START_TEST(replay_json_says_whether_it_was_exact)
{
	/* Goal: `replay --json` of a trace says exact with what was recorded
	 * (and the recorded run's verdict, steps and hash again); a trace
	 * whose decision was edited diverges at a step (exit 4); one whose
	 * recorded hash was edited runs every decision and diverges at its
	 * end. */
	char *dir = tmpdir();
	char run_json[128], json[128], trace[128], edited[128];
	snprintf(run_json, sizeof(run_json), "%s/run.json", dir);
	snprintf(json, sizeof(json), "%s/replay.json", dir);
	snprintf(trace, sizeof(trace), "%s/t.trace", dir);
	snprintf(edited, sizeof(edited), "%s/edited.trace", dir);
	static struct prog_result r;
	prog_run(&r, (const char *const[]){ "run", FLAKY_BUG, "--seed", FLAKY_SEED, "--trace-out",
					    trace, "--json", run_json, NULL },
		 NULL);
	ck_assert_msg(r.status == 1, "%s%s", r.out, r.err);
	prog_run(&r, (const char *const[]){ "replay", trace, "--json", json, NULL }, NULL);
	ck_assert_msg(r.status == 1, "%s%s", r.out, r.err);
	json_t *ran = load_json(run_json), *j = load_json(json);
	ck_assert_str_eq(text_at(j, "command"), "replay");
	static const char *const same[] = { "verdict", "checker", "message", "strategy",
					    "event_log_hash" };
	for (size_t i = 0; i < sizeof(same) / sizeof(same[0]); i++)
		ck_assert_msg(json_equal(at(ran, same[i]), at(j, same[i])), "\"%s\" differs", same[i]);
	ck_assert(json_equal(at(ran, "failure"), at(j, "failure")));
	ck_assert(json_equal(at(ran, "windows"), at(j, "windows")));
	ck_assert(json_equal(at(ran, "audio"), at(j, "audio")));
	ck_assert_int_eq(int_at(j, "seed"), 10);
	json_t *rp = at(j, "replay");
	ck_assert_str_eq(text_at(rp, "trace"), trace);
	ck_assert(json_is_true(at(rp, "exact")));
	ck_assert(json_is_null(at(rp, "diverged")));
	json_t *rec = at(rp, "recorded");
	ck_assert_str_eq(text_at(rec, "verdict"), "fail");
	ck_assert_str_eq(text_at(rec, "checker"), text_at(ran, "checker"));
	ck_assert_int_eq(int_at(rec, "steps"), int_at(ran, "steps"));
	ck_assert_str_eq(text_at(rec, "event_log_hash"), text_at(ran, "event_log_hash"));
	ck_assert_int_eq(int_at(j, "exit_status"), 1);
	json_decref(j);

	/* Another choice at the first decision that had two options. */
	char *text = read_file(trace);
	char *d = strstr(text, " schedule 2 ");
	ck_assert_ptr_nonnull(d);
	char from[32], to[32];
	snprintf(from, sizeof(from), " schedule 2 %c", d[strlen(" schedule 2 ")]);
	snprintf(to, sizeof(to), " schedule 2 %c", from[strlen(from) - 1] == '0' ? '1' : '0');
	edit_file(trace, edited, from, to);
	prog_run(&r, (const char *const[]){ "replay", edited, "--json", json, NULL }, NULL);
	ck_assert_msg(r.status == 4, "%s%s", r.out, r.err);
	j = load_json(json);
	rp = at(j, "replay");
	ck_assert(json_is_false(at(rp, "exact")));
	ck_assert_str_eq(text_at(at(rp, "diverged"), "at"), "step");
	ck_assert_int_eq(int_at(at(rp, "diverged"), "step"), int_at(at(j, "failure"), "step"));
	ck_assert_str_eq(text_at(j, "verdict"), "diverged");
	ck_assert_int_eq(int_at(j, "exit_status"), 4);
	json_decref(j);

	/* The recorded hash edited: the same run, another ending recorded. */
	const char *hash = text_at(ran, "event_log_hash") + 2;
	char other[24];
	snprintf(other, sizeof(other), "%s", hash);
	other[15] = other[15] == '0' ? '1' : '0';
	edit_file(trace, edited, hash, other);
	prog_run(&r, (const char *const[]){ "replay", edited, "--json", json, NULL }, NULL);
	ck_assert_msg(r.status == 4, "%s%s", r.out, r.err);
	j = load_json(json);
	rp = at(j, "replay");
	ck_assert(json_is_false(at(rp, "exact")));
	ck_assert_str_eq(text_at(at(rp, "diverged"), "at"), "end");
	ck_assert_str_eq(text_at(j, "verdict"), "fail");
	ck_assert_str_eq(text_at(j, "event_log_hash"), text_at(ran, "event_log_hash"));
	ck_assert_str_ne(text_at(at(rp, "recorded"), "event_log_hash"), text_at(ran, "event_log_hash"));
	ck_assert_int_eq(int_at(j, "exit_status"), 4);
	json_decref(j);
	json_decref(ran);
}
END_TEST

START_TEST(an_unwritable_run_json_is_refused_before_the_run)
{
	/* Goal: --json into a missing folder is refused before the run (exit
	 * 2, the path named, no verdict printed, nothing left); one that
	 * cannot be written whole (a full device, a file size limit) gives
	 * exit 2 and leaves no file, and an old file of that name as it was. */
	char *dir = tmpdir();
	char missing[160], json[160], trace[160];
	snprintf(missing, sizeof(missing), "%s/no/such/run.json", dir);
	static struct prog_result r;
	prog_run(&r, (const char *const[]){ "run", PASSING, "--json", missing, NULL }, NULL);
	ck_assert_msg(r.status == 2, "%s%s", r.out, r.err);
	ck_assert_msg(strstr(r.err, missing) != NULL, "%s", r.err);
	ck_assert_msg(strstr(r.out, "verdict") == NULL, "checked before the run: %s", r.out);
	snprintf(trace, sizeof(trace), "%s/t.trace", dir);
	prog_run(&r, (const char *const[]){ "run", PASSING, "--trace-out", trace, NULL }, NULL);
	ck_assert_int_eq(r.status, 0);
	prog_run(&r, (const char *const[]){ "replay", trace, "--json", missing, NULL }, NULL);
	ck_assert_msg(r.status == 2, "%s%s", r.out, r.err);
	ck_assert_msg(strstr(r.out, "verdict") == NULL, "checked before the run: %s", r.out);
	prog_run(&r, (const char *const[]){ "run", PASSING, "--json", "/dev/full", NULL }, NULL);
	ck_assert_msg(r.status == 2, "%s%s", r.out, r.err);
	ck_assert_msg(strstr(r.err, "ac97sim: /dev/full: ") != NULL, "%s", r.err);
	ck_assert_int_eq(entries(dir), 1);

	snprintf(json, sizeof(json), "%s/run.json", dir);
	write_file(json, "old\n");
	prog_run_fsize(&r, 300, (const char *const[]){ "run", PASSING, "--json", json, NULL });
	ck_assert_msg(r.status == 2, "%s%s", r.out, r.err);
	ck_assert_msg(strstr(r.err, json) != NULL, "%s", r.err);
	ck_assert_str_eq(read_file(json), "old\n");
	ck_assert_int_eq(entries(dir), 2);
}
END_TEST

/* What the runs of each strategy of a portfolio search found, made here
 * through the library seed by seed: explore's per-strategy results are
 * held to it. */
struct class_truth {
	uint64_t runs, failed, limited;
	uint64_t first_failure, first_limit;	/* UINT64_MAX: none */
	char checker[32], limit_checker[32];
	char message[1024];
};

static unsigned search_here(const char *scenario, uint64_t first_seed, uint64_t runs,
			    struct class_truth truth[STRATEGY_CLASSES_MAX],
			    char names[STRATEGY_CLASSES_MAX][24])
{
	struct scenario_file sf;
	char err[600];
	ck_assert_msg(scenario_file_load(scenario, &sf, err, sizeof(err)) == 0, "%s", err);
	const char *why = NULL;
	struct calibration cal;
	ck_assert_int_eq(calibrate(&sf, &cal, &why), 0);
	unsigned n_classes = strategy_class_count(CHOICE_PORTFOLIO);
	for (unsigned c = 0; c < n_classes; c++) {
		truth[c] = (struct class_truth){ .first_failure = UINT64_MAX, .first_limit = UINT64_MAX };
		strategy_class_name(CHOICE_PORTFOLIO, 0, c, names[c], sizeof(names[c]));
	}
	for (uint64_t seed = first_seed; seed < first_seed + runs; seed++) {
		struct strategy st = strategy_for_seed(CHOICE_PORTFOLIO, 0, seed, &cal);
		struct scenario_outcome out;
		ck_assert_int_eq(runs_one(&sf, &st, seed, NULL, NULL, NULL, &out, NULL, &why), 0);
		struct class_truth *t = &truth[strategy_class_of(CHOICE_PORTFOLIO, seed)];
		const struct run_result *res = &out.result;
		t->runs++;
		if (res->verdict == RUN_FAIL && t->failed++ == 0) {
			t->first_failure = seed;
			snprintf(t->checker, sizeof(t->checker), "%s", res->checker);
			snprintf(t->message, sizeof(t->message), "%s", res->message);
		}
		if (res->verdict == RUN_LIMIT && t->limited++ == 0) {
			t->first_limit = seed;
			snprintf(t->limit_checker, sizeof(t->limit_checker), "%s", res->checker);
		}
	}
	scenario_file_free(&sf);
	return n_classes;
}

START_TEST(strategy_results_are_each_strategys_own_runs)
{
	/* Goal: explore's JSON gives each strategy of the portfolio its own
	 * runs, passes, failures and limits, its lowest failing seed with the
	 * checker and the message of that seed's run (run again for each
	 * strategy, not only the search's first), as the same seeds give
	 * here through the library; at least two strategies fail, so that a
	 * message copied from the first failure would be caught. */
	char *dir = tmpdir();
	char json[128];
	snprintf(json, sizeof(json), "%s/explore.json", dir);
	static struct prog_result r;
	prog_run(&r, (const char *const[]){ "explore", FLAKY_BUG, "--runs", "150", "--keep-going",
					    "--quiet", "--trace-dir", dir, "--json", json, NULL },
		 NULL);
	ck_assert_msg(r.status == 1, "%s%s", r.out, r.err);
	struct class_truth truth[STRATEGY_CLASSES_MAX];
	char names[STRATEGY_CLASSES_MAX][24];
	unsigned n_classes = search_here(FLAKY_BUG, 1, 150, truth, names), failing = 0;
	json_t *j = load_json(json);
	json_t *all = at(j, "strategy_results");
	ck_assert_uint_eq(json_object_size(all), n_classes);
	for (unsigned c = 0; c < n_classes; c++) {
		json_t *one = at(all, names[c]);
		const struct class_truth *t = &truth[c];
		ck_assert_int_eq(int_at(one, "runs"), (json_int_t)t->runs);
		ck_assert_int_eq(int_at(one, "failed"), (json_int_t)t->failed);
		ck_assert_int_eq(int_at(one, "limit"), (json_int_t)t->limited);
		ck_assert_int_eq(int_at(one, "passed"), (json_int_t)(t->runs - t->failed - t->limited));
		ck_assert(json_is_null(at(one, "first_limit")));
		json_t *first = at(one, "first_failure");
		ck_assert_msg(json_is_null(first) == (t->failed == 0), "%s", names[c]);
		if (t->failed == 0)
			continue;
		failing++;
		ck_assert_int_eq(int_at(first, "seed"), (json_int_t)t->first_failure);
		ck_assert_str_eq(text_at(first, "checker"), t->checker);
		ck_assert_str_eq(text_at(first, "message"), t->message);
	}
	ck_assert_uint_ge(failing, 2);
	json_decref(j);
}
END_TEST

Suite *suite_machine_output(void);
Suite *suite_machine_output(void)
{
	Suite *s = suite_create("tools/machine_output");
	TCase *tc = tcase_create("run_json");
	tcase_add_test(tc, run_json_says_what_the_run_printed);
	tcase_add_test(tc, run_json_of_a_pass_and_of_a_limit);
	tcase_add_test(tc, replay_json_says_whether_it_was_exact);
	tcase_add_test(tc, an_unwritable_run_json_is_refused_before_the_run);
	tcase_set_timeout(tc, 120);
	suite_add_tcase(s, tc);
	tc = tcase_create("explore");
	tcase_add_test(tc, strategy_results_are_each_strategys_own_runs);
	tcase_set_timeout(tc, 300);
	suite_add_tcase(s, tc);
	return s;
}
