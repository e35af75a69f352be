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
#define WORKER_RESTART 101	/* ...: the driver crashed or hung; start a fresh worker */
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

/* A worker: runs seed offsets from, from + jobs, ... (< runs) and writes
 * two lines a run: "start SEED" before it and "SEED VERDICT CHECKER" after,
 * so that the parent knows which seed a worker that died was running.
 * After a run whose driver crashed or hung it stops (WORKER_RESTART): its
 * memory may be damaged, and the parent starts a fresh one for the rest. */
static _Noreturn void worker(const struct explore_opts *o, const struct scenario_file *sf,
			     uint64_t k, uint64_t from, int fd)
{
	FILE *out = fdopen(fd, "w");
	if (out == NULL)
		_exit(WORKER_SETUP_FAILED);
	for (uint64_t i = from; i < o->runs; i += o->jobs) {
		uint64_t s = o->seed + i;
		struct strategy st = strategy_for(o, s, k);
		struct scenario_outcome r;
		const char *why = NULL;
		fprintf(out, "start %" PRIu64 "\n", s);
		fflush(out);
		if (runs_verdict(sf, &st, s, &r, &why) != 0)
			_exit(WORKER_SETUP_FAILED);
		fprintf(out, "%" PRIu64 " %d %s\n", s, (int)r.result.verdict,
			r.result.checker[0] ? r.result.checker : "-");
		fflush(out);
		if (runs_result_damaged(&r.result))
			_exit(WORKER_RESTART);
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
	uint64_t workers_died;	/* runs that took their worker process down */
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

/* Forks a child joined to us by a pipe. Returns the child's pid in the
 * parent (*fd: the reading end), 0 in the child (*fd: the writing end), or
 * -1 (errno set). Our buffered output is flushed first, so that nothing is
 * written twice. */
static pid_t fork_with_pipe(int *fd)
{
	int p[2];
	if (pipe(p) != 0)
		return -1;
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid < 0) {
		int saved = errno;
		close(p[0]);
		close(p[1]);
		errno = saved;
		return -1;
	}
	close(pid == 0 ? p[0] : p[1]);
	*fd = pid == 0 ? p[1] : p[0];
	return pid;
}

/* Reads exactly len bytes (a child's answer); returns how many came. */
static size_t read_answer(int fd, void *buf, size_t len)
{
	size_t have = 0;
	while (have < len) {
		ssize_t n = read(fd, (char *)buf + have, len - have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		have += (size_t)n;
	}
	return have;
}

/* One worker process and what the parent knows of it. */
struct job {
	pid_t pid;		/* 0: not running */
	int fd;			/* its pipe, or -1 */
	uint64_t stripe;	/* it runs offsets stripe, stripe + jobs, ... */
	uint64_t running;	/* the seed it said it started, or UINT64_MAX */
	uint64_t last_offset;	/* the offset of its last started seed */
	char buf[256];
	size_t fill;
};

/* Starts a worker for offsets from, from + jobs, ... Returns 0, or -1. */
static int job_start(struct job *jb, struct job *all, uint64_t n_jobs,
		     const struct explore_opts *o, const struct scenario_file *sf, uint64_t k,
		     uint64_t from)
{
	int fd;
	pid_t pid = fork_with_pipe(&fd);
	if (pid < 0)
		return -1;
	if (pid == 0) {
		for (uint64_t q = 0; q < n_jobs; q++)
			if (all[q].fd >= 0)
				close(all[q].fd);
		worker(o, sf, k, from, fd);
	}
	jb->pid = pid;
	jb->fd = fd;
	jb->running = UINT64_MAX;
	jb->last_offset = from;
	jb->fill = 0;
	return 0;
}

/* A line from a worker: a start or a result. */
static void job_line(struct job *jb, const struct explore_opts *o, struct tally *t,
		     const char *line)
{
	uint64_t seed;
	if (sscanf(line, "start %" SCNu64, &seed) == 1) {
		jb->running = seed;
		if (seed >= o->seed)
			jb->last_offset = seed - o->seed;
		return;
	}
	record(o, t, line);
	jb->running = UINT64_MAX;
}

/* The worker's pipe closed: it finished, stopped for a restart, or died.
 * Returns the offset to restart it at (UINT64_MAX: nothing left or not to
 * restart); *setup_failed when the scenario would not set up. */
static uint64_t job_ended(struct job *jb, const struct explore_opts *o, struct tally *t,
			  bool *setup_failed)
{
	int ws = 0;
	close(jb->fd);
	jb->fd = -1;
	waitpid(jb->pid, &ws, 0);
	jb->pid = 0;
	if (WIFEXITED(ws) && WEXITSTATUS(ws) == 0)
		return UINT64_MAX;
	if (WIFEXITED(ws) && WEXITSTATUS(ws) == WORKER_SETUP_FAILED) {
		*setup_failed = true;
		return UINT64_MAX;
	}
	if (jb->running != UINT64_MAX) {
		/* It died in the middle of a run: the driver took the process
		 * down past the crash guard (it exited, or damaged memory the
		 * guard needs). That run failed; its record says how. */
		char line[96];
		snprintf(line, sizeof(line), "%" PRIu64 " %d %s", jb->running, (int)RUN_FAIL,
			 machine_failures[MACHINE_FAIL_DRIVER_CRASH].name);
		record(o, t, line);
		t->workers_died++;
		jb->running = UINT64_MAX;
	}
	uint64_t next = jb->last_offset + o->jobs;
	return next < o->runs ? next : UINT64_MAX;
}

/* Forks the workers and collects their lines until done (or until every
 * seed below the lowest failure has run), starting a fresh worker where
 * one stopped after a crash. Returns false when a worker could not set
 * the scenario up or could not be started. */
static bool run_workers(const struct explore_opts *o, const struct scenario_file *sf, uint64_t k,
			struct tally *t, bool tty, double t0)
{
	struct job jobs[JOBS_MAX];
	for (uint64_t j = 0; j < o->jobs; j++)
		jobs[j] = (struct job){ .fd = -1, .stripe = j, .running = UINT64_MAX };
	bool setup_failed = false, start_failed = false;
	for (uint64_t j = 0; j < o->jobs && !start_failed; j++)
		start_failed = job_start(&jobs[j], jobs, o->jobs, o, sf, k, j) != 0;
	for (;;) {
		struct pollfd pfd[JOBS_MAX];
		nfds_t n_open = 0;
		uint64_t which[JOBS_MAX];
		for (uint64_t j = 0; j < o->jobs; j++) {
			if (jobs[j].fd < 0)
				continue;
			pfd[n_open] = (struct pollfd){ .fd = jobs[j].fd, .events = POLLIN };
			which[n_open++] = j;
		}
		if (n_open == 0 || start_failed || setup_failed)
			break;
		if (poll(pfd, n_open, -1) < 0 && errno != EINTR)
			break;
		for (nfds_t q = 0; q < n_open; q++) {
			struct job *jb = &jobs[which[q]];
			if (!(pfd[q].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			ssize_t n = read(jb->fd, jb->buf + jb->fill, sizeof(jb->buf) - 1 - jb->fill);
			if (n <= 0) {
				uint64_t again = job_ended(jb, o, t, &setup_failed);
				if (again != UINT64_MAX && !setup_failed)
					start_failed = job_start(jb, jobs, o->jobs, o, sf, k, again) != 0;
				continue;
			}
			jb->fill += (size_t)n;
			jb->buf[jb->fill] = '\0';
			char *line = jb->buf, *nl;
			while ((nl = strchr(line, '\n')) != NULL) {
				*nl = '\0';
				job_line(jb, o, t, line);
				line = nl + 1;
			}
			jb->fill = strlen(line);
			memmove(jb->buf, line, jb->fill + 1);
		}
		if (tty)
			progress(o, t, t0);
		while (t->below < o->runs && t->by_seed[t->below] != 0)
			t->below++;
		if (!o->keep_going && t->lowest_fail != UINT64_MAX &&
		    t->below >= t->lowest_fail - o->seed)
			break;
	}
	for (uint64_t j = 0; j < o->jobs; j++) {
		if (jobs[j].fd >= 0)
			close(jobs[j].fd);
		if (jobs[j].pid > 0)
			kill(jobs[j].pid, SIGTERM);
	}
	for (uint64_t j = 0; j < o->jobs; j++) {
		int ws;
		if (jobs[j].pid <= 0)
			continue;
		waitpid(jobs[j].pid, &ws, 0);
		if (WIFEXITED(ws) && WEXITSTATUS(ws) == WORKER_SETUP_FAILED)
			setup_failed = true;
	}
	if (start_failed)
		fprintf(stderr, "ac97sim: explore: cannot start a worker: %s\n", strerror(errno));
	return !setup_failed && !start_failed;
}

/* runs_pct_steps in a child process: its calibration run is driver code
 * like any other. 0 (why set) when the scenario does not set up;
 * RUNS_PCT_STEPS_FALLBACK when the child died. */
static uint64_t pct_steps_in_child(const struct scenario_file *sf, char *why, size_t why_len)
{
	struct answer {
		uint64_t k;
		char why[200];
	} a;
	int fd;
	pid_t pid = fork_with_pipe(&fd);
	if (pid < 0) {
		snprintf(why, why_len, "cannot start a process: %s", strerror(errno));
		return 0;
	}
	if (pid == 0) {
		const char *w = NULL;
		memset(&a, 0, sizeof(a));
		a.k = runs_pct_steps(sf, &w);
		snprintf(a.why, sizeof(a.why), "%s", w != NULL ? w : "");
		_exit(write(fd, &a, sizeof(a)) == (ssize_t)sizeof(a) ? 0 : 1);
	}
	size_t have = read_answer(fd, &a, sizeof(a));
	close(fd);
	waitpid(pid, NULL, 0);
	if (have != sizeof(a))
		return RUNS_PCT_STEPS_FALLBACK;
	if (a.k == 0)
		snprintf(why, why_len, "%s", a.why);
	return a.k;
}

/* Runs seed again, recorded, in a child process (the driver may crash or
 * hang again, and this process still has a report to give), writes its
 * trace at trace_path (when not empty) and says how the run ended in
 * *out. Returns 0 with the trace written, 1 when the child died (no trace;
 * *out says so) and -1 when the trace could not be written. */
static int rerun_recorded(const struct scenario_file *sf, const struct strategy *st, uint64_t seed,
			  const char *trace_path, struct scenario_outcome *out)
{
	memset(out, 0, sizeof(*out));
	out->result.verdict = RUN_FAIL;
	int fd;
	pid_t pid = fork_with_pipe(&fd);
	if (pid < 0)
		return -1;
	if (pid == 0) {
		struct decision_log decisions = { 0 };
		const char *why = NULL;
		struct scenario_outcome r;
		int rc = 0;
		if (runs_one(sf, st, seed, NULL, NULL, NULL, &r, &decisions, &why) != 0) {
			memset(&r, 0, sizeof(r));
			snprintf(r.result.message, sizeof(r.result.message), "%s", why ? why : "?");
			rc = 2;
		} else if (trace_path[0] != '\0') {
			struct trace_header h;
			runs_trace_header(sf, st, seed, &r.result, trace_path, &h);
			rc = runs_write_trace(trace_path, &h, &decisions) != 0 ? 1 : 0;
		}
		ssize_t w = write(fd, &r.result, sizeof(r.result));
		_exit(w == (ssize_t)sizeof(r.result) ? rc : 3);
	}
	struct run_result got;
	size_t have = read_answer(fd, &got, sizeof(got));
	close(fd);
	int ws = 0;
	waitpid(pid, &ws, 0);
	if (have == sizeof(got)) {
		got.rule = NULL;	/* a pointer of the child's (the same build: kept as text) */
		out->result = got;
		return WIFEXITED(ws) && WEXITSTATUS(ws) == 0 ? 0 : -1;
	}
	snprintf(out->result.checker, sizeof(out->result.checker), "%s",
		 machine_failures[MACHINE_FAIL_DRIVER_CRASH].name);
	snprintf(out->result.message, sizeof(out->result.message),
		 "the process running it died (%s %d) past the crash guard; no trace was written",
		 WIFSIGNALED(ws) ? "signal" : "exit status",
		 WIFSIGNALED(ws) ? WTERMSIG(ws) : WEXITSTATUS(ws));
	return 1;
}

/* The command that runs seed again, with the choices explore was given. */
static void print_run_command(const struct explore_opts *o, const struct strategy *st,
			      uint64_t seed)
{
	printf("run it again: %s run %s --seed %" PRIu64, runs_program, o->scenario, seed);
	if (st->kind == STRATEGY_PCT)
		printf(" --strategy pct --depth %" PRIu32, st->pct_depth);
	if (o->choices.driver != NULL)
		printf(" --driver %s", o->choices.driver);
	if (o->choices.no_check != NULL)
		printf(" --no-check %s", o->choices.no_check);
	printf("\n");
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
	json_object_set_new(root, "workers_died", json_integer((json_int_t)t->workers_died));
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
	char why[256] = "";
	uint64_t k = pct_steps_in_child(&sf, why, sizeof(why));
	if (k == 0) {
		fprintf(stderr, "ac97sim: %s: %s\n", o.scenario, why[0] ? why : "cannot set up");
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
		struct strategy fst = strategy_for(&o, t.lowest_fail, k);
		const char *base = strrchr(o.scenario, '/');
		base = base ? base + 1 : o.scenario;
		const char *dot = strrchr(base, '.');
		int stem = dot != NULL && dot != base ? (int)(dot - base) : (int)strlen(base);
		int len = snprintf(trace_path, sizeof(trace_path), "%s/%.*s-seed%" PRIu64 ".trace",
				   o.trace_dir, stem, base, t.lowest_fail);
		if (len < 0 || (size_t)len >= sizeof(trace_path)) {
			fprintf(stderr, "ac97sim: %s: trace name too long\n", o.trace_dir);
			trace_path[0] = '\0';
			st = EXIT_USAGE;
		}
		int rec = rerun_recorded(&sf, &fst, t.lowest_fail, trace_path, &fail);
		if (rec != 0)
			trace_path[0] = '\0';
		if (rec < 0)
			st = EXIT_USAGE;
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
		if (t.workers_died > 0)
			printf("%" PRIu64 " run(s) took their worker process down (counted as %s)\n",
			       t.workers_died, machine_failures[MACHINE_FAIL_DRIVER_CRASH].name);
		if (trace_path[0])
			printf("replay it: %s replay %s\n", runs_program, trace_path);
		else
			print_run_command(&o, &fst, t.lowest_fail);
	}
	if (o.json != NULL && write_json(&o, &t, k, seconds, trace_path, &fail) != 0)
		st = EXIT_USAGE;
done:
	free(t.by_seed);
	free(t.checker);
	scenario_file_free(&sf);
	return st;
}
