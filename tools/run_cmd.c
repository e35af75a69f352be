/*
 * run_cmd.c - `ac97sim run` and `ac97sim replay`, and the pieces every
 * scenario-running subcommand shares (runs.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audio_file.h"
#include "dac_tap.h"
#include "listen.h"
#include "runs.h"
#include "version.h"

bool runs_parse_u64(const char *text, uint64_t *out)
{
	if (text == NULL || *text == '\0' || *text == '-' || *text == '+')
		return false;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(text, &end, 0);
	if (errno != 0 || *end != '\0')
		return false;
	*out = v;
	return true;
}

bool runs_parse_strategy(const char *name, uint32_t depth, uint64_t steps, struct strategy *s)
{
	memset(s, 0, sizeof(*s));
	if (strcmp(name, "random") == 0) {
		s->kind = STRATEGY_RANDOM;
		return true;
	}
	if (strcmp(name, "pct") == 0 && depth >= 1 && depth <= PCT_DEPTH_MAX && steps >= 1) {
		s->kind = STRATEGY_PCT;
		s->pct_depth = depth;
		s->pct_steps = steps;
		return true;
	}
	return false;
}

void runs_trace_header(const struct scenario_file *sf, const struct strategy *st, uint64_t seed,
		       const struct run_result *r, struct trace_header *h)
{
	memset(h, 0, sizeof(*h));
	h->format = TRACE_FORMAT_VERSION;
	snprintf(h->build_id, sizeof(h->build_id), "%s", ac97sim_build_id());
	/* The scenario file as given: replay finds it there unless told. */
	snprintf(h->scenario_name, sizeof(h->scenario_name), "%s", sf->path);
	h->scenario_hash = scenario_hash(&sf->sc);
	h->strategy = *st;
	h->seed = seed;
	h->cpus = sf->sc.cpus;
	snprintf(h->verdict, sizeof(h->verdict), "%s", run_verdict_name(r->verdict));
	snprintf(h->checker, sizeof(h->checker), "%s", r->checker);
	h->steps = r->steps;
	h->evlog_hash = r->evlog_hash;
}

int runs_one(const struct scenario_file *sf, const struct strategy *st, uint64_t seed,
	     const struct decision_log *replay, FILE *log_text, const struct ac97_sink *sink,
	     struct scenario_outcome *out, struct decision_log *decisions, const char **why)
{
	return scenario_run(&sf->sc, st, seed, replay, log_text, sink, out, decisions, why);
}

void runs_report(FILE *f, const struct scenario_outcome *out)
{
	const struct run_result *r = &out->result;
	fprintf(f, "verdict: %s%s%s%s\n", run_verdict_name(r->verdict), r->checker[0] ? " (" : "",
		r->checker, r->checker[0] ? ")" : "");
	if (r->checker[0])
		fprintf(f, "  %s\n", r->message);
	fprintf(f, "steps: %" PRIu64 "  simulated: %" PRIu64 " us  events: %" PRIu64 "\n", r->steps,
		sim_ticks_to_us(r->end_tick), r->events);
	fprintf(f, "audio: %" PRIu64 " frames crossed the AC-link, fnv1a64 0x%016" PRIx64 "\n",
		out->link_frames, out->audio_fnv);
	fprintf(f, "event-log hash: 0x%016" PRIx64 "\n", r->evlog_hash);
}

static int exit_for(const struct run_result *r)
{
	return r->verdict == RUN_PASS || r->verdict == RUN_LIMIT ? RUNS_EXIT_PASS : RUNS_EXIT_FAILED;
}

static int usage_error(const char *cmd, const char *why)
{
	fprintf(stderr, "ac97sim: %s: %s (see 'ac97sim %s --help')\n", cmd, why, cmd);
	return RUNS_EXIT_USAGE;
}

/* Writes what the listener would hear, if asked. */
static int write_wav(const char *path, const struct dac_tap *tap)
{
	char err[512];
	struct wav_writer *w = wav_writer_open(path, 2, tap->rate_hz ? tap->rate_hz : 48000, err,
					       sizeof(err));
	if (w == NULL) {
		fprintf(stderr, "ac97sim: %s\n", err);
		return -1;
	}
	if (wav_writer_write(w, tap->pcm, tap->frames) != 0 || wav_writer_close(w) != 0) {
		fprintf(stderr, "ac97sim: %s: write failed\n", path);
		return -1;
	}
	return 0;
}

static void listen_progress(void *ctx, uint64_t done, uint64_t total)
{
	const struct dac_tap *tap = ctx;
	listen_progress_line(stderr, "replay", done, total, tap->rate_hz);
}

/* Plays what the run sounded like, paced in real time. */
static void listen_tap(const struct dac_tap *tap, const char *name)
{
	char err[512];
	struct listener *l = listen_open(tap->rate_hz ? tap->rate_hz : 48000, 2, err, sizeof(err));
	if (l == NULL) {
		fprintf(stderr, "ac97sim: %s: no audio device (%s): use --out FILE.wav to hear it\n",
			name, err);
		return;
	}
	if (listen_play(l, tap->pcm, tap->frames, isatty(2) ? listen_progress : NULL, (void *)tap,
			err, sizeof(err)) != 0)
		fprintf(stderr, "ac97sim: %s: %s\n", name, err);
	listen_close(l);
}

/* ---- run ------------------------------------------------------------------------ */

void help_run(FILE *f)
{
	fprintf(f,
		"usage: ac97sim run SCENARIO [--seed N | --trace FILE] [--strategy random|pct]\n"
		"                   [--depth D] [--steps K] [--log FILE] [--trace-out FILE]\n"
		"                   [--out FILE.wav]\n"
		"\n"
		"Runs the scenario once: the reference miniport (or the scenario's driver)\n"
		"on the simulated CPUs, against the device, refereed by every checker.\n"
		"Prints the verdict, the checker that fired and what it saw, and the\n"
		"event-log hash (the same scenario, seed and build always give the same).\n"
		"\n"
		"  --seed N          the decision stream's seed (default 1)\n"
		"  --strategy S      random (default) or pct\n"
		"  --depth D         PCT's depth, 1..8 (default 3)\n"
		"  --steps K         PCT's step estimate (default 20000)\n"
		"  --trace FILE      replay a recorded trace instead (see 'ac97sim replay')\n"
		"  --log FILE        write the event log, one event a line\n"
		"  --trace-out FILE  record the run's decisions as a trace\n"
		"  --out FILE.wav    write what the codec's output would sound like\n"
		"\n"
		"Exit: 0 the run passed, 1 a check failed, 2 bad usage or input.\n");
}

struct run_opts {
	const char *scenario;
	uint64_t seed;
	const char *strategy;
	uint64_t depth, steps;
	const char *trace_in;
	const char *log_path;
	const char *trace_out;
	const char *wav_out;
	bool listen;
};

static int parse_run_opts(const char *cmd, int argc, char **argv, struct run_opts *o,
			  bool replay)
{
	memset(o, 0, sizeof(*o));
	o->seed = 1;
	o->strategy = "random";
	o->depth = 3;
	o->steps = 20000;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		bool takes = true;
		if (!replay && strcmp(a, "--seed") == 0) {
			if (!runs_parse_u64(v, &o->seed))
				return usage_error(cmd, "--seed needs a number");
		} else if (!replay && strcmp(a, "--strategy") == 0) {
			if (v == NULL)
				return usage_error(cmd, "--strategy needs random or pct");
			o->strategy = v;
		} else if (!replay && strcmp(a, "--depth") == 0) {
			if (!runs_parse_u64(v, &o->depth))
				return usage_error(cmd, "--depth needs a number");
		} else if (!replay && strcmp(a, "--steps") == 0) {
			if (!runs_parse_u64(v, &o->steps))
				return usage_error(cmd, "--steps needs a number");
		} else if (!replay && strcmp(a, "--trace") == 0) {
			if (v == NULL)
				return usage_error(cmd, "--trace needs a file");
			o->trace_in = v;
		} else if (!replay && strcmp(a, "--trace-out") == 0) {
			if (v == NULL)
				return usage_error(cmd, "--trace-out needs a file");
			o->trace_out = v;
		} else if (replay && strcmp(a, "--scenario") == 0) {
			if (v == NULL)
				return usage_error(cmd, "--scenario needs a file");
			o->scenario = v;
		} else if (strcmp(a, "--log") == 0) {
			if (v == NULL)
				return usage_error(cmd, "--log needs a file");
			o->log_path = v;
		} else if (strcmp(a, "--out") == 0) {
			if (v == NULL)
				return usage_error(cmd, "--out needs a file");
			o->wav_out = v;
		} else if (replay && strcmp(a, "--listen") == 0) {
			o->listen = true;
			takes = false;
		} else if (a[0] == '-') {
			char why[160];
			snprintf(why, sizeof(why), "unknown option '%s'", a);
			return usage_error(cmd, why);
		} else {
			takes = false;
			if (replay) {
				if (o->trace_in != NULL)
					return usage_error(cmd, "one trace at a time");
				o->trace_in = a;
			} else {
				if (o->scenario != NULL)
					return usage_error(cmd, "one scenario at a time");
				o->scenario = a;
			}
		}
		if (takes)
			i++;
	}
	if (o->depth > PCT_DEPTH_MAX || o->depth == 0)
		return usage_error(cmd, "--depth must be 1..8");
	return -1;	/* parsed */
}

/* Replays trace_path against the scenario (the trace's own, or
 * scenario_override); prints what happened. */
static int replay_trace(const char *cmd, const char *trace_path, const char *scenario_override,
			FILE *log, const char *wav_out, bool listen)
{
	struct trace_header h;
	struct decision_log rec = { 0 };
	char err[600];
	if (trace_read_file(trace_path, &h, &rec, err, sizeof(err)) != 0) {
		fprintf(stderr, "ac97sim: %s\n", err);
		return RUNS_EXIT_USAGE;
	}
	const char *scenario_path = scenario_override ? scenario_override : h.scenario_name;
	struct scenario_file sf;
	if (scenario_file_load(scenario_path, &sf, err, sizeof(err)) != 0) {
		fprintf(stderr, "ac97sim: %s\n", err);
		decision_log_free(&rec);
		return RUNS_EXIT_USAGE;
	}
	printf("trace: %s (build %s, scenario %s, %s seed %" PRIu64 ")\n", trace_path, h.build_id,
	       h.scenario_name, h.strategy.kind == STRATEGY_PCT ? "pct" : "random", h.seed);
	if (strcmp(h.build_id, ac97sim_build_id()) != 0)
		printf("note: recorded by build %s, replaying with %s\n", h.build_id,
		       ac97sim_build_id());
	uint64_t now_hash = scenario_hash(&sf.sc);
	if (now_hash != h.scenario_hash)
		printf("note: the scenario changed since the recording (hash 0x%016" PRIx64
		       ", recorded 0x%016" PRIx64 ")\n",
		       now_hash, h.scenario_hash);
	struct dac_tap tap;
	dac_tap_init(&tap);
	struct ac97_sink sink = dac_tap_sink(&tap);
	struct scenario_outcome out;
	const char *why = NULL;
	int status = RUNS_EXIT_PASS;
	if (runs_one(&sf, &h.strategy, h.seed, &rec, log, &sink, &out, NULL, &why) != 0) {
		fprintf(stderr, "ac97sim: %s: %s\n", scenario_path, why ? why : "cannot set up");
		status = RUNS_EXIT_USAGE;
		goto done;
	}
	runs_report(stdout, &out);
	const struct run_result *r = &out.result;
	if (r->verdict == RUN_DIVERGED) {
		printf("replay diverged at step %" PRIu64 ": %s\n", r->steps, r->message);
		status = RUNS_EXIT_FAILED;
	} else if (strcmp(run_verdict_name(r->verdict), h.verdict) != 0 ||
		   strcmp(r->checker, h.checker) != 0 || r->evlog_hash != h.evlog_hash ||
		   r->steps != h.steps) {
		printf("replay differs from the recording: recorded %s%s%s, %" PRIu64
		       " steps, hash 0x%016" PRIx64 "\n",
		       h.verdict, h.checker[0] ? " " : "", h.checker, h.steps, h.evlog_hash);
		status = RUNS_EXIT_FAILED;
	} else {
		printf("replay: exact (same verdict, steps and event-log hash as recorded)\n");
		status = exit_for(r);
	}
	if (wav_out != NULL && write_wav(wav_out, &tap) != 0)
		status = RUNS_EXIT_USAGE;
	if (listen)
		listen_tap(&tap, trace_path);
done:
	(void)cmd;
	dac_tap_free(&tap);
	scenario_file_free(&sf);
	decision_log_free(&rec);
	return status;
}

static FILE *open_log(const char *path)
{
	if (path == NULL)
		return NULL;
	FILE *f = fopen(path, "w");
	if (f == NULL)
		fprintf(stderr, "ac97sim: %s: %s\n", path, strerror(errno));
	return f;
}

int cmd_run(int argc, char **argv)
{
	struct run_opts o;
	int st = parse_run_opts("run", argc, argv, &o, false);
	if (st >= 0)
		return st;
	if (o.scenario == NULL && o.trace_in == NULL)
		return usage_error("run", "which scenario?");
	FILE *log = open_log(o.log_path);
	if (o.log_path != NULL && log == NULL)
		return RUNS_EXIT_USAGE;
	if (o.trace_in != NULL) {
		st = replay_trace("run", o.trace_in, o.scenario, log, o.wav_out, false);
		if (log)
			fclose(log);
		return st;
	}
	struct strategy strat;
	if (!runs_parse_strategy(o.strategy, (uint32_t)o.depth, o.steps, &strat)) {
		if (log)
			fclose(log);
		return usage_error("run", "--strategy is random or pct");
	}
	struct scenario_file sf;
	char err[600];
	if (scenario_file_load(o.scenario, &sf, err, sizeof(err)) != 0) {
		fprintf(stderr, "ac97sim: %s\n", err);
		if (log)
			fclose(log);
		return RUNS_EXIT_USAGE;
	}
	struct dac_tap tap;
	dac_tap_init(&tap);
	struct ac97_sink sink = dac_tap_sink(&tap);
	struct decision_log decisions = { 0 };
	struct scenario_outcome out;
	const char *why = NULL;
	printf("scenario: %s (hash 0x%016" PRIx64 ", driver %s)\n", o.scenario, scenario_hash(&sf.sc),
	       sf.sc.driver);
	printf("seed: %" PRIu64 "  strategy: %s\n", o.seed, o.strategy);
	if (runs_one(&sf, &strat, o.seed, NULL, log, &sink, &out, &decisions, &why) != 0) {
		fprintf(stderr, "ac97sim: %s: %s\n", o.scenario, why ? why : "cannot set up");
		st = RUNS_EXIT_USAGE;
	} else {
		runs_report(stdout, &out);
		st = exit_for(&out.result);
		if (o.trace_out != NULL) {
			struct trace_header h;
			runs_trace_header(&sf, &strat, o.seed, &out.result, &h);
			if (trace_write_file(o.trace_out, &h, &decisions, err, sizeof(err)) != 0) {
				fprintf(stderr, "ac97sim: %s\n", err);
				st = RUNS_EXIT_USAGE;
			} else {
				printf("trace: %s (replay with: ac97sim replay %s)\n", o.trace_out,
				       o.trace_out);
			}
		}
		if (o.wav_out != NULL && write_wav(o.wav_out, &tap) != 0)
			st = RUNS_EXIT_USAGE;
	}
	if (log)
		fclose(log);
	decision_log_free(&decisions);
	dac_tap_free(&tap);
	scenario_file_free(&sf);
	return st;
}

/* ---- replay -------------------------------------------------------------------- */

void help_replay(FILE *f)
{
	fprintf(f,
		"usage: ac97sim replay TRACE [--scenario FILE] [--listen] [--out FILE.wav]\n"
		"                            [--log FILE]\n"
		"\n"
		"Replays a recorded run exactly: every decision as recorded. Reports\n"
		"'exact' when the verdict, the steps and the event-log hash come out as\n"
		"recorded; otherwise the first step where the run left the recording\n"
		"(another build, an edited scenario, nondeterministic code) with what\n"
		"was recorded and what happened.\n"
		"\n"
		"  --scenario FILE   the scenario to replay against (default: the file\n"
		"                    the trace names)\n"
		"  --listen          play the run's output so a glitch can be heard\n"
		"  --out FILE.wav    write the run's output as a WAV file\n"
		"  --log FILE        write the event log, one event a line\n"
		"\n"
		"Exit: 0 exact and the run passed, 1 the run failed its check (as\n"
		"recorded) or the replay diverged, 2 bad usage or input.\n");
}

int cmd_replay(int argc, char **argv)
{
	struct run_opts o;
	int st = parse_run_opts("replay", argc, argv, &o, true);
	if (st >= 0)
		return st;
	if (o.trace_in == NULL)
		return usage_error("replay", "which trace?");
	FILE *log = open_log(o.log_path);
	if (o.log_path != NULL && log == NULL)
		return RUNS_EXIT_USAGE;
	st = replay_trace("replay", o.trace_in, o.scenario, log, o.wav_out, o.listen);
	if (log)
		fclose(log);
	return st;
}
