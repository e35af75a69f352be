/*
 * What the program writes for machines: `run --json` and `replay --json`
 * (one run), explore's per-strategy results, and the JUnit XML of explore
 * and merge; read back with jansson and libxml2 (the XML validated
 * against tests/junit/ac97sim-junit.xsd) and held to what the program
 * printed and to the same runs made here through the library.
 */
#include <check.h>
#include <dirent.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdarg.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlschemas.h>
#include <libxml/xpath.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "explore_junit.h"
#include "explore_result.h"
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

START_TEST(run_json_of_a_pass_a_limit_and_a_bug_check)
{
	/* Goal: a run that passes has no checker, message, bug check or
	 * failure and exit status 0; a run cut by its step limit says
	 * "limit", names the limit, ends at its last step and has exit status
	 * 3, as the program's; a driver's bug check gives its code as the
	 * message shows it. */
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
	ck_assert(json_is_null(at(j, "bugcheck")));
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
	ck_assert(json_is_null(at(j, "bugcheck")));
	json_decref(j);

	prog_run(&r, (const char *const[]){ "run", SCENARIOS "/bugs/ddk1999-lock-held.ini", "--json",
					    json, NULL },
		 NULL);
	ck_assert_msg(r.status == 1, "%s%s", r.out, r.err);
	j = load_json(json);
	ck_assert_str_eq(text_at(j, "checker"), "lock-across-port-call");
	ck_assert_str_eq(text_at(j, "bugcheck"), "0x000000c4");
	ck_assert_msg(strstr(text_at(j, "message"), "bug check 0xC4") != NULL, "%s",
		      text_at(j, "message"));
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
	 * end; a fork (--fork-at) says where it forked and from which seed,
	 * is neither exact nor diverged, and names the trace it recorded,
	 * which replays exactly to the hash the fork's JSON gives. */
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

	char forked[128], forked_json[128];
	snprintf(forked, sizeof(forked), "%s/forked.trace", dir);
	snprintf(forked_json, sizeof(forked_json), "%s/forked.json", dir);
	prog_run(&r, (const char *const[]){ "replay", trace, "--fork-at", "20", "--seed", "3",
					    "--trace-out", forked, "--json", json, NULL },
		 NULL);
	ck_assert_msg(r.status == 0 || r.status == 1 || r.status == 3, "%s%s", r.out, r.err);
	j = load_json(json);
	rp = at(j, "replay");
	ck_assert_int_eq(int_at(at(rp, "fork"), "step"), 20);
	ck_assert_int_eq(int_at(j, "seed"), 3);
	ck_assert(json_is_null(at(rp, "exact")));
	ck_assert(json_is_null(at(rp, "diverged")));
	ck_assert_str_eq(text_at(j, "trace_out"), forked);
	ck_assert_int_eq(int_at(j, "exit_status"), r.status);
	prog_run(&r, (const char *const[]){ "replay", forked, "--json", forked_json, NULL }, NULL);
	json_t *again = load_json(forked_json);
	ck_assert(json_is_true(at(at(again, "replay"), "exact")));
	ck_assert(json_is_null(at(at(again, "replay"), "fork")));
	ck_assert_str_eq(text_at(again, "event_log_hash"), text_at(j, "event_log_hash"));
	ck_assert_int_eq(int_at(again, "seed"), 3);
	json_decref(again);
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

/* ---- JUnit -------------------------------------------------------------------- */

#define JUNIT_SCHEMA "tests/junit/ac97sim-junit.xsd"

/* Parses path strictly (no recovery, no network) and validates it against
 * the schema; fails the test with libxml2's complaint otherwise. */
static xmlDocPtr load_junit(const char *path)
{
	xmlDocPtr doc = xmlReadFile(path, NULL, XML_PARSE_NONET);
	ck_assert_msg(doc != NULL, "%s is not well-formed XML:\n%s", path, read_file(path));
	xmlSchemaParserCtxtPtr pc = xmlSchemaNewParserCtxt(JUNIT_SCHEMA);
	ck_assert_ptr_nonnull(pc);
	xmlSchemaPtr schema = xmlSchemaParse(pc);
	ck_assert_msg(schema != NULL, "%s does not compile", JUNIT_SCHEMA);
	xmlSchemaValidCtxtPtr vc = xmlSchemaNewValidCtxt(schema);
	ck_assert_ptr_nonnull(vc);
	int rc = xmlSchemaValidateDoc(vc, doc);
	ck_assert_msg(rc == 0, "%s does not validate against %s (%d):\n%s", path, JUNIT_SCHEMA, rc,
		      read_file(path));
	xmlSchemaFreeValidCtxt(vc);
	xmlSchemaFree(schema);
	xmlSchemaFreeParserCtxt(pc);
	return doc;
}

/* The XPath expression's value as text (an expression such as
 * "string(...)" or "count(...)"), copied into a buffer of the caller's. */
__attribute__((format(printf, 4, 5))) static const char *xpath(xmlDocPtr doc, char *buf,
							       size_t len, const char *fmt, ...)
{
	char expr[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(expr, sizeof(expr), fmt, ap);
	va_end(ap);
	xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
	xmlXPathObjectPtr v = xmlXPathEvalExpression(BAD_CAST expr, ctx);
	ck_assert_msg(v != NULL, "XPath %s", expr);
	xmlChar *text = xmlXPathCastToString(v);
	snprintf(buf, len, "%s", (const char *)text);
	xmlFree(text);
	xmlXPathFreeObject(v);
	xmlXPathFreeContext(ctx);
	return buf;
}

static long xpath_count(xmlDocPtr doc, const char *expr)
{
	char buf[32];
	return strtol(xpath(doc, buf, sizeof(buf), "count(%s)", expr), NULL, 10);
}

#define CASE "/testsuites/testsuite/testcase[@name='%s']"

/* Runs the "run it again: PROGRAM ..." command of text (this program's)
 * and returns its result. */
static void run_again(const char *text, struct prog_result *r)
{
	char line[1024], *words[32];
	after(text, "run it again: ", line, sizeof(line));
	ck_assert_msg(strncmp(line, prog_path(), strlen(prog_path())) == 0, "%s", line);
	size_t n = 0;
	for (char *save = NULL, *w = strtok_r(line + strlen(prog_path()), " ", &save);
	     w != NULL && n < 31; w = strtok_r(NULL, " ", &save))
		words[n++] = w;
	words[n] = NULL;
	prog_run(r, (const char *const *)words, NULL);
}

START_TEST(junit_has_a_case_per_strategy_as_its_runs_found)
{
	/* Goal: explore --junit writes a report that parses and validates, with
	 * one test case per strategy of the portfolio: a strategy whose seeds
	 * failed (as the same seeds fail here through the library) carries its
	 * lowest failing seed, the checker as the failure's type, the message
	 * of that seed's run, and a command that runs it again, which fails
	 * with that checker when run; the search's first failure also names
	 * its trace; the others pass; the suite counts them. */
	char *dir = tmpdir();
	char xml[128], buf[4096], want[512];
	snprintf(xml, sizeof(xml), "%s/explore.xml", dir);
	static struct prog_result r, again;
	prog_run(&r, (const char *const[]){ "explore", FLAKY_BUG, "--runs", "150", "--keep-going",
					    "--quiet", "--trace-dir", dir, "--junit", xml, NULL },
		 NULL);
	ck_assert_msg(r.status == 1, "%s%s", r.out, r.err);
	struct class_truth truth[STRATEGY_CLASSES_MAX];
	char names[STRATEGY_CLASSES_MAX][24];
	unsigned n_classes = search_here(FLAKY_BUG, 1, 150, truth, names), failing = 0;
	uint64_t first = UINT64_MAX;
	for (unsigned c = 0; c < n_classes; c++)
		if (truth[c].first_failure < first)
			first = truth[c].first_failure;
	xmlDocPtr doc = load_junit(xml);
	ck_assert_int_eq(xpath_count(doc, "//testcase"), n_classes);
	for (unsigned c = 0; c < n_classes; c++) {
		const struct class_truth *t = &truth[c];
		char base[256];
		snprintf(base, sizeof(base), CASE, names[c]);
		ck_assert_msg(xpath_count(doc, base) == 1, "no case %s", names[c]);
		ck_assert_str_eq(xpath(doc, buf, sizeof(buf), "string(%s/@classname)", base),
				 SCENARIOS "/bugs/wdk81-single-entry-revoke");
		snprintf(want, sizeof(want), "%" PRIu64 " runs of %s: %" PRIu64 " passed, %" PRIu64
			 " failed, 0 cut by a limit\n", t->runs, names[c], t->runs - t->failed, t->failed);
		xpath(doc, buf, sizeof(buf), "string(%s/system-out)", base);
		ck_assert_msg(strncmp(buf, want, strlen(want)) == 0, "%s\n%s", want, buf);
		if (t->failed == 0) {
			snprintf(want, sizeof(want), "%s/*[name() != 'system-out']", base);
			ck_assert_msg(xpath_count(doc, want) == 0, "%s passed", names[c]);
			continue;
		}
		failing++;
		ck_assert_str_eq(xpath(doc, buf, sizeof(buf), "string(%s/failure/@type)", base),
				 t->checker);
		snprintf(want, sizeof(want), "seed %" PRIu64 ": %s: ", t->first_failure, t->checker);
		xpath(doc, buf, sizeof(buf), "string(%s/failure/@message)", base);
		ck_assert_msg(strncmp(buf, want, strlen(want)) == 0, "%s", buf);
		ck_assert_msg(strchr(buf, '\n') == NULL, "the message attribute is one line: %s", buf);
		xpath(doc, buf, sizeof(buf), "string(%s/failure)", base);
		ck_assert_msg(strstr(buf, t->message) != NULL, "%s\n%s", t->message, buf);
		snprintf(want, sizeof(want), "replay it: %s replay %s/wdk81-single-entry-revoke-seed%"
			 PRIu64 ".trace\n", prog_path(), dir, t->first_failure);
		ck_assert_msg((strstr(buf, want) != NULL) == (t->first_failure == first), "%s", buf);
		run_again(buf, &again);
		snprintf(want, sizeof(want), "verdict: fail (%s)\n", t->checker);
		ck_assert_msg(again.status == 1 && strstr(again.out, want) != NULL, "%s%s", again.out,
			      again.err);
	}
	ck_assert_uint_ge(failing, 2);
	snprintf(want, sizeof(want), "%u", failing);
	ck_assert_str_eq(xpath(doc, buf, sizeof(buf), "string(/testsuites/testsuite/@failures)"), want);
	ck_assert_str_eq(xpath(doc, buf, sizeof(buf), "string(/testsuites/@failures)"), want);
	snprintf(want, sizeof(want), "%u", n_classes);
	ck_assert_str_eq(xpath(doc, buf, sizeof(buf), "string(/testsuites/testsuite/@tests)"), want);
	ck_assert_str_eq(xpath(doc, buf, sizeof(buf), "string(/testsuites/testsuite/@errors)"), "0");
	ck_assert_str_eq(xpath(doc, buf, sizeof(buf), "string(/testsuites/testsuite/@skipped)"), "0");
	ck_assert_str_eq(xpath(doc, buf, sizeof(buf), "string(/testsuites/testsuite/@name)"), FLAKY_BUG);
	xmlFreeDoc(doc);
}
END_TEST

START_TEST(junit_limits_are_errors_and_absent_strategies_skipped)
{
	/* Goal: a strategy whose runs were cut by their step limit (and none
	 * failed) is an error naming the limit and its lowest seed, never a
	 * pass; a strategy none of whose seeds ran is skipped; a search whose
	 * runs all pass has neither failures, errors nor skips. */
	char *dir = tmpdir();
	char scen[128], xml[128], buf[4096], base[256];
	snprintf(scen, sizeof(scen), "%s/short.ini", dir);
	write_file(scen, "[scenario]\nname = cut\nmax_steps = 300\n");
	snprintf(xml, sizeof(xml), "%s/cut.xml", dir);
	static struct prog_result r;
	/* Seeds 1 and 2: PCT of depth 2 and random walk (strategies.h). */
	prog_run(&r, (const char *const[]){ "explore", scen, "--runs", "2", "--junit", xml, NULL },
		 NULL);
	ck_assert_msg(r.status == 3, "%s%s", r.out, r.err);
	xmlDocPtr doc = load_junit(xml);
	ck_assert_str_eq(xpath(doc, buf, sizeof(buf), "string(/testsuites/testsuite/@errors)"), "2");
	ck_assert_str_eq(xpath(doc, buf, sizeof(buf), "string(/testsuites/testsuite/@skipped)"), "2");
	ck_assert_str_eq(xpath(doc, buf, sizeof(buf), "string(/testsuites/testsuite/@failures)"), "0");
	ck_assert_str_eq(xpath(doc, buf, sizeof(buf), "string(/testsuites/@errors)"), "2");
	static const struct { const char *name, *seed; } cut[] = { { "random", "2" },
								   { "pct depth=2", "1" } };
	for (size_t i = 0; i < 2; i++) {
		snprintf(base, sizeof(base), CASE, cut[i].name);
		ck_assert_str_eq(xpath(doc, buf, sizeof(buf), "string(%s/error/@type)", base),
				 "step-limit");
		char want[64];
		snprintf(want, sizeof(want), "seed %s: step-limit: ", cut[i].seed);
		xpath(doc, buf, sizeof(buf), "string(%s/error/@message)", base);
		ck_assert_msg(strncmp(buf, want, strlen(want)) == 0, "%s", buf);
		ck_assert_int_eq(xpath_count(doc, "//testcase/failure"), 0);
	}
	static const char *const absent[] = { "pos", "pct depth=3" };
	for (size_t i = 0; i < 2; i++) {
		snprintf(base, sizeof(base), CASE "/skipped", absent[i]);
		ck_assert_msg(xpath_count(doc, base) == 1, "%s not skipped", absent[i]);
		xpath(doc, buf, sizeof(buf), "string(%s/@message)", base);
		ck_assert_msg(strstr(buf, "none of this strategy's seeds ran") != NULL, "%s", buf);
	}
	xmlFreeDoc(doc);

	prog_run(&r, (const char *const[]){ "explore", PASSING, "--runs", "12", "--junit", xml, NULL },
		 NULL);
	ck_assert_msg(r.status == 0, "%s%s", r.out, r.err);
	doc = load_junit(xml);
	ck_assert_int_eq(xpath_count(doc, "//testcase"), 4);
	ck_assert_int_eq(xpath_count(doc, "//failure | //error | //skipped"), 0);
	ck_assert_int_eq(xpath_count(doc, "//testcase/system-out"), 4);
	xmlFreeDoc(doc);
}
END_TEST

/* The test cases of a report, each as libxml2 writes it out. */
static void dump_cases(xmlDocPtr doc, char *out, size_t len)
{
	xmlBufferPtr b = xmlBufferCreate();
	xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
	xmlXPathObjectPtr v = xmlXPathEvalExpression(BAD_CAST "//testcase", ctx);
	ck_assert(v != NULL && v->nodesetval != NULL);
	for (int i = 0; i < v->nodesetval->nodeNr; i++)
		xmlNodeDump(b, doc, v->nodesetval->nodeTab[i], 0, 0);
	snprintf(out, len, "%s", (const char *)xmlBufferContent(b));
	xmlXPathFreeObject(v);
	xmlXPathFreeContext(ctx);
	xmlBufferFree(b);
}

START_TEST(merge_junit_is_the_unsharded_searchs)
{
	/* Goal: merge --junit of three shards writes the test cases the
	 * unsharded search (another number of jobs) wrote, byte for byte, and
	 * the same counts; its properties say it merged three shards. */
	char *dir = tmpdir();
	char whole[128], merged[128], merged_json[128], shard_json[3][128];
	snprintf(whole, sizeof(whole), "%s/whole.xml", dir);
	snprintf(merged, sizeof(merged), "%s/merged.xml", dir);
	snprintf(merged_json, sizeof(merged_json), "%s/merged.json", dir);
	static struct prog_result r;
	prog_run(&r, (const char *const[]){ "explore", FLAKY_BUG, "--runs", "120", "--keep-going",
					    "--quiet", "--jobs", "2", "--trace-dir", dir, "--junit",
					    whole, NULL },
		 NULL);
	ck_assert_msg(r.status == 1, "%s%s", r.out, r.err);
	for (unsigned k = 1; k <= 3; k++) {
		char shard[8];
		snprintf(shard, sizeof(shard), "%u/3", k);
		snprintf(shard_json[k - 1], 128, "%s/shard%u.json", dir, k);
		prog_run(&r, (const char *const[]){ "explore", FLAKY_BUG, "--runs", "120", "--keep-going",
						    "--quiet", "--jobs", "1", "--shard", shard,
						    "--trace-dir", dir, "--json", shard_json[k - 1],
						    NULL },
			 NULL);
		ck_assert_msg(r.status == 0 || r.status == 1, "%s%s", r.out, r.err);
	}
	prog_run(&r, (const char *const[]){ "merge", merged_json, shard_json[1], shard_json[0],
					    shard_json[2], "--junit", merged, "--quiet", NULL },
		 NULL);
	ck_assert_msg(r.status == 1, "%s%s", r.out, r.err);
	xmlDocPtr a = load_junit(whole), b = load_junit(merged);
	static char cases_a[1 << 16], cases_b[1 << 16];
	dump_cases(a, cases_a, sizeof(cases_a));
	dump_cases(b, cases_b, sizeof(cases_b));
	size_t same = 0;
	while (cases_a[same] != '\0' && cases_a[same] == cases_b[same])
		same++;
	ck_assert_msg(cases_a[same] == cases_b[same],
		      "the merged report's cases differ from the unsharded one's at byte %zu:\n"
		      "%.300s\n---\n%.300s", same, cases_a + same, cases_b + same);
	ck_assert_ptr_nonnull(strstr(cases_a, "<failure"));
	static const char *const counts[] = { "tests", "failures", "errors", "skipped" };
	for (size_t i = 0; i < 4; i++) {
		char x[32], y[32];
		xpath(a, x, sizeof(x), "string(/testsuites/testsuite/@%s)", counts[i]);
		xpath(b, y, sizeof(y), "string(/testsuites/testsuite/@%s)", counts[i]);
		ck_assert_str_eq(x, y);
	}
	char buf[64];
	ck_assert_str_eq(xpath(b, buf, sizeof(buf), "string(//property[@name='merged_shards']/@value)"),
			 "3 of 3");
	xmlFreeDoc(a);
	xmlFreeDoc(b);
}
END_TEST

START_TEST(junit_text_stays_well_formed)
{
	/* Goal: whatever a message, checker or scenario name holds (markup
	 * characters, quotes, control characters XML forbids, bytes that are
	 * not UTF-8, a character XML excludes, line breaks), the report parses
	 * strictly and validates, keeps what XML can hold as it was, and shows
	 * the rest as \xNN. */
	static const struct { const char *in, *out; } texts[] = {
		{ "", "" },
		{ "plain <&> \"q\" 'a'", "plain <&> \"q\" 'a'" },
		{ "tab\tline\nret\r", "tab\tline\nret\r" },
		{ "bell\x01 esc\x1b del\x7f", "bell\\x01 esc\\x1B del\x7f" },
		{ "caf\xc3\xa9 \xf0\x9f\x8e\xb5", "caf\xc3\xa9 \xf0\x9f\x8e\xb5" },
		{ "bad \xff\xfe", "bad \\xFF\\xFE" },
		{ "overlong \xc0\x80", "overlong \\xC0\\x80" },
		{ "surrogate \xed\xa0\x80", "surrogate \\xED\\xA0\\x80" },
		{ "not a char \xef\xbf\xbe", "not a char \\xEF\\xBF\\xBE" },
		{ "beyond \xf4\x90\x80\x80", "beyond \\xF4\\x90\\x80\\x80" },
		{ "cut \xe2\x82", "cut \\xE2\\x82" },
	};
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		char *got = explore_junit_text(texts[i].in);
		ck_assert_ptr_nonnull(got);
		ck_assert_str_eq(got, texts[i].out);
		free(got);
	}

	struct explore_search s;
	memset(&s, 0, sizeof(s));
	snprintf(s.scenario, sizeof(s.scenario), "odd & <dir>/\"x\x02\".ini");
	snprintf(s.driver, sizeof(s.driver), "d\xff");
	snprintf(s.build, sizeof(s.build), "b");
	s.choice = CHOICE_PORTFOLIO;
	s.cal = (struct calibration){ .steps = 100, .choice_points = 10 };
	s.first_seed = 1;
	s.runs = 12;
	s.shard_count = 1;
	s.keep_going = true;
	struct explore_result r;
	ck_assert_int_eq(explore_result_init(&r, &s, 1), 0);
	const char *message = "a\x01" "b <&> \"q\" \xff caf\xc3\xa9\nsecond ]]> line";
	for (uint64_t seed = 1; seed <= 12; seed++)
		ck_assert_int_eq(explore_result_add(&r, seed, seed == 3 ? RUN_FAIL : RUN_PASS,
						    seed == 3 ? "odd\x03<checker>" : "-", 0),
				 0);
	explore_result_finish(&r, EXPLORE_COMPLETE);
	unsigned c = strategy_class_of(CHOICE_PORTFOLIO, 3);
	snprintf(r.first_message, sizeof(r.first_message), "%s", message);
	snprintf(r.by_class[c].first_message, sizeof(r.by_class[c].first_message), "%s", message);
	r.seconds = 0.5;
	char *dir = tmpdir();
	char xml[128], err[256], buf[4096], base[256], name[24];
	snprintf(xml, sizeof(xml), "%s/odd.xml", dir);
	ck_assert_msg(explore_junit_write(xml, &r, err, sizeof(err)) == 0, "%s", err);
	explore_result_free(&r);
	xmlDocPtr doc = load_junit(xml);
	strategy_class_name(CHOICE_PORTFOLIO, 0, c, name, sizeof(name));
	snprintf(base, sizeof(base), CASE, name);
	ck_assert_str_eq(xpath(doc, buf, sizeof(buf), "string(%s/failure/@type)", base),
			 "odd\\x03<checker>");
	ck_assert_str_eq(xpath(doc, buf, sizeof(buf), "string(%s/failure/@message)", base),
			 "seed 3: odd\\x03<checker>: a\\x01b <&> \"q\" \\xFF caf\xc3\xa9");
	xpath(doc, buf, sizeof(buf), "string(%s/failure)", base);
	ck_assert_msg(strstr(buf, "caf\xc3\xa9\nsecond ]]> line\n") != NULL, "%s", buf);
	ck_assert_str_eq(xpath(doc, buf, sizeof(buf), "string(%s/@classname)", base),
			 "odd & <dir>/\"x\\x02\"");
	ck_assert_str_eq(xpath(doc, buf, sizeof(buf), "string(//property[@name='driver']/@value)"),
			 "d\\xFF");
	ck_assert_str_eq(xpath(doc, buf, sizeof(buf), "string(/testsuites/@time)"), "0.500");
	xmlFreeDoc(doc);
}
END_TEST

START_TEST(an_unwritable_junit_is_refused_before_the_search)
{
	/* Goal: --junit into a missing folder is refused before explore runs
	 * or merge reads (exit 2, the path named, no summary, nothing
	 * written, merge's JSON neither); one that cannot be written whole
	 * gives exit 2 and leaves no file, and an old one as it was. */
	char *dir = tmpdir();
	char missing[160], json[160], out_json[160], xml[160];
	snprintf(missing, sizeof(missing), "%s/no/such/report.xml", dir);
	static struct prog_result r;
	prog_run(&r, (const char *const[]){ "explore", PASSING, "--runs", "2", "--junit", missing,
					    NULL },
		 NULL);
	ck_assert_msg(r.status == 2, "%s%s", r.out, r.err);
	ck_assert_msg(strstr(r.err, missing) != NULL, "%s", r.err);
	ck_assert_msg(strstr(r.out, "runs:") == NULL, "checked before the search: %s", r.out);
	prog_run(&r, (const char *const[]){ "explore", PASSING, "--runs", "2", "--junit", "/dev/full",
					    NULL },
		 NULL);
	ck_assert_msg(r.status == 2, "%s%s", r.out, r.err);
	ck_assert_msg(strstr(r.err, "ac97sim: /dev/full: ") != NULL, "%s", r.err);
	ck_assert_int_eq(entries(dir), 0);

	snprintf(json, sizeof(json), "%s/one.json", dir);
	snprintf(out_json, sizeof(out_json), "%s/merged.json", dir);
	prog_run(&r, (const char *const[]){ "explore", PASSING, "--runs", "2", "--json", json, NULL },
		 NULL);
	ck_assert_msg(r.status == 0, "%s%s", r.out, r.err);
	prog_run(&r, (const char *const[]){ "merge", out_json, json, "--junit", missing, NULL }, NULL);
	ck_assert_msg(r.status == 2, "%s%s", r.out, r.err);
	ck_assert_msg(strstr(r.err, missing) != NULL, "%s", r.err);
	ck_assert_int_eq(entries(dir), 1);

	snprintf(xml, sizeof(xml), "%s/report.xml", dir);
	write_file(xml, "old\n");
	prog_run_fsize(&r, 600, (const char *const[]){ "explore", PASSING, "--runs", "2", "--junit",
						       xml, NULL });
	ck_assert_msg(r.status == 2, "%s%s", r.out, r.err);
	ck_assert_msg(strstr(r.err, xml) != NULL, "%s", r.err);
	ck_assert_str_eq(read_file(xml), "old\n");
	ck_assert_int_eq(entries(dir), 2);
}
END_TEST

Suite *suite_machine_output(void);
Suite *suite_machine_output(void)
{
	Suite *s = suite_create("tools/machine_output");
	TCase *tc = tcase_create("run_json");
	tcase_add_test(tc, run_json_says_what_the_run_printed);
	tcase_add_test(tc, run_json_of_a_pass_a_limit_and_a_bug_check);
	tcase_add_test(tc, replay_json_says_whether_it_was_exact);
	tcase_add_test(tc, an_unwritable_run_json_is_refused_before_the_run);
	tcase_set_timeout(tc, 120);
	suite_add_tcase(s, tc);
	tc = tcase_create("explore");
	tcase_add_test(tc, strategy_results_are_each_strategys_own_runs);
	tcase_add_test(tc, junit_has_a_case_per_strategy_as_its_runs_found);
	tcase_add_test(tc, junit_limits_are_errors_and_absent_strategies_skipped);
	tcase_add_test(tc, merge_junit_is_the_unsharded_searchs);
	tcase_add_test(tc, junit_text_stays_well_formed);
	tcase_add_test(tc, an_unwritable_junit_is_refused_before_the_search);
	tcase_set_timeout(tc, 300);
	suite_add_tcase(s, tc);
	return s;
}
