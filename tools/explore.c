/*
 * explore.c - `ac97sim explore`: many schedules of one scenario, spread
 * over worker processes, looking for failing ones.
 *
 * The answer does not depend on how the work is shared: each run's outcome
 * is a function of its seed (runs.h), and explore reports the lowest
 * failing seed of the range, stopping the workers only once every lower
 * seed has run (with --keep-going it runs them all and lists every failing
 * seed). So a search split into seed ranges finds the same failing seeds
 * as the whole. The lowest failing seed is run again here, recorded, and
 * written as a trace with the command that replays it.
 *
 * Verdicts are counted apart: passed, failed, and cut by a limit (a run
 * that hit its step or time limit has not passed: it says nothing about
 * the end of the stream).
 */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "outfile.h"
#include "driver_option.h"
#include "runs.h"

#define JOBS_MAX 64u
#define WORKER_SETUP_FAILED 100	/* a worker's exit status: the scenario would not set up */
#define FAILURES_LISTED_MAX 10u	/* failing seeds printed (all go to the JSON) */
#define ERR_MAX 1200

static const struct cli_option explore_options[] = {
	{ "strategy", 0, CLI_VALUE, "S",
	  "portfolio (default: random walk and PCT of depth 1-3 in turn,\n"
	  "by seed), random, or pct" },
	{ "depth", 'd', CLI_VALUE, "D", "PCT's depth for --strategy pct, 1..8 (default 3)" },
	{ "runs", 'n', CLI_VALUE, "N", "schedules to try (default 1000)" },
	{ "seed", 's', CLI_VALUE, "S", "the first seed (default 1)" },
	{ "jobs", 'j', CLI_VALUE, "J", "worker processes (default: the machine's processors)" },
	{ "json", 0, CLI_VALUE, "FILE", "write the results for machines" },
	{ "trace-dir", 0, CLI_VALUE, "DIR", "where the failing trace goes (default: here)" },
	{ "keep-going", 'k', CLI_FLAG, NULL, "run all N and list every failing seed" },
	{ "quiet", 'q', CLI_FLAG, NULL, "no progress bar" },
	DRIVER_OPTION,
	NO_CHECK_OPTION,
};

static const struct cli_spec explore_spec = {
	.command = "explore",
	.synopsis = "SCENARIO [--runs N] [--seed S] [--jobs J] [OPTIONS]",
	.description =
		"Runs the scenario under many schedules (seeds S, S+1, ... S+N-1), each\n"
		"refereed by every checker, over J worker processes. On a terminal a progress\n"
		"bar shows how far it got.\n"
		"\n"
		"A seed names a schedule: seed N runs the same whatever --seed, --runs and\n"
		"--jobs surround it, and `ac97sim run SCENARIO --seed N --strategy S` runs it\n"
		"again. When a run fails, explore reports the lowest failing seed, writes its\n"
		"trace and prints the exact command that replays it. Runs cut by their step or\n"
		"time limit are counted apart: they have not passed.\n",
	.options = explore_options,
	.n_options = sizeof(explore_options) / sizeof(explore_options[0]),
	.operands_min = 1,
	.operands_max = 1,
	.epilogue = "Exit: 0 every run passed, 1 a run failed, 3 no run failed but some were cut\n"
		    "by a limit, 2 bad usage or input (see 'ac97sim help').\n",
};

void help_explore(FILE *f)
{
	cli_help(&explore_spec, f);
}

enum strategy_choice { CHOICE_PORTFOLIO, CHOICE_RANDOM, CHOICE_PCT };

struct explore_opts {
	const char *scenario;
	enum strategy_choice choice;
	uint64_t depth, runs, seed, jobs;
	const char *json, *trace_dir;
	struct runs_choices choices;
	bool keep_going, quiet;
};

static int parse(int argc, char **argv, struct explore_opts *o)
{
	const struct cli_spec *spec = &explore_spec;
	struct cli_args a;
	int st = cli_parse(spec, argc, argv, &a);
	if (st != CLI_CONTINUE)
		return st;
	memset(o, 0, sizeof(*o));
	o->scenario = a.operands[0];
	o->depth = 3;
	o->runs = 1000;
	o->seed = 1;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	o->jobs = cpus > 0 ? (uint64_t)cpus : 1;
	if (o->jobs > JOBS_MAX)
		o->jobs = JOBS_MAX;
	if (!cli_u64(spec, &a, "depth", 1, PCT_DEPTH_MAX, &o->depth) ||
	    !cli_u64(spec, &a, "runs", 1, UINT64_MAX / 2, &o->runs) ||
	    !cli_u64(spec, &a, "seed", 0, UINT64_MAX / 2, &o->seed) ||
	    !cli_u64(spec, &a, "jobs", 1, JOBS_MAX, &o->jobs))
		return EXIT_USAGE;
	const char *s = cli_value(spec, &a, "strategy");
	if (s == NULL || strcmp(s, "portfolio") == 0)
		o->choice = CHOICE_PORTFOLIO;
	else if (strcmp(s, "random") == 0)
		o->choice = CHOICE_RANDOM;
	else if (strcmp(s, "pct") == 0)
		o->choice = CHOICE_PCT;
	else
		return cli_usage_error(spec, "--strategy is portfolio, random or pct, not '%s'", s);
	if (o->choice != CHOICE_PCT && cli_given(spec, &a, "depth"))
		cli_note_unused(spec, "depth", "it sets PCT's depth for --strategy pct only");
	o->json = cli_value(spec, &a, "json");
	o->trace_dir = cli_value(spec, &a, "trace-dir");
	if (o->trace_dir == NULL)
		o->trace_dir = ".";
	o->keep_going = cli_given(spec, &a, "keep-going");
	o->quiet = cli_given(spec, &a, "quiet");
	o->choices = (struct runs_choices){ cli_value(spec, &a, "driver"),
					    cli_value(spec, &a, "no-check") };
	if (o->jobs > o->runs)
		o->jobs = o->runs;
	char err[ERR_MAX];
	if ((o->json != NULL && outfile_check(o->json, err, sizeof(err)) != 0) ||
	    outfile_check_dir(o->trace_dir, err, sizeof(err)) != 0) {
		fprintf(stderr, "ac97sim: %s\n", err);
		return EXIT_USAGE;
	}
	return CLI_CONTINUE;
}

/* The strategy seed s runs with: a function of s (and the scenario's k). */
static struct strategy strategy_for(const struct explore_opts *o, uint64_t s, uint64_t k)
{
	switch (o->choice) {
	case CHOICE_PORTFOLIO: return runs_portfolio_strategy(s, k);
	case CHOICE_PCT:
		return (struct strategy){ .kind = STRATEGY_PCT, .pct_depth = (uint32_t)o->depth,
					  .pct_steps = k };
	case CHOICE_RANDOM: break;
	}
	return (struct strategy){ .kind = STRATEGY_RANDOM };
}

/* A worker: runs seeds first + j, first + j + jobs, ... and writes one line
 * a run: "SEED VERDICT CHECKER". */
static _Noreturn void worker(const struct explore_opts *o, const struct scenario_file *sf,
			     uint64_t k, uint64_t j, int fd)
{
	FILE *out = fdopen(fd, "w");
	if (out == NULL)
		_exit(WORKER_SETUP_FAILED);
	for (uint64_t i = j; i < o->runs; i += o->jobs) {
		uint64_t s = o->seed + i;
		struct strategy st = strategy_for(o, s, k);
		struct scenario_outcome r;
		const char *why = NULL;
		if (runs_one(sf, &st, s, NULL, NULL, NULL, &r, NULL, &why) != 0)
			_exit(WORKER_SETUP_FAILED);
		fprintf(out, "%" PRIu64 " %d %s\n", s, (int)r.result.verdict,
			r.result.checker[0] ? r.result.checker : "-");
		fflush(out);
	}
	fclose(out);
	_exit(0);
}

static double wall_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* What the runs came to. Per seed: 0 not run yet, else 1 + verdict. */
struct tally {
	uint8_t *by_seed;
	uint64_t done, passed, failed, limited;
	uint64_t lowest_fail;	/* UINT64_MAX: none */
	uint64_t below;		/* every seed offset below this has run */
	char (*checker)[32];	/* of each failing seed, by offset */
};

static void progress(const struct explore_opts *o, const struct tally *t, double t0)
{
	int width = 30, filled = (int)(width * (double)t->done / (double)o->runs);
	double rate = (double)t->done / (wall_seconds() - t0 + 1e-9);
	fprintf(stderr,
		"\r[%.*s%*s] %" PRIu64 "/%" PRIu64 " runs, %" PRIu64 " failed, %" PRIu64
		" limit, %.0f runs/s ",
		filled, "##############################", width - filled, "", t->done, o->runs,
		t->failed, t->limited, rate);
}

static void record(const struct explore_opts *o, struct tally *t, const char *line)
{
	uint64_t seed;
	int verdict;
	char checker[32];
	if (sscanf(line, "%" SCNu64 " %d %31s", &seed, &verdict, checker) != 3 || seed < o->seed ||
	    seed - o->seed >= o->runs || t->by_seed[seed - o->seed] != 0)
		return;
	uint64_t i = seed - o->seed;
	t->by_seed[i] = (uint8_t)(1 + verdict);
	t->done++;
	switch ((enum run_verdict)verdict) {
	case RUN_PASS: t->passed++; break;
	case RUN_LIMIT: t->limited++; break;
	case RUN_FAIL:
	case RUN_DIVERGED:
		t->failed++;
		snprintf(t->checker[i], sizeof(t->checker[i]), "%s", checker);
		if (seed < t->lowest_fail)
			t->lowest_fail = seed;
		break;
	}
}

/* Forks the workers and collects their lines until done (or until every
 * seed below the lowest failure has run). Returns false when a worker
 * could not set the scenario up. */
static bool run_workers(const struct explore_opts *o, const struct scenario_file *sf, uint64_t k,
			struct tally *t, bool tty, double t0)
{
	int fds[JOBS_MAX];
	pid_t pids[JOBS_MAX];
	fflush(stdout);
	fflush(stderr);
	uint64_t started = 0;
	for (uint64_t j = 0; j < o->jobs; j++) {
		int p[2];
		if (pipe(p) != 0)
			break;
		pid_t pid = fork();
		if (pid < 0) {
			close(p[0]);
			close(p[1]);
			break;
		}
		if (pid == 0) {
			close(p[0]);
			for (uint64_t q = 0; q < j; q++)
				close(fds[q]);
			worker(o, sf, k, j, p[1]);
		}
		close(p[1]);
		fds[j] = p[0];
		pids[j] = pid;
		started++;
	}
	if (started < o->jobs) {
		fprintf(stderr, "ac97sim: explore: cannot start worker %" PRIu64 ": %s\n", started,
			strerror(errno));
		for (uint64_t j = 0; j < started; j++) {
			close(fds[j]);
			kill(pids[j], SIGTERM);
			waitpid(pids[j], NULL, 0);
		}
		return false;
	}
	char buf[JOBS_MAX][256];
	size_t fill[JOBS_MAX] = { 0 };
	uint64_t open_fds = o->jobs;
	while (open_fds > 0) {
		struct pollfd pfd[JOBS_MAX];
		for (uint64_t j = 0; j < o->jobs; j++)
			pfd[j] = (struct pollfd){ .fd = fds[j], .events = POLLIN };
		if (poll(pfd, (nfds_t)o->jobs, -1) < 0 && errno != EINTR)
			break;
		for (uint64_t j = 0; j < o->jobs; j++) {
			if (fds[j] < 0 || !(pfd[j].revents & (POLLIN | POLLHUP)))
				continue;
			ssize_t n = read(fds[j], buf[j] + fill[j], sizeof(buf[j]) - 1 - fill[j]);
			if (n <= 0) {
				close(fds[j]);
				fds[j] = -1;
				open_fds--;
				continue;
			}
			fill[j] += (size_t)n;
			buf[j][fill[j]] = '\0';
			char *line = buf[j], *nl;
			while ((nl = strchr(line, '\n')) != NULL) {
				*nl = '\0';
				record(o, t, line);
				line = nl + 1;
			}
			fill[j] = strlen(line);
			memmove(buf[j], line, fill[j] + 1);
		}
		if (tty)
			progress(o, t, t0);
		while (t->below < o->runs && t->by_seed[t->below] != 0)
			t->below++;
		if (!o->keep_going && t->lowest_fail != UINT64_MAX &&
		    t->below >= t->lowest_fail - o->seed)
			break;
	}
	bool broke = false;
	for (uint64_t j = 0; j < o->jobs; j++) {
		if (fds[j] >= 0)
			close(fds[j]);
		kill(pids[j], SIGTERM);
	}
	for (uint64_t j = 0; j < o->jobs; j++) {
		int ws;
		waitpid(pids[j], &ws, 0);
		if (WIFEXITED(ws) && WEXITSTATUS(ws) == WORKER_SETUP_FAILED)
			broke = true;
	}
	return !broke;
}

static const char *strategy_label(const struct strategy *st, char *buf, size_t len)
{
	strategy_format(st, buf, len);
	return buf;
}

static int write_json(const struct explore_opts *o, const struct tally *t, uint64_t k,
		      double seconds, const char *trace_path, const struct scenario_outcome *fail)
{
	json_t *root = json_object();
	json_object_set_new(root, "scenario", json_string(o->scenario));
	json_object_set_new(root, "first_seed", json_integer((json_int_t)o->seed));
	json_object_set_new(root, "runs_asked", json_integer((json_int_t)o->runs));
	json_object_set_new(root, "runs", json_integer((json_int_t)t->done));
	json_object_set_new(root, "passed", json_integer((json_int_t)t->passed));
	json_object_set_new(root, "failed", json_integer((json_int_t)t->failed));
	json_object_set_new(root, "limit", json_integer((json_int_t)t->limited));
	json_object_set_new(root, "pct_steps", json_integer((json_int_t)k));
	json_object_set_new(root, "jobs", json_integer((json_int_t)o->jobs));
	json_object_set_new(root, "seconds", json_real(seconds));
	json_t *failures = json_array();
	for (uint64_t i = 0; i < o->runs; i++) {
		if (t->by_seed[i] != 1 + RUN_FAIL && t->by_seed[i] != 1 + RUN_DIVERGED)
			continue;
		char label[64];
		struct strategy st = strategy_for(o, o->seed + i, k);
		json_t *f = json_object();
		json_object_set_new(f, "seed", json_integer((json_int_t)(o->seed + i)));
		json_object_set_new(f, "strategy", json_string(strategy_label(&st, label, sizeof(label))));
		json_object_set_new(f, "checker", json_string(t->checker[i]));
		json_array_append_new(failures, f);
	}
	json_object_set_new(root, "failures", failures);
	if (t->lowest_fail != UINT64_MAX) {
		json_t *first = json_object();
		json_object_set_new(first, "seed", json_integer((json_int_t)t->lowest_fail));
		json_object_set_new(first, "checker", json_string(fail->result.checker));
		json_object_set_new(first, "message", json_string(fail->result.message));
		json_object_set_new(first, "trace", trace_path[0] ? json_string(trace_path) : json_null());
		json_object_set_new(root, "first_failure", first);
	}
	char err[ERR_MAX];
	int rc = -1;
	struct outfile *out = outfile_open(o->json, err, sizeof(err));
	if (out != NULL) {
		FILE *f = outfile_stream(out);
		if (f == NULL || json_dumpf(root, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER) != 0 ||
		    fputc('\n', f) == EOF)
			outfile_set_error(out, strerror(errno != 0 ? errno : EIO));
		rc = outfile_commit(out, err, sizeof(err));
	}
	if (rc != 0)
		fprintf(stderr, "ac97sim: %s\n", err);
	json_decref(root);
	return rc;
}

int cmd_explore(int argc, char **argv)
{
	struct explore_opts o;
	int st = parse(argc, argv, &o);
	if (st != CLI_CONTINUE)
		return st;
	struct scenario_file sf;
	if (runs_load("explore", o.scenario, &o.choices, &sf) != 0)
		return EXIT_USAGE;
	const char *why = NULL;
	uint64_t k = runs_pct_steps(&sf, &why);
	if (k == 0) {
		fprintf(stderr, "ac97sim: %s: %s\n", o.scenario, why ? why : "cannot set up");
		scenario_file_free(&sf);
		return EXIT_USAGE;
	}
	struct tally t = { .lowest_fail = UINT64_MAX };
	t.by_seed = calloc(o.runs, 1);
	t.checker = calloc(o.runs, sizeof(*t.checker));
	if (t.by_seed == NULL || t.checker == NULL) {
		fprintf(stderr, "ac97sim: explore: out of memory for %" PRIu64 " runs\n", o.runs);
		free(t.by_seed);
		free(t.checker);
		scenario_file_free(&sf);
		return EXIT_USAGE;
	}
	double t0 = wall_seconds();
	bool tty = isatty(2) && !o.quiet;
	bool ok = run_workers(&o, &sf, k, &t, tty, t0);
	double seconds = wall_seconds() - t0;
	if (tty)
		fputc('\n', stderr);
	if (!ok) {
		fprintf(stderr, "ac97sim: explore: a worker could not run the scenario\n");
		st = EXIT_USAGE;
		goto done;
	}
	printf("explore %s: %" PRIu64 " runs: %" PRIu64 " passed, %" PRIu64 " failed, %" PRIu64
	       " cut by a limit (%.2f s, %.0f runs/s, %" PRIu64 " jobs)\n",
	       o.scenario, t.done, t.passed, t.failed, t.limited, seconds,
	       (double)t.done / (seconds + 1e-9), o.jobs);

	char trace_path[4200] = "";
	struct scenario_outcome fail;
	memset(&fail, 0, sizeof(fail));
	st = t.failed > 0 ? EXIT_FAILED : t.limited > 0 ? EXIT_LIMIT : EXIT_PASS;
	if (t.lowest_fail != UINT64_MAX) {
		/* Run it again here, recorded. */
		struct strategy fst = strategy_for(&o, t.lowest_fail, k);
		struct decision_log decisions = { 0 };
		runs_one(&sf, &fst, t.lowest_fail, NULL, NULL, NULL, &fail, &decisions, &why);
		const char *base = strrchr(o.scenario, '/');
		base = base ? base + 1 : o.scenario;
		const char *dot = strrchr(base, '.');
		int stem = dot != NULL && dot != base ? (int)(dot - base) : (int)strlen(base);
		int len = snprintf(trace_path, sizeof(trace_path), "%s/%.*s-seed%" PRIu64 ".trace",
				   o.trace_dir, stem, base, t.lowest_fail);
		struct trace_header h;
		runs_trace_header(&sf, &fst, t.lowest_fail, &fail.result, trace_path, &h);
		if (len < 0 || (size_t)len >= sizeof(trace_path)) {
			fprintf(stderr, "ac97sim: %s: trace name too long\n", o.trace_dir);
			trace_path[0] = '\0';
			st = EXIT_USAGE;
		} else if (runs_write_trace(trace_path, &h, &decisions) != 0) {
			trace_path[0] = '\0';
			st = EXIT_USAGE;
		}
		decision_log_free(&decisions);
		char label[64];
		printf("first failure: seed %" PRIu64 " (%s), checker %s\n", t.lowest_fail,
		       strategy_label(&fst, label, sizeof(label)), fail.result.checker);
		printf("  %s\n", fail.result.message);
		if (o.keep_going && t.failed > 1) {
			printf("failing seeds:");
			uint64_t listed = 0;
			for (uint64_t i = 0; i < o.runs && listed < FAILURES_LISTED_MAX; i++) {
				if (t.by_seed[i] == 1 + RUN_FAIL || t.by_seed[i] == 1 + RUN_DIVERGED) {
					printf(" %" PRIu64, o.seed + i);
					listed++;
				}
			}
			printf("%s\n", t.failed > listed ? " ..." : "");
		}
		if (trace_path[0])
			printf("replay it: %s replay %s\n", runs_program, trace_path);
	}
	if (o.json != NULL && write_json(&o, &t, k, seconds, trace_path, &fail) != 0)
		st = EXIT_USAGE;
done:
	free(t.by_seed);
	free(t.checker);
	scenario_file_free(&sf);
	return st;
}
