/*
 * explore.c - `ac97sim explore`: many schedules of one scenario, spread
 * over worker processes, looking for a failing one.
 *
 * The answer does not depend on how many processes share the work or how
 * fast each is: each run's outcome is a function of its seed, and explore
 * reports the lowest failing seed of the range (it stops the workers only
 * once every lower seed has been run). That seed is then run again here,
 * recorded, and written as a trace with the command that replays it.
 *
 * Strategies: random, pct (depth D), or portfolio (the default): seed s
 * runs random walk when s % 4 == 0 and PCT of depth s % 4 otherwise. PCT
 * needs the number of steps a run takes; explore measures it with one run
 * first and uses 1.25 times that.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "runs.h"

#define JOBS_MAX 64

struct explore_opts {
	const char *scenario;
	const char *strategy;	/* random | pct | portfolio */
	uint64_t depth;
	uint64_t runs;
	uint64_t seed;
	uint64_t jobs;
	const char *json;
	const char *trace_dir;
	bool keep_going;
	bool quiet;
};

void help_explore(FILE *f)
{
	fprintf(f,
		"usage: ac97sim explore SCENARIO [--strategy random|pct|portfolio] [--depth D]\n"
		"                       [--runs N] [--seed S] [--jobs J] [--json FILE]\n"
		"                       [--trace-dir DIR] [--keep-going]\n"
		"\n"
		"Runs the scenario under many schedules (seeds S, S+1, ... S+N-1), each\n"
		"refereed by every checker, over J worker processes. On a terminal a\n"
		"progress bar shows how far it got; otherwise one summary line.\n"
		"\n"
		"When a run fails, explore reports the lowest failing seed (the same\n"
		"whatever J is), writes its trace and prints the exact command that\n"
		"replays it. With --keep-going it runs all N and counts the failures.\n"
		"\n"
		"  --strategy S   portfolio (default: random walk and PCT of depth 1-3 in\n"
		"                 turn), random, or pct\n"
		"  --depth D      PCT's depth for --strategy pct (default 3)\n"
		"  --runs N       schedules to try (default 1000)\n"
		"  --seed S       the first seed (default 1)\n"
		"  --jobs J       worker processes (default: the machine's processors)\n"
		"  --json FILE    write the results for machines\n"
		"  --trace-dir D  where the failing trace goes (default: current folder)\n"
		"\n"
		"Exit: 0 every run passed, 1 a run failed, 2 bad usage or input.\n");
}

static int usage_error(const char *why)
{
	fprintf(stderr, "ac97sim: explore: %s (see 'ac97sim explore --help')\n", why);
	return RUNS_EXIT_USAGE;
}

static int parse(int argc, char **argv, struct explore_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->strategy = "portfolio";
	o->depth = 3;
	o->runs = 1000;
	o->seed = 1;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	o->jobs = cpus > 0 ? (uint64_t)cpus : 1;
	o->trace_dir = ".";
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		bool ok = true, takes = true;
		if (strcmp(a, "--strategy") == 0)
			ok = (o->strategy = v) != NULL;
		else if (strcmp(a, "--depth") == 0)
			ok = runs_parse_u64(v, &o->depth) && o->depth >= 1 && o->depth <= PCT_DEPTH_MAX;
		else if (strcmp(a, "--runs") == 0)
			ok = runs_parse_u64(v, &o->runs) && o->runs >= 1;
		else if (strcmp(a, "--seed") == 0)
			ok = runs_parse_u64(v, &o->seed);
		else if (strcmp(a, "--jobs") == 0)
			ok = runs_parse_u64(v, &o->jobs) && o->jobs >= 1 && o->jobs <= JOBS_MAX;
		else if (strcmp(a, "--json") == 0)
			ok = (o->json = v) != NULL;
		else if (strcmp(a, "--trace-dir") == 0)
			ok = (o->trace_dir = v) != NULL;
		else if (strcmp(a, "--keep-going") == 0)
			takes = false, o->keep_going = true;
		else if (strcmp(a, "--quiet") == 0)
			takes = false, o->quiet = true;
		else if (a[0] == '-') {
			char why[160];
			snprintf(why, sizeof(why), "unknown option '%s'", a);
			return usage_error(why);
		} else {
			takes = false;
			if (o->scenario != NULL)
				return usage_error("one scenario at a time");
			o->scenario = a;
		}
		if (!ok) {
			char why[160];
			snprintf(why, sizeof(why), "bad or missing value for %s", a);
			return usage_error(why);
		}
		if (takes)
			i++;
	}
	if (o->scenario == NULL)
		return usage_error("which scenario?");
	if (strcmp(o->strategy, "random") != 0 && strcmp(o->strategy, "pct") != 0 &&
	    strcmp(o->strategy, "portfolio") != 0)
		return usage_error("--strategy is portfolio, random or pct");
	if (o->jobs > o->runs)
		o->jobs = o->runs;
	return -1;
}

struct strategy runs_portfolio_strategy(uint64_t seed, uint64_t k)
{
	struct strategy st = { .kind = STRATEGY_RANDOM };
	if (seed % 4 != 0) {
		st.kind = STRATEGY_PCT;
		st.pct_depth = (uint32_t)(seed % 4);
		st.pct_steps = k;
	}
	return st;
}

uint64_t runs_pct_steps(uint64_t steps_of_one_run)
{
	return steps_of_one_run + steps_of_one_run / 4 + 16;
}

/* The strategy seed s runs with. */
static struct strategy strategy_for(const struct explore_opts *o, uint64_t s, uint64_t k)
{
	if (strcmp(o->strategy, "portfolio") == 0)
		return runs_portfolio_strategy(s, k);
	struct strategy st = { .kind = STRATEGY_RANDOM };
	if (strcmp(o->strategy, "pct") == 0) {
		st.kind = STRATEGY_PCT;
		st.pct_depth = (uint32_t)o->depth;
		st.pct_steps = k;
	}
	return st;
}

struct result {
	uint64_t seed;
	int verdict;
	char checker[32];
};

/* A worker: runs seeds first + j*jobs + ... and writes one line a run. */
static _Noreturn void worker(const struct explore_opts *o, const struct scenario_file *sf,
			     uint64_t k, uint64_t j, int fd)
{
	FILE *out = fdopen(fd, "w");
	if (out == NULL)
		_exit(3);
	for (uint64_t i = j; i < o->runs; i += o->jobs) {
		uint64_t s = o->seed + i;
		struct strategy st = strategy_for(o, s, k);
		struct scenario_outcome r;
		const char *why = NULL;
		if (runs_one(sf, &st, s, NULL, NULL, NULL, &r, NULL, &why) != 0)
			_exit(3);
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

static void progress(const struct explore_opts *o, uint64_t done, uint64_t failed, double t0)
{
	int width = 30, filled = (int)(width * (double)done / (double)o->runs);
	double rate = done / (wall_seconds() - t0 + 1e-9);
	fprintf(stderr, "\r[%.*s%*s] %" PRIu64 "/%" PRIu64 " runs, %" PRIu64 " failed, %.0f runs/s ",
		filled, "##############################", width - filled, "", done, o->runs, failed,
		rate);
}

/* A JSON string literal of s. */
static void json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch == '"' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else if (ch < 0x20)
			fprintf(f, "\\u%04x", ch);
		else
			fputc(ch, f);
	}
	fputc('"', f);
}

static const char *basename_of(const char *path)
{
	const char *b = strrchr(path, '/');
	return b ? b + 1 : path;
}

int cmd_explore(int argc, char **argv)
{
	struct explore_opts o;
	int st = parse(argc, argv, &o);
	if (st >= 0)
		return st;
	struct scenario_file sf;
	char err[600];
	if (scenario_file_load(o.scenario, &sf, err, sizeof(err)) != 0) {
		fprintf(stderr, "ac97sim: %s\n", err);
		return RUNS_EXIT_USAGE;
	}
	/* PCT's k: the length of one run, with room. */
	struct strategy calib = { .kind = STRATEGY_RANDOM };
	struct scenario_outcome first;
	const char *why = NULL;
	if (runs_one(&sf, &calib, o.seed, NULL, NULL, NULL, &first, NULL, &why) != 0) {
		fprintf(stderr, "ac97sim: %s: %s\n", o.scenario, why ? why : "cannot set up");
		scenario_file_free(&sf);
		return RUNS_EXIT_USAGE;
	}
	uint64_t k = runs_pct_steps(first.result.steps);

	double t0 = wall_seconds();
	bool tty = isatty(2) && !o.quiet;
	int fds[JOBS_MAX];
	pid_t pids[JOBS_MAX];
	fflush(stdout);
	fflush(stderr);
	for (uint64_t j = 0; j < o.jobs; j++) {
		int p[2];
		if (pipe(p) != 0) {
			fprintf(stderr, "ac97sim: explore: pipe: %s\n", strerror(errno));
			return RUNS_EXIT_USAGE;
		}
		pid_t pid = fork();
		if (pid < 0) {
			fprintf(stderr, "ac97sim: explore: fork: %s\n", strerror(errno));
			return RUNS_EXIT_USAGE;
		}
		if (pid == 0) {
			close(p[0]);
			for (uint64_t q = 0; q < j; q++)
				close(fds[q]);
			worker(&o, &sf, k, j, p[1]);
		}
		close(p[1]);
		fds[j] = p[0];
		pids[j] = pid;
	}

	/* Collect: which seeds are done, the lowest failing one. */
	uint8_t *done_flag = calloc(o.runs, 1);
	uint64_t done = 0, failed = 0, below = 0;	/* below: seeds < lowest fail all done */
	uint64_t lowest_fail = UINT64_MAX;
	char buf[JOBS_MAX][256];
	size_t fill[JOBS_MAX] = { 0 };
	uint64_t open_fds = o.jobs;
	bool workers_broke = false;
	while (open_fds > 0 && done_flag != NULL) {
		struct pollfd pfd[JOBS_MAX];
		for (uint64_t j = 0; j < o.jobs; j++)
			pfd[j] = (struct pollfd){ .fd = fds[j], .events = POLLIN };
		if (poll(pfd, (nfds_t)o.jobs, -1) < 0 && errno != EINTR)
			break;
		for (uint64_t j = 0; j < o.jobs; j++) {
			if (fds[j] < 0 || !(pfd[j].revents & (POLLIN | POLLHUP)))
				continue;
			ssize_t n = read(fds[j], buf[j] + fill[j], sizeof(buf[j]) - 1 - fill[j]);
			if (n <= 0) {
				close(fds[j]);
				fds[j] = -1;
				pfd[j].fd = -1;
				open_fds--;
				continue;
			}
			fill[j] += (size_t)n;
			buf[j][fill[j]] = '\0';
			char *line = buf[j], *nl;
			while ((nl = strchr(line, '\n')) != NULL) {
				*nl = '\0';
				struct result r = { 0 };
				if (sscanf(line, "%" SCNu64 " %d %31s", &r.seed, &r.verdict, r.checker) == 3 &&
				    r.seed >= o.seed && r.seed - o.seed < o.runs) {
					done_flag[r.seed - o.seed] = 1;
					done++;
					if (r.verdict == RUN_FAIL || r.verdict == RUN_DIVERGED) {
						failed++;
						if (r.seed < lowest_fail)
							lowest_fail = r.seed;
					}
				}
				line = nl + 1;
			}
			fill[j] = strlen(line);
			memmove(buf[j], line, fill[j] + 1);
		}
		if (tty)
			progress(&o, done, failed, t0);
		/* Stop early once every seed below the lowest failure has run. */
		while (below < o.runs && done_flag[below])
			below++;
		if (!o.keep_going && lowest_fail != UINT64_MAX && below >= lowest_fail - o.seed)
			break;
	}
	for (uint64_t j = 0; j < o.jobs; j++) {
		if (fds[j] >= 0)
			close(fds[j]);
		kill(pids[j], SIGTERM);
	}
	for (uint64_t j = 0; j < o.jobs; j++) {
		int ws;
		waitpid(pids[j], &ws, 0);
		if (WIFEXITED(ws) && WEXITSTATUS(ws) == 3)
			workers_broke = true;
	}
	free(done_flag);
	double seconds = wall_seconds() - t0;
	if (tty)
		fputc('\n', stderr);
	if (workers_broke) {
		fprintf(stderr, "ac97sim: explore: a worker could not run the scenario\n");
		scenario_file_free(&sf);
		return RUNS_EXIT_USAGE;
	}
	printf("explore %s: %" PRIu64 " runs, %" PRIu64 " failed, %.2f s (%.0f runs/s, %" PRIu64
	       " jobs)\n",
	       o.scenario, done, failed, seconds, done / (seconds + 1e-9), o.jobs);

	char trace_path[1024] = "";
	struct scenario_outcome fail;
	memset(&fail, 0, sizeof(fail));
	if (lowest_fail != UINT64_MAX) {
		/* Run it again here, recorded. */
		struct strategy fst = strategy_for(&o, lowest_fail, k);
		struct decision_log decisions = { 0 };
		runs_one(&sf, &fst, lowest_fail, NULL, NULL, NULL, &fail, &decisions, &why);
		const char *base = basename_of(o.scenario);
		const char *dot = strrchr(base, '.');
		int stem = dot != NULL && dot != base ? (int)(dot - base) : (int)strlen(base);
		snprintf(trace_path, sizeof(trace_path), "%s/%.*s-seed%" PRIu64 ".trace", o.trace_dir,
			 stem, base, lowest_fail);
		struct trace_header h;
		runs_trace_header(&sf, &fst, lowest_fail, &fail.result, &h);
		if (trace_write_file(trace_path, &h, &decisions, err, sizeof(err)) != 0) {
			fprintf(stderr, "ac97sim: %s\n", err);
			trace_path[0] = '\0';
		}
		decision_log_free(&decisions);
		printf("first failure: seed %" PRIu64 " (%s), checker %s\n", lowest_fail,
		       fst.kind == STRATEGY_PCT ? "pct" : "random", fail.result.checker);
		printf("  %s\n", fail.result.message);
		if (trace_path[0])
			printf("replay it: ac97sim replay %s\n", trace_path);
	}
	if (o.json != NULL) {
		FILE *j = fopen(o.json, "w");
		if (j == NULL) {
			fprintf(stderr, "ac97sim: %s: %s\n", o.json, strerror(errno));
		} else {
			fputs("{\"scenario\": ", j);
			json_string(j, o.scenario);
			fprintf(j, ", \"runs\": %" PRIu64 ", \"failed\": %" PRIu64 ", \"first_seed\": %" PRIu64
				   ", \"jobs\": %" PRIu64 ", \"seconds\": %.3f",
				done, failed, o.seed, o.jobs, seconds);
			if (lowest_fail != UINT64_MAX) {
				fprintf(j, ", \"first_failure\": {\"seed\": %" PRIu64 ", \"checker\": ",
					lowest_fail);
				json_string(j, fail.result.checker);
				fputs(", \"trace\": ", j);
				json_string(j, trace_path);
				fputc('}', j);
			}
			fprintf(j, "}\n");
			fclose(j);
		}
	}
	scenario_file_free(&sf);
	return lowest_fail != UINT64_MAX ? RUNS_EXIT_FAILED : RUNS_EXIT_PASS;
}
