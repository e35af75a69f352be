/*
 * explore.c - `ac97sim explore`: many schedules of one scenario, spread
 * over worker processes, looking for failing ones.
 *
 * The answer does not depend on how the work is shared: each run's outcome
 * is a function of its seed (runs.h), and explore reports the lowest
 * failing seed of the range, stopping the workers only once every lower
 * seed has run (with --keep-going it runs them all and lists every failing
 * seed). So a search split into shards (--shard K/N, explore_result.h) or
 * ranges finds the same failing seeds as the whole, and `ac97sim merge`
 * puts shards back together. The lowest failing seed is run again here,
 * recorded, and written as a trace with the command that replays it.
 *
 * Verdicts are counted apart: passed, failed, and cut by a limit (a run
 * that hit its step or time limit has not passed: it says nothing about
 * the end of the stream); so are the race windows (windows.h) each run
 * reached, per strategy, so that a search shows whether it got where the
 * races live.
 *
 * Workers. J worker processes share the shard's seeds lowest first: each
 * takes the next local index from a counter they share (an atomic in a
 * shared mapping), so seeds start in increasing order whichever worker is
 * faster, and a search stopped by its time budget has run exactly a prefix
 * of its seeds. Each worker writes lines on a pipe to the parent:
 *
 *   start SEED                       before a run, so that the parent
 *                                    knows which seed a worker that died
 *                                    was running
 *   SEED VERDICT CHECKER WINDOWS     after it: VERDICT is enum run_verdict
 *                                    as a decimal number (0 pass, 1 fail,
 *                                    2 limit, 3 diverged), CHECKER the
 *                                    failure's name or "-", WINDOWS the
 *                                    run's windows_hit as 0x-hex (bit w:
 *                                    window w of windows.h was reached)
 *
 * e.g. "start 17" then "17 1 revoke-count 0x20". A worker stops after a run
 * whose driver crashed or hung (its memory may be damaged) and the parent
 * starts a fresh one, which goes on taking seeds; a worker that dies in a
 * run has that run counted as a driver-crash failure.
 *
 * Stopping early. --time: no worker takes a seed once the budget is spent
 * (the runs under way finish), so what ran is the shard's lowest seeds;
 * the result says which prefix of them all ran and how many ran beyond it
 * (only a seed whose worker died or was stopped leaves a hole). SIGINT or
 * SIGTERM: no worker takes another seed, the runs under way get a second
 * to end (then they are stopped, lost and not counted), the lowest
 * failure's trace is recorded, the summary printed, the JSON written
 * marked "interrupted", and explore exits 130; a second signal ends it at
 * once. Workers ignore SIGINT and SIGTERM, so that a terminal's Ctrl-C,
 * or a batch system's SIGTERM, which reach the whole process group, leave
 * the stopping to the parent (a worker they killed would count as a crash
 * of the driver); the parent stops workers with SIGKILL.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdatomic.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "driver_option.h"
#include "native.h"
#include "native_cmd.h"
#include "profile_option.h"
#include "explore_junit.h"
#include "explore_profiles.h"
#include "explore_result.h"
#include "outfile.h"
#include "runs.h"
#include "strategies.h"

#define JOBS_MAX 64u
#define WORKER_SETUP_FAILED 100	/* a worker's exit status: the scenario would not set up */
#define WORKER_RESTART 101	/* ...: the driver crashed or hung; start a fresh worker */
#define ERR_MAX 1200
#define TIME_BUDGET_MS_MAX (UINT64_C(100) * 24 * 3600 * 1000)	/* 100 days */

static const struct cli_option explore_options[] = {
	{ "strategy", 0, CLI_VALUE, "S",
	  "portfolio (default: random walk, PCT of depth 1-3 and POS\n"
	  "in turn, by seed), random, pct, pos, or delay-bounded\n"
	  "(every schedule with 0, 1, 2, ... delays in turn; seeds\n"
	  "from 0 unless --seed is given)" },
	{ "depth", 'd', CLI_VALUE, "D", "PCT's depth for --strategy pct, 1..8 (default 3)" },
	{ "runs", 'n', CLI_VALUE, "N", "schedules to try (default 1000)" },
	{ "seed", 's', CLI_VALUE, "S", "the first seed (default 1)" },
	{ "jobs", 'j', CLI_VALUE, "J", "worker processes (default: the machine's processors)" },
	{ "shard", 0, CLI_VALUE, "K/N",
	  "run only shard K of N (1 <= K <= N): the seeds S + i of\n"
	  "the range with i % N == K - 1; `ac97sim merge` joins the\n"
	  "N results (docs/scale-out.md)" },
	{ "time", 't', CLI_VALUE, "T",
	  "start no new seed once T has passed (250ms, 30s, 2m): a\n"
	  "partial search, whose summary and JSON say which seeds ran" },
	{ "json", 0, CLI_VALUE, "FILE", "write the results for machines (and for merge)" },
	{ "junit", 0, CLI_VALUE, "FILE",
	  "write JUnit XML for CI: one test case per strategy, a\n"
	  "failing one with its lowest seed and the command that\n"
	  "replays it (docs/machine-output.md)" },
	{ "trace-dir", 0, CLI_VALUE, "DIR", "where the failing trace goes (default: here)" },
	{ "keep-going", 'k', CLI_FLAG, NULL, "run all N and list every failing seed" },
	{ "quiet", 'q', CLI_FLAG, NULL, "no progress bar" },
	DRIVER_OPTION,
	NO_CHECK_OPTION,
	PROFILE_OPTION,
	PROFILES_OPTION,
	BACKEND_OPTION,
	SCALE_OPTION,
};

static const struct cli_spec explore_spec = {
	.command = "explore",
	.synopsis = "SCENARIO [--runs N] [--seed S] [--jobs J] [--shard K/N] [--time T] [OPTIONS]",
	.description =
		"Runs the scenario under many schedules (seeds S, S+1, ... S+N-1), each\n"
		"refereed by every checker, over J worker processes. On a terminal a progress\n"
		"bar shows how far it got.\n"
		"\n"
		"A seed names a schedule: seed N runs the same whatever --seed, --runs,\n"
		"--jobs and --shard surround it, and `ac97sim run SCENARIO --seed N --strategy S`\n"
		"runs it again. When a run fails, explore reports the lowest failing seed,\n"
		"writes its trace and prints the exact command that replays it; without\n"
		"--keep-going it stops once every seed below that one has run. Runs cut by\n"
		"their step or time limit are counted apart: they have not passed.\n"
		"\n"
		"The summary counts, per strategy, the runs that reached each race window\n"
		"(ac97sim help windows) and names the windows no run reached.\n"
		"\n"
		"A search that stopped before its end (first failure, --time, Ctrl-C) says\n"
		"which seeds it covered: the longest run of lowest seeds that all ran, and how\n"
		"many ran beyond them. Ctrl-C (SIGINT) or SIGTERM stops the workers, prints\n"
		"what ran and writes the JSON marked \"interrupted\"; a second one ends at once.\n"
		"\n"
		"--shard K/N and `ac97sim merge OUT.json IN.json...` spread one search over\n"
		"processes or machines (GNU parallel, Slurm): docs/scale-out.md.\n"
		"\n"
		"--profiles P,Q,... runs the search once per device profile (the same seeds;\n"
		"traces named SCENARIO-PROFILE-seedN.trace), runs each profile's lowest\n"
		"failing seed on every other profile, and ends with a summary that says on\n"
		"which profiles each failure happens and whether it needs its profile (the\n"
		"first profile, the reference, passes it): docs/profiles.md.\n"
		"\n"
		"--backend native runs the scenario as a stress test instead: iteration after\n"
		"iteration on host threads (--runs N of them, or for --time T), each drawing the\n"
		"scenario's ranges from its seed, until the first failure; the failing\n"
		"iteration's event log goes to --trace-dir (docs/native-backend.md).\n",
	.options = explore_options,
	.n_options = sizeof(explore_options) / sizeof(explore_options[0]),
	.operands_min = 1,
	.operands_max = 1,
	.epilogue = "Exit: 0 every run passed, 1 a run failed, 3 no run failed but some were cut\n"
		    "by a limit, 2 bad usage or input, 130 interrupted (see 'ac97sim help').\n"
		    "A search cut short by --time exits as its runs say.\n",
};

void help_explore(FILE *f)
{
	cli_help(&explore_spec, f);
}

struct explore_opts {
	const char *scenario;
	enum strategy_choice choice;
	uint64_t depth, runs, seed, jobs;
	uint64_t shard_index, shard_count;	/* 1/1 when not sharded */
	uint64_t time_budget_ms;		/* 0: none */
	const char *json, *junit, *trace_dir;
	struct runs_choices choices;
	bool keep_going, quiet;
	/* --profiles: one search each (n_profiles 0: the one the scenario
	 * and --profile give). The profile searched now, for its trace's name
	 * and the command that reruns a seed. */
	const struct ac97_profile *profiles[PROFILE_LIST_MAX];
	size_t n_profiles;
	const char *profile_now;	/* NULL: none named on the command line */
	bool tag_traces;		/* SCENARIO-PROFILE-seedN.trace */
	bool native;			/* --backend native: a stress test */
	uint64_t scale;
};

/* "K/N" with 1 <= K <= N <= runs. Reports and returns false otherwise. */
static bool parse_shard(const struct cli_spec *spec, const char *text, struct explore_opts *o)
{
	const char *slash = strchr(text, '/');
	char k_text[24];
	if (slash == NULL || (size_t)(slash - text) >= sizeof(k_text)) {
		cli_usage_error(spec, "--shard '%s' is not K/N (shard K of N, e.g. 2/8)", text);
		return false;
	}
	memcpy(k_text, text, (size_t)(slash - text));
	k_text[slash - text] = '\0';
	if (!cli_parse_u64(k_text, &o->shard_index) || !cli_parse_u64(slash + 1, &o->shard_count)) {
		cli_usage_error(spec, "--shard '%s' is not K/N (shard K of N, e.g. 2/8)", text);
		return false;
	}
	if (o->shard_count < 1 || o->shard_index < 1 || o->shard_index > o->shard_count) {
		cli_usage_error(spec, "--shard %s: K must be 1..N", text);
		return false;
	}
	if (o->shard_count > o->runs) {
		cli_usage_error(spec, "--shard %s: more shards than the %" PRIu64 " seeds of --runs",
				text, o->runs);
		return false;
	}
	return true;
}

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
	o->shard_index = o->shard_count = 1;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	o->jobs = cpus > 0 ? (uint64_t)cpus : 1;
	if (o->jobs > JOBS_MAX)
		o->jobs = JOBS_MAX;
	if (!cli_u64(spec, &a, "depth", 1, PCT_DEPTH_MAX, &o->depth) ||
	    !cli_u64(spec, &a, "runs", 1, UINT64_MAX / 2, &o->runs) ||
	    !cli_u64(spec, &a, "seed", 0, UINT64_MAX / 2, &o->seed) ||
	    !cli_u64(spec, &a, "jobs", 1, JOBS_MAX, &o->jobs) ||
	    !cli_duration_ms(spec, &a, "time", 1, TIME_BUDGET_MS_MAX, &o->time_budget_ms))
		return EXIT_USAGE;
	/* Seeds are JSON integers (signed 64-bit) in the results. */
	if (o->seed > (uint64_t)INT64_MAX - (o->runs - 1))
		return cli_usage_error(spec, "the last seed, --seed + --runs - 1, must be below 2^63");
	const char *shard = cli_value(spec, &a, "shard");
	if (shard != NULL && !parse_shard(spec, shard, o))
		return EXIT_USAGE;
	const char *s = cli_value(spec, &a, "strategy");
	o->choice = CHOICE_PORTFOLIO;
	if (s != NULL && !strategy_choice_parse(s, &o->choice))
		return cli_usage_error(spec, "--strategy is " STRATEGY_CHOICE_NAMES ", not '%s'", s);
	/* Seed 0 of the enumeration is its schedule without delays. */
	if (o->choice == CHOICE_DELAY_BOUNDED && !cli_given(spec, &a, "seed"))
		o->seed = 0;
	if (o->choice != CHOICE_PCT && cli_given(spec, &a, "depth"))
		cli_note_unused(spec, "depth", "it sets PCT's depth for --strategy pct only");
	o->native = native_cmd_wanted(spec, &a, &st);
	if (st != 0)
		return st;
	o->scale = NATIVE_TIME_SCALE_DEFAULT;
	if (!cli_u64(spec, &a, "scale", 1, NATIVE_TIME_SCALE_MAX, &o->scale))
		return EXIT_USAGE;
	if (!o->native && cli_given(spec, &a, "scale"))
		cli_note_unused(spec, "scale", "it is the native backend's");
	if (o->native) {
		static const char *const unused[] = { "strategy", "depth", "jobs", "shard", "json",
						      "junit", "keep-going", "profiles" };
		for (size_t i = 0; i < sizeof(unused) / sizeof(unused[0]); i++)
			if (cli_given(spec, &a, unused[i]))
				cli_note_unused(spec, unused[i], "it is the deterministic search's");
		if (cli_given(spec, &a, "time") && !cli_given(spec, &a, "runs"))
			o->runs = 0;
	}
	o->json = cli_value(spec, &a, "json");
	o->junit = cli_value(spec, &a, "junit");
	o->trace_dir = cli_value(spec, &a, "trace-dir");
	if (o->trace_dir == NULL)
		o->trace_dir = ".";
	o->keep_going = cli_given(spec, &a, "keep-going");
	o->quiet = cli_given(spec, &a, "quiet");
	o->choices = (struct runs_choices){ cli_value(spec, &a, "driver"),
					    cli_value(spec, &a, "no-check"), NULL };
	if (profile_option_get(spec, &a, &o->choices.profile) != 0)
		return EXIT_USAGE;
	if (o->choices.profile != NULL)
		o->profile_now = o->choices.profile->name;
	const char *profiles = cli_value(spec, &a, "profiles");
	if (profiles != NULL) {
		if (o->choices.profile != NULL || o->json != NULL || o->junit != NULL ||
		    o->shard_count > 1)
			return cli_usage_error(spec, "--profiles runs one search per profile and "
						     "takes neither --profile, --json, --junit nor "
						     "--shard (explore each profile alone for those)");
		if (profile_list_parse(spec, profiles, o->profiles, &o->n_profiles) != 0)
			return EXIT_USAGE;
		o->tag_traces = true;
	}
	uint64_t n_seeds = explore_shard_seeds(o->runs, o->shard_index, o->shard_count);
	if (o->jobs > n_seeds)
		o->jobs = n_seeds;
	char err[ERR_MAX];
	if ((o->json != NULL && outfile_check(o->json, err, sizeof(err)) != 0) ||
	    (o->junit != NULL && outfile_check(o->junit, err, sizeof(err)) != 0) ||
	    outfile_check_dir(o->trace_dir, err, sizeof(err)) != 0) {
		fprintf(stderr, "ac97sim: %s\n", err);
		return EXIT_USAGE;
	}
	return CLI_CONTINUE;
}

/* ---- signals -------------------------------------------------------------------- */

/* The first SIGINT or SIGTERM (0: none yet). */
static volatile sig_atomic_t stop_signal;
/* Written to by the handler so that a poll() wakes up whenever the
 * signal lands (a flag alone could be missed just before poll blocks). */
static int wake_pipe[2] = { -1, -1 };
/* The children running (0: free slot), for a second signal to end them:
 * worker j in slot j, a calibration or recording run in slot JOBS_MAX. */
static volatile sig_atomic_t children[JOBS_MAX + 1];
#define CHILD_SLOT_ONE_RUN JOBS_MAX

static struct sigaction old_sigint, old_sigterm;

static void on_stop_signal(int sig)
{
	if (stop_signal != 0) {
		/* The second: the user means it. Nothing that might block. */
		for (unsigned i = 0; i <= JOBS_MAX; i++)
			if (children[i] > 0)
				kill((pid_t)children[i], SIGKILL);
		outfile_remove_temps();
		_exit(EXIT_INTERRUPTED);
	}
	stop_signal = sig;
	int saved = errno;
	if (wake_pipe[1] >= 0) {
		ssize_t w = write(wake_pipe[1], "!", 1);
		(void)w;	/* full already: it is awake */
	}
	errno = saved;
}

static int signals_install(void)
{
	if (pipe(wake_pipe) != 0)
		return -1;
	for (int i = 0; i < 2; i++) {
		fcntl(wake_pipe[i], F_SETFL, O_NONBLOCK);
		fcntl(wake_pipe[i], F_SETFD, FD_CLOEXEC);
	}
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop_signal;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: a signal interrupts the parent's waits. */
	sigaction(SIGINT, &sa, &old_sigint);
	sigaction(SIGTERM, &sa, &old_sigterm);
	return 0;
}

static void signals_restore(void)
{
	sigaction(SIGINT, &old_sigint, NULL);
	sigaction(SIGTERM, &old_sigterm, NULL);
	for (int i = 0; i < 2; i++) {
		if (wake_pipe[i] >= 0)
			close(wake_pipe[i]);
		wake_pipe[i] = -1;
	}
}

/* In a child just forked: the parent does the stopping (see the header),
 * with SIGKILL. SIGTERM is ignored as well as SIGINT because a batch
 * system (Slurm at a job's time limit) sends it to every process of the
 * job: a worker it killed would count as a crash of the driver. */
static void child_signals(void)
{
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	for (int i = 0; i < 2; i++)
		if (wake_pipe[i] >= 0)
			close(wake_pipe[i]);
}

static void child_started(unsigned slot, pid_t pid)
{
	children[slot] = (sig_atomic_t)pid;
}

static void child_ended(unsigned slot)
{
	children[slot] = 0;
}

/* ---- workers -------------------------------------------------------------------- */

static uint64_t monotonic_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * UINT64_C(1000000000) + (uint64_t)ts.tv_nsec;
}

static double wall_seconds(void)
{
	return (double)monotonic_ns() * 1e-9;
}

/* The next local index to run, shared by the workers of one search. */
_Static_assert(ATOMIC_LLONG_LOCK_FREE == 2, "the seed counter is shared between processes");
typedef _Atomic unsigned long long seed_counter;

/* A worker: takes local indexes of r's shard from *next, lowest first, and
 * writes the lines of the header. Takes none at or after deadline_ns (0:
 * no deadline). After a run whose driver crashed or hung it stops
 * (WORKER_RESTART). */
static _Noreturn void worker(const struct explore_result *r, const struct scenario_file *sf,
			     seed_counter *next, uint64_t deadline_ns, int fd)
{
	FILE *out = fdopen(fd, "w");
	if (out == NULL)
		_exit(WORKER_SETUP_FAILED);
	for (;;) {
		if (deadline_ns != 0 && monotonic_ns() >= deadline_ns)
			break;
		uint64_t m = atomic_fetch_add(next, 1);
		if (m >= r->n_seeds)
			break;
		uint64_t s = explore_seed_of(r, m);
		struct strategy st = explore_strategy_for(&r->search, s);
		struct scenario_outcome out_run;
		const char *why = NULL;
		fprintf(out, "start %" PRIu64 "\n", s);
		fflush(out);
		if (runs_verdict(sf, &st, s, &out_run, &why) != 0)
			_exit(WORKER_SETUP_FAILED);
		const struct run_result *res = &out_run.result;
		fprintf(out, "%" PRIu64 " %d %s 0x%" PRIx64 "\n", s, (int)res->verdict,
			res->checker[0] ? res->checker : "-", res->windows_hit);
		fflush(out);
		if (runs_result_damaged(res))
			_exit(WORKER_RESTART);
	}
	fclose(out);
	_exit(0);
}

static void progress(const struct explore_result *r, double t0)
{
	int width = 30, filled = (int)(width * (double)r->runs / (double)r->n_seeds);
	double rate = (double)r->runs / (wall_seconds() - t0 + 1e-9);
	fprintf(stderr,
		"\r[%.*s%*s] %" PRIu64 "/%" PRIu64 " runs, %" PRIu64 " failed, %" PRIu64
		" limit, %.0f runs/s ",
		filled, "##############################", width - filled, "", r->runs, r->n_seeds,
		r->failed, r->limited, rate);
}

/* A result line from a worker (the format of the header); anything else,
 * or a seed that is not the shard's or ran already, is ignored. */
static void record(struct explore_result *r, const char *line)
{
	uint64_t seed, windows_hit;
	int verdict;
	char checker[32];
	if (sscanf(line, "%" SCNu64 " %d %31s 0x%" SCNx64, &seed, &verdict, checker,
		   &windows_hit) != 4 ||
	    verdict < RUN_PASS || verdict > RUN_DIVERGED)
		return;
	(void)explore_result_add(r, seed, (enum run_verdict)verdict, checker, windows_hit);
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
	if (pid == 0)
		child_signals();
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

/* waitpid that a signal does not cut short. */
static pid_t wait_child(pid_t pid, int *ws)
{
	pid_t got;
	while ((got = waitpid(pid, ws, 0)) < 0 && errno == EINTR)
		continue;
	return got;
}

/* One worker process and what the parent knows of it. */
struct job {
	pid_t pid;		/* 0: not running */
	int fd;			/* its pipe, or -1 */
	uint64_t running;	/* the seed it said it started, or UINT64_MAX */
	char buf[256];
	size_t fill;
};

/* What every worker of one search shares. */
struct crew {
	struct job jobs[JOBS_MAX];
	uint64_t n_jobs;
	const struct explore_result *r;
	const struct scenario_file *sf;
	uint64_t deadline_ns;	/* 0: no time budget */
	seed_counter *next;	/* in a shared mapping: the workers' next local index */
};

/* Starts worker j. Returns 0, or -1. */
static int job_start(struct crew *c, uint64_t j)
{
	struct job *jb = &c->jobs[j];
	int fd;
	pid_t pid = fork_with_pipe(&fd);
	if (pid < 0)
		return -1;
	if (pid == 0) {
		for (uint64_t q = 0; q < c->n_jobs; q++)
			if (c->jobs[q].fd >= 0)
				close(c->jobs[q].fd);
		worker(c->r, c->sf, c->next, c->deadline_ns, fd);
	}
	child_started((unsigned)j, pid);
	jb->pid = pid;
	jb->fd = fd;
	jb->running = UINT64_MAX;
	jb->fill = 0;
	return 0;
}

/* A line from a worker: a start or a result. */
static void job_line(struct job *jb, struct explore_result *r, const char *line)
{
	uint64_t seed;
	if (sscanf(line, "start %" SCNu64, &seed) == 1) {
		jb->running = seed;
		return;
	}
	record(r, line);
	jb->running = UINT64_MAX;
}

static bool budget_spent(const struct crew *c)
{
	return c->deadline_ns != 0 && monotonic_ns() >= c->deadline_ns;
}

/* Worker j's pipe closed: it finished, stopped for a restart, or died.
 * Returns whether to start a fresh one (seeds are left, and neither the
 * budget nor a signal says stop); *setup_failed when the scenario would
 * not set up. */
static bool job_ended(struct crew *c, uint64_t j, struct explore_result *r, bool *setup_failed)
{
	struct job *jb = &c->jobs[j];
	int ws = 0;
	close(jb->fd);
	jb->fd = -1;
	wait_child(jb->pid, &ws);
	child_ended((unsigned)j);
	jb->pid = 0;
	if (WIFEXITED(ws) && WEXITSTATUS(ws) == 0)
		return false;
	if (WIFEXITED(ws) && WEXITSTATUS(ws) == WORKER_SETUP_FAILED) {
		*setup_failed = true;
		return false;
	}
	if (jb->running != UINT64_MAX) {
		/* It died in the middle of a run: the driver took the process
		 * down past the crash guard (it exited, or damaged memory the
		 * guard needs). That run failed; its record says how. */
		char line[96];
		snprintf(line, sizeof(line), "%" PRIu64 " %d %s 0x0", jb->running, (int)RUN_FAIL,
			 machine_failures[MACHINE_FAIL_DRIVER_CRASH].name);
		uint64_t before = r->runs;
		record(r, line);
		r->workers_died += r->runs > before;
		jb->running = UINT64_MAX;
	}
	return atomic_load(c->next) < r->n_seeds && !budget_spent(c) && stop_signal == 0;
}

/* Reads what worker j wrote; false when its pipe has closed. */
static bool job_read(struct job *jb, struct explore_result *r)
{
	ssize_t n = read(jb->fd, jb->buf + jb->fill, sizeof(jb->buf) - 1 - jb->fill);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return true;
	if (n <= 0)
		return false;
	jb->fill += (size_t)n;
	jb->buf[jb->fill] = '\0';
	char *line = jb->buf, *nl;
	while ((nl = strchr(line, '\n')) != NULL) {
		*nl = '\0';
		job_line(jb, r, line);
		line = nl + 1;
	}
	jb->fill = strlen(line);
	memmove(jb->buf, line, jb->fill + 1);
	return true;
}

/* Whether the search has its answer without --keep-going: every seed
 * below the lowest failing one has run. */
static bool answer_found(const struct explore_result *r)
{
	uint64_t m;
	return !r->search.keep_going && r->first_failure != UINT64_MAX &&
	       explore_local_of(r, r->first_failure, &m) && r->prefix > m;
}

/* Stops the workers still running (their runs under way are lost) and
 * waits for them; true when one said the scenario would not set up. */
static bool crew_stop(struct crew *c)
{
	bool setup_failed = false;
	for (uint64_t j = 0; j < c->n_jobs; j++) {
		if (c->jobs[j].fd >= 0)
			close(c->jobs[j].fd);
		c->jobs[j].fd = -1;
		if (c->jobs[j].pid > 0)
			kill(c->jobs[j].pid, SIGKILL);	/* it ignores the others; it holds no output */
	}
	for (uint64_t j = 0; j < c->n_jobs; j++) {
		int ws;
		if (c->jobs[j].pid <= 0)
			continue;
		wait_child(c->jobs[j].pid, &ws);
		child_ended((unsigned)j);
		c->jobs[j].pid = 0;
		if (WIFEXITED(ws) && WEXITSTATUS(ws) == WORKER_SETUP_FAILED)
			setup_failed = true;
	}
	return setup_failed;
}

/* How long the runs under way may take to finish after SIGINT or SIGTERM
 * before their workers are stopped: long enough for any ordinary run, so
 * that an interrupted search has run a prefix of its seeds with no holes
 * (which merge and a resumed search can use); short enough that the
 * command still answers promptly when a run hangs. */
#define DRAIN_GRACE_MS 1000u

/* Empties the wake pipe (the handler may have written to it). */
static void wake_drain(void)
{
	char buf[16];
	while (read(wake_pipe[0], buf, sizeof(buf)) > 0)
		continue;
}

/* Forks the workers and collects their lines until done, the answer is
 * found (every seed below the lowest failure has run), or the budget is
 * spent and the runs under way have ended; after a signal, no seed is
 * taken any more and the runs under way get DRAIN_GRACE_MS to end.
 * Starts a fresh worker where one stopped after a crash. Returns false
 * when a worker could not set the scenario up or could not be started. */
static bool run_workers(struct crew *c, struct explore_result *r, bool tty, double t0)
{
	for (uint64_t j = 0; j < c->n_jobs; j++)
		c->jobs[j] = (struct job){ .fd = -1, .running = UINT64_MAX };
	bool setup_failed = false, start_failed = false;
	uint64_t drain_until_ns = 0;	/* after a signal: when to stop waiting */
	for (uint64_t j = 0; j < c->n_jobs && !start_failed && stop_signal == 0; j++)
		start_failed = job_start(c, j) != 0;
	while (!start_failed && !setup_failed && !answer_found(r)) {
		int timeout_ms = -1;
		if (stop_signal != 0) {
			if (drain_until_ns == 0) {
				atomic_store(c->next, r->n_seeds);	/* no worker takes another */
				drain_until_ns = monotonic_ns() + DRAIN_GRACE_MS * UINT64_C(1000000);
				wake_drain();
			}
			uint64_t now = monotonic_ns();
			if (now >= drain_until_ns)
				break;
			timeout_ms = (int)((drain_until_ns - now) / 1000000) + 1;
		}
		struct pollfd pfd[JOBS_MAX + 1];
		uint64_t which[JOBS_MAX + 1];
		nfds_t n_open = 0;
		pfd[n_open++] = (struct pollfd){ .fd = wake_pipe[0], .events = POLLIN };
		for (uint64_t j = 0; j < c->n_jobs; j++) {
			if (c->jobs[j].fd < 0)
				continue;
			pfd[n_open] = (struct pollfd){ .fd = c->jobs[j].fd, .events = POLLIN };
			which[n_open++] = j;
		}
		if (n_open == 1)
			break;
		if (poll(pfd, n_open, timeout_ms) < 0 && errno != EINTR)
			break;
		for (nfds_t q = 1; q < n_open; q++) {
			uint64_t j = which[q];
			if (!(pfd[q].revents & (POLLIN | POLLHUP | POLLERR)) || job_read(&c->jobs[j], r))
				continue;
			if (job_ended(c, j, r, &setup_failed) && !setup_failed)
				start_failed = job_start(c, j) != 0;
		}
		if (tty)
			progress(r, t0);
	}
	if (crew_stop(c))
		setup_failed = true;
	if (start_failed)
		fprintf(stderr, "ac97sim: explore: cannot start a worker: %s\n", strerror(errno));
	return !setup_failed && !start_failed;
}

/* ---- single runs in a child ------------------------------------------------------ */

/* calibrate() in a child process: its calibration runs are driver code
 * like any other. -1 (why set) when the scenario does not set up;
 * calibration_fallback when the child died. */
static int calibrate_in_child(const struct scenario_file *sf, struct calibration *cal, char *why,
			      size_t why_len)
{
	struct answer {
		int status;
		struct calibration cal;
		char why[200];
	} a;
	int fd;
	pid_t pid = fork_with_pipe(&fd);
	if (pid < 0) {
		snprintf(why, why_len, "cannot start a process: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		const char *w = NULL;
		memset(&a, 0, sizeof(a));
		a.status = calibrate(sf, &a.cal, &w);
		snprintf(a.why, sizeof(a.why), "%s", w != NULL ? w : "");
		_exit(write(fd, &a, sizeof(a)) == (ssize_t)sizeof(a) ? 0 : 1);
	}
	child_started(CHILD_SLOT_ONE_RUN, pid);
	size_t have = read_answer(fd, &a, sizeof(a));
	close(fd);
	wait_child(pid, NULL);
	child_ended(CHILD_SLOT_ONE_RUN);
	if (have != sizeof(a)) {
		*cal = calibration_fallback;
		return 0;
	}
	if (a.status != 0) {
		snprintf(why, why_len, "%s", a.why);
		return -1;
	}
	*cal = a.cal;
	return 0;
}

/* Runs seed again, recorded, in a child process (the driver may crash or
 * hang again, and this process still has a report to give), writes its
 * trace at trace_path (when not empty) and says how the run ended in
 * *out. Returns 0 with the trace written, 1 when the child died (no trace;
 * *out says so) and -1 when the trace could not be written. */
static int rerun_recorded(const struct scenario_file *sf, const struct strategy *st, uint64_t seed,
			  const char *trace_path, struct run_result *out)
{
	memset(out, 0, sizeof(*out));
	out->verdict = RUN_FAIL;
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
	child_started(CHILD_SLOT_ONE_RUN, pid);
	struct run_result got;
	size_t have = read_answer(fd, &got, sizeof(got));
	close(fd);
	int ws = 0;
	wait_child(pid, &ws);
	child_ended(CHILD_SLOT_ONE_RUN);
	if (have == sizeof(got)) {
		got.rule = NULL;	/* a pointer of the child's (the same build: kept as text) */
		*out = got;
		return WIFEXITED(ws) && WEXITSTATUS(ws) == 0 ? 0 : -1;
	}
	snprintf(out->checker, sizeof(out->checker), "%s",
		 machine_failures[MACHINE_FAIL_DRIVER_CRASH].name);
	snprintf(out->message, sizeof(out->message),
		 "the process running it died (%s %d) past the crash guard; no trace was written",
		 WIFSIGNALED(ws) ? "signal" : "exit status",
		 WIFSIGNALED(ws) ? WTERMSIG(ws) : WEXITSTATUS(ws));
	return 1;
}

/* ---- the command ------------------------------------------------------------------ */

/* What identifies the search (explore_result.h), from the loaded scenario
 * as a trace of it would record it. */
static void search_of(const struct explore_opts *o, const struct scenario_file *sf,
		      const struct calibration *cal,
		      struct explore_search *s)
{
	struct trace_header h;
	struct run_result none;
	struct strategy any = { .kind = STRATEGY_RANDOM };
	memset(&none, 0, sizeof(none));
	runs_trace_header(sf, &any, 0, &none, NULL, &h);
	memset(s, 0, sizeof(*s));
	snprintf(s->scenario, sizeof(s->scenario), "%s", o->scenario);
	s->scenario_hash = h.scenario_hash;
	snprintf(s->driver, sizeof(s->driver), "%s", h.driver_name);
	s->driver_binary_hash = h.driver_binary_hash;
	snprintf(s->checkers_off, sizeof(s->checkers_off), "%s", h.checkers_off);
	snprintf(s->build, sizeof(s->build), "%s", h.build_id);
	s->choice = o->choice;
	s->pct_depth = o->choice == CHOICE_PCT ? (uint32_t)o->depth : 0;
	s->cal = *cal;
	s->first_seed = o->seed;
	s->runs = o->runs;
	s->keep_going = o->keep_going;
	s->shard_count = o->shard_count;
	snprintf(s->driver_option, sizeof(s->driver_option), "%s",
		 o->choices.driver != NULL ? o->choices.driver : "");
	snprintf(s->no_check_option, sizeof(s->no_check_option), "%s",
		 o->choices.no_check != NULL ? o->choices.no_check : "");
	snprintf(s->profile_option, sizeof(s->profile_option), "%s",
		 o->profile_now != NULL ? o->profile_now : "");
}

/* Runs the lowest failing seed again and writes its trace into the trace
 * folder; fills r's first-failure fields. Returns 0, or -1 when the trace
 * could not be written (reported). */
static int record_first_failure(const struct explore_opts *o, const struct scenario_file *sf,
				struct explore_result *r)
{
	struct strategy st = explore_strategy_for(&r->search, r->first_failure);
	const char *base = strrchr(o->scenario, '/');
	base = base ? base + 1 : o->scenario;
	const char *dot = strrchr(base, '.');
	int stem = dot != NULL && dot != base ? (int)(dot - base) : (int)strlen(base);
	int rc = 0;
	int len = o->tag_traces && o->profile_now != NULL
			  ? snprintf(r->trace, sizeof(r->trace), "%s/%.*s-%s-seed%" PRIu64 ".trace",
				     o->trace_dir, stem, base, o->profile_now, r->first_failure)
			  : snprintf(r->trace, sizeof(r->trace), "%s/%.*s-seed%" PRIu64 ".trace",
				     o->trace_dir, stem, base, r->first_failure);
	if (len < 0 || (size_t)len >= sizeof(r->trace)) {
		fprintf(stderr, "ac97sim: %s: trace name too long\n", o->trace_dir);
		r->trace[0] = '\0';
		rc = -1;
	}
	struct run_result got;
	int rec = rerun_recorded(sf, &st, r->first_failure, r->trace, &got);
	if (rec != 0)
		r->trace[0] = '\0';
	if (rec < 0)
		rc = -1;
	snprintf(r->first_checker, sizeof(r->first_checker), "%s", got.checker);
	snprintf(r->first_message, sizeof(r->first_message), "%s", got.message);
	return rc;
}

/* Gives each strategy's lowest failing seed its message, as the search's
 * first failure has one, for the reports that hold one result per
 * strategy (the JSON's "strategy_results", JUnit): the seed is run again
 * in a child, without a trace (the command that runs it again names it).
 * Not after SIGINT or SIGTERM: the user asked for an answer now, and the
 * messages stay unrecorded. */
static void record_class_failures(const struct scenario_file *sf, struct explore_result *r)
{
	for (unsigned c = 0; c < explore_class_count(&r->search); c++) {
		struct explore_class_outcome *co = &r->by_class[c];
		if (co->first_failure == UINT64_MAX)
			continue;
		if (co->first_failure == r->first_failure) {
			memcpy(co->first_message, r->first_message, sizeof(co->first_message));
			continue;
		}
		if (stop_signal != 0)
			continue;
		struct strategy st = explore_strategy_for(&r->search, co->first_failure);
		struct run_result got;
		(void)rerun_recorded(sf, &st, co->first_failure, "", &got);
		snprintf(co->first_message, sizeof(co->first_message), "%s", got.message);
	}
}

static int search_and_report(const struct explore_opts *o, const struct scenario_file *sf,
			     const struct calibration *cal, struct profile_search *brief,
			     struct explore_search *search_out)
{
	struct explore_search search;
	search_of(o, sf, cal, &search);
	struct explore_result r;
	if (explore_result_init(&r, &search, o->shard_index) != 0) {
		fprintf(stderr, "ac97sim: explore: out of memory for %" PRIu64 " runs\n", o->runs);
		explore_result_free(&r);
		return EXIT_USAGE;
	}
	r.time_budget_ms = o->time_budget_ms;
	r.jobs = o->jobs;
	double t0 = wall_seconds();
	struct crew *c = calloc(1, sizeof(*c));
	if (c == NULL) {
		explore_result_free(&r);
		return EXIT_USAGE;
	}
	/* Shared with the workers, which inherit the mapping. */
	void *shared = mmap(NULL, sizeof(seed_counter), PROT_READ | PROT_WRITE,
			    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shared == MAP_FAILED) {
		fprintf(stderr, "ac97sim: explore: cannot share memory with workers: %s\n",
			strerror(errno));
		free(c);
		explore_result_free(&r);
		return EXIT_USAGE;
	}
	c->next = shared;
	atomic_init(c->next, 0);
	c->n_jobs = o->jobs;
	c->r = &r;
	c->sf = sf;
	c->deadline_ns = o->time_budget_ms > 0 ? monotonic_ns() + o->time_budget_ms * UINT64_C(1000000) : 0;
	bool tty = isatty(2) && !o->quiet;
	bool ok = run_workers(c, &r, tty, t0);
	munmap(shared, sizeof(seed_counter));
	free(c);
	r.seconds = wall_seconds() - t0;
	if (tty)
		fputc('\n', stderr);
	if (!ok) {
		fprintf(stderr, "ac97sim: explore: a worker could not run the scenario\n");
		explore_result_free(&r);
		return EXIT_USAGE;
	}
	explore_result_finish(&r, stop_signal != 0 ? EXPLORE_INTERRUPTED : EXPLORE_TIME);
	int st = r.failed > 0 ? EXIT_FAILED : r.limited > 0 ? EXIT_LIMIT : EXIT_PASS;
	if (r.first_failure != UINT64_MAX && record_first_failure(o, sf, &r) != 0)
		st = EXIT_USAGE;
	if (o->json != NULL || o->junit != NULL)
		record_class_failures(sf, &r);
	char how_ran[96];
	snprintf(how_ran, sizeof(how_ran), "%.2f s, %.0f runs/s, %" PRIu64 " jobs", r.seconds,
		 (double)r.runs / (r.seconds + 1e-9), o->jobs);
	explore_summary(stdout, &r, how_ran);
	char err[ERR_MAX];
	if (o->json != NULL && explore_json_write(o->json, &r, err, sizeof(err)) != 0) {
		fprintf(stderr, "ac97sim: %s\n", err);
		st = EXIT_USAGE;
	}
	if (o->junit != NULL && explore_junit_write(o->junit, &r, err, sizeof(err)) != 0) {
		fprintf(stderr, "ac97sim: %s\n", err);
		st = EXIT_USAGE;
	}
	if (r.stopped == EXPLORE_INTERRUPTED)
		st = EXIT_INTERRUPTED;
	if (brief != NULL) {
		brief->ran = true;
		brief->runs = r.runs;
		brief->passed = r.passed;
		brief->failed = r.failed;
		brief->limited = r.limited;
		brief->first_failure = r.first_failure;
		snprintf(brief->first_checker, sizeof(brief->first_checker), "%s", r.first_checker);
	}
	if (search_out != NULL)
		*search_out = r.search;
	explore_result_free(&r);
	return st;
}

/* explore --profiles (explore_profiles.h): the search once per profile,
 * then each lowest failing seed on every profile, then the summary. */
static int search_profiles(struct explore_opts *o, struct scenario_file *sf)
{
	struct profile_search ps[PROFILE_LIST_MAX];
	struct explore_search searches[PROFILE_LIST_MAX];
	memset(ps, 0, sizeof(ps));
	for (size_t i = 0; i < o->n_profiles; i++) {
		ps[i].profile = o->profiles[i];
		ps[i].first_failure = UINT64_MAX;
		ps[i].status = EXIT_PASS;
		for (size_t j = 0; j < PROFILE_LIST_MAX; j++)
			ps[i].verdict_on[j] = -1;
	}
	for (size_t i = 0; i < o->n_profiles && stop_signal == 0; i++) {
		sf->sc.device.profile = o->profiles[i];
		o->profile_now = o->profiles[i]->name;
		printf("== profile %s\n", o->profile_now);
		fflush(stdout);
		char why[256] = "";
		struct calibration cal;
		if (calibrate_in_child(sf, &cal, why, sizeof(why)) != 0) {
			fprintf(stderr, "ac97sim: %s: %s: %s\n", o->scenario, o->profile_now,
				why[0] ? why : "cannot set up");
			ps[i].status = EXIT_USAGE;
			continue;
		}
		ps[i].status = search_and_report(o, sf, &cal, &ps[i], &searches[i]);
	}
	/* Each lowest failure, once on every other profile, with that
	 * profile's strategy for the seed (its own calibration). */
	for (size_t i = 0; i < o->n_profiles && stop_signal == 0; i++) {
		if (!ps[i].ran || ps[i].first_failure == UINT64_MAX)
			continue;
		for (size_t j = 0; j < o->n_profiles && stop_signal == 0; j++) {
			if (!ps[j].ran)
				continue;
			if (j == i) {
				ps[i].verdict_on[j] = RUN_FAIL;
				/* A copy between two fields of one struct: snprintf's
				 * restrict makes gcc see an overlap that is not there. */
				size_t n = strnlen(ps[i].first_checker, sizeof(ps[i].checker_on[j]) - 1);
				memcpy(ps[i].checker_on[j], ps[i].first_checker, n);
				ps[i].checker_on[j][n] = '\0';
				continue;
			}
			sf->sc.device.profile = o->profiles[j];
			struct strategy st = explore_strategy_for(&searches[j], ps[i].first_failure);
			struct run_result got;
			(void)rerun_recorded(sf, &st, ps[i].first_failure, "", &got);
			ps[i].verdict_on[j] = (int)got.verdict;
			snprintf(ps[i].checker_on[j], sizeof(ps[i].checker_on[j]), "%s", got.checker);
		}
	}
	explore_profiles_summary(stdout, o->scenario, o->seed, o->runs, ps, o->n_profiles);
	if (stop_signal != 0)
		return EXIT_INTERRUPTED;
	return explore_profiles_status(ps, o->n_profiles);
}

/* explore --backend native: the stress test, its failing iteration's
 * event log in the trace directory. */
static int explore_native(const struct explore_opts *o, const struct scenario_file *sf)
{
	char log_path[4096];
	const char *base = strrchr(o->scenario, '/');
	base = base != NULL ? base + 1 : o->scenario;
	size_t len = strlen(base);
	if (len > 4 && strcmp(base + len - 4, ".ini") == 0)
		len -= 4;
	snprintf(log_path, sizeof(log_path), "%s/%.*s-native.log", o->trace_dir, (int)len, base);
	struct native_cmd cmd = { "explore", o->scenario, o->runs, o->time_budget_ms, o->seed,
				  o->scale, log_path };
	return native_cmd_stress(&cmd, sf);
}

int cmd_explore(int argc, char **argv)
{
	struct explore_opts o;
	int st = parse(argc, argv, &o);
	if (st != CLI_CONTINUE)
		return st;
	if (signals_install() != 0) {
		fprintf(stderr, "ac97sim: explore: cannot make a pipe: %s\n", strerror(errno));
		return EXIT_USAGE;
	}
	struct scenario_file sf;
	if (runs_load("explore", o.scenario, &o.choices, &sf) != 0) {
		signals_restore();
		return EXIT_USAGE;
	}
	if (o.native) {
		st = explore_native(&o, &sf);
		scenario_file_free(&sf);
		signals_restore();
		return st;
	}
	if (o.n_profiles > 0) {
		st = search_profiles(&o, &sf);
		scenario_file_free(&sf);
		signals_restore();
		return st;
	}
	char why[256] = "";
	struct calibration cal;
	if (calibrate_in_child(&sf, &cal, why, sizeof(why)) != 0) {
		fprintf(stderr, "ac97sim: %s: %s\n", o.scenario, why[0] ? why : "cannot set up");
		st = EXIT_USAGE;
	} else {
		st = search_and_report(&o, &sf, &cal, NULL, NULL);
	}
	scenario_file_free(&sf);
	signals_restore();
	return st;
}
