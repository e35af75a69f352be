/*
 * run_cmd.c - `ac97sim run` (one run of a scenario) and `ac97sim replay`
 * (a recorded run, exactly).
 *
 * Outputs named on the command line are checked before the run starts and
 * written whole or not at all (outfile.h): a run that takes a minute never
 * ends in "cannot write".
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audio_file.h"
#include "cli.h"
#include "continue_run.h"
#include "dac_tap.h"
#include "listen.h"
#include "native.h"
#include "native_cmd.h"
#include "outfile.h"
#include "plot_tap.h"
#include "driver_option.h"
#include "profile_option.h"
#include "run_json.h"
#include "runs.h"
#include "strategies.h"
#include "vcd.h"
#include "version.h"

#define ERR_MAX 1200

/* ---- outputs ---------------------------------------------------------------------- */

/* The optional outputs of a run: checked first, opened before the run,
 * committed after it. */
struct run_outputs {
	const char *log_path, *wav_path, *trace_path, *json_path, *vcd_path, *plot_path;
	struct outfile *log;
	struct vcd *vcd;
};

static int check_outputs(const struct run_outputs *o)
{
	const char *paths[] = { o->log_path, o->wav_path, o->trace_path, o->json_path, o->vcd_path,
				o->plot_path };
	char err[ERR_MAX];
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		if (paths[i] != NULL && outfile_check(paths[i], err, sizeof(err)) != 0) {
			fprintf(stderr, "ac97sim: %s\n", err);
			return -1;
		}
	}
	return 0;
}

/* Opens the event log's output (the run writes it as it goes). */
static FILE *open_log(struct run_outputs *o)
{
	if (o->log_path == NULL)
		return NULL;
	char err[ERR_MAX];
	o->log = outfile_open(o->log_path, err, sizeof(err));
	if (o->log == NULL) {
		fprintf(stderr, "ac97sim: %s\n", err);
		return NULL;
	}
	return outfile_stream(o->log);
}

/* Commits the log; returns the exit status to use (status, or 2 when the
 * log could not be written). */
static int close_log(struct run_outputs *o, int status, bool keep)
{
	if (o->log == NULL)
		return status;
	char err[ERR_MAX];
	if (!keep) {
		outfile_abort(o->log);
	} else if (outfile_commit(o->log, err, sizeof(err)) != 0) {
		fprintf(stderr, "ac97sim: %s\n", err);
		status = EXIT_USAGE;
	}
	o->log = NULL;
	return status;
}

/* Writes the run for machines (run_json.h) once everything else is
 * written, so that it holds the exit status the command ends with; returns
 * that status (2 when the JSON could not be written, and then no file). */
static int write_json(const char *path, struct run_json *j)
{
	if (path == NULL)
		return j->exit_status;
	char err[ERR_MAX];
	if (run_json_write(path, j, err, sizeof(err)) != 0) {
		fprintf(stderr, "ac97sim: %s\n", err);
		return EXIT_USAGE;
	}
	return j->exit_status;
}

/* Makes the waveform's writer, when one was asked for, and adds it to the
 * run's observers; comment goes into its header. Returns -1 after
 * printing why it cannot be had. */
static int open_vcd(struct run_outputs *o, const char *comment,
		    struct scenario_run_options *opt)
{
	if (o->vcd_path == NULL)
		return 0;
	char err[ERR_MAX];
	o->vcd = vcd_create(o->vcd_path, comment, err, sizeof(err));
	if (o->vcd == NULL) {
		fprintf(stderr, "ac97sim: %s\n", err);
		return -1;
	}
	opt->observers[opt->n_observers++] = vcd_observer(o->vcd);
	return 0;
}

/* Writes the waveform of a run that ran (keep) and frees its writer;
 * returns the exit status to use (status, or 2 when it cannot be
 * written). */
static int close_vcd(struct run_outputs *o, int status, bool keep, sim_ticks_t end_tick)
{
	if (o->vcd == NULL)
		return status;
	char err[ERR_MAX];
	if (keep && vcd_commit(o->vcd, end_tick, err, sizeof(err)) != 0) {
		fprintf(stderr, "ac97sim: %s\n", err);
		status = EXIT_USAGE;
	} else if (keep) {
		printf("waveform: %s\n", o->vcd_path);
	}
	vcd_free(o->vcd);
	o->vcd = NULL;
	return status;
}

/* --plot: draws the first wrong sample of the recorded run (first) from
 * what the tap kept, or says why there is none (the file is then not
 * written, and the status stays). Returns the status to use. */
static int draw_plot(const char *path, const struct plot_tap *t, const struct scenario *sc,
		     const struct scenario_outcome *first, const char *title,
		     const char *stopped_note, int status)
{
	const struct audio_miss *miss = &first->checks.first_miss;
	if (first->result.verdict != RUN_FAIL || !miss->found) {
		printf("plot: %s: nothing drawn, %s not written\n",
		       first->result.verdict != RUN_FAIL
			       ? "no check failed, so no sample crossed the AC-link wrong"
			       : "the failure is not a wrong sample on the AC-link (--plot draws "
				 "audio-conservation's)",
		       path);
		return status;
	}
	char err[ERR_MAX];
	if (plot_tap_draw(t, sc, miss, title, stopped_note, path, err, sizeof(err)) != 0) {
		fprintf(stderr, "ac97sim: %s\n", err);
		return EXIT_USAGE;
	}
	printf("plot: %s (the first wrong sample, at %" PRIu64 " us, and %u frames around it)\n",
	       path, sim_ticks_to_us(miss->link_tick), PLOT_BEFORE_FRAMES);
	return status;
}

/* Writes what the listener would hear. */
static int write_wav(const char *path, const struct dac_tap *tap)
{
	char err[ERR_MAX];
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

/* --continue: after a failure, the run again with its checkers muted
 * (continue_run.h), heard from tap_on (and plotted by plot, aimed at the
 * failure, when wanted); *heard is set to tap_on when it ran. Anything but
 * a failure has nothing to go on past. Returns the status to use. */
static int go_on_past(const struct scenario *sc, const struct decision_log *recorded,
		      const struct strategy *strat, uint64_t seed,
		      const struct scenario_outcome *first, struct dac_tap *tap_on,
		      const struct dac_tap **heard, struct plot_tap *plot, bool plotting, int status)
{
	if (status == EXIT_PASS || status == EXIT_LIMIT)
		printf("continue: the run did not fail: nothing to go on past\n");
	else if (status == EXIT_DIVERGED)
		printf("continue: the replay is not exact: not continued\n");
	else if (status == EXIT_FAILED && runs_result_damaged(&first->result))
		/* Its code was cut off anywhere: nothing more runs in this
		 * process, and the machine could not go past it anyway. */
		printf("continue: the driver %s: the machine cannot go on past it\n",
		       strcmp(first->result.checker, machine_failures[MACHINE_FAIL_DRIVER_HANG].name) == 0
			       ? "hung"
			       : "crashed");
	if (status != EXIT_FAILED || runs_result_damaged(&first->result))
		return status;
	struct ac97_sink sink_on = dac_tap_sink(tap_on);
	struct scenario_observer watch[1];
	uint32_t n_watch = 0;
	if (plotting && first->checks.first_miss.found) {
		plot_tap_aim(plot, first->checks.first_miss.link_tick);
		watch[n_watch++] = plot_tap_observer(plot);
	}
	const struct continue_request req = {
		.recorded = recorded, .strategy = strat, .seed = seed, .first = &first->result,
		.first_link_frames = first->link_frames, .sink = &sink_on, .observers = watch,
		.n_observers = n_watch,
	};
	int cst = continue_run(sc, &req, stdout, NULL);
	if (cst != 0)
		return cst;
	*heard = tap_on;
	return status;
}

/* --vcd and --plot, the same on run and replay (docs/seeing-a-failure.md). */
#define SEE_OPTIONS                                                                        \
	{ "vcd", 0, CLI_VALUE, "FILE.vcd",                                                 \
	  "write the run as a VCD waveform (GTKWave): each CPU's context\n"                \
	  "and IRQL, lock holders, the interrupt line, each engine's\n"                     \
	  "registers, each mapping's state, the failure" },                                \
	{ "plot", 0, CLI_VALUE, "FILE.png|FILE.svg",                                         \
	  "draw what crossed the AC-link against what should have,\n"                       \
	  "around the first wrong sample of an audio-conservation\n"                        \
	  "failure (SVG when FILE ends in .svg, else PNG; no failure of\n"                  \
	  "that kind: says so and writes nothing)" }

/* ---- run ----------------------------------------------------------------------------- */

static const struct cli_option run_options[] = {
	{ "seed", 's', CLI_VALUE, "N", "the decision stream's seed (default 1)" },
	{ "strategy", 0, CLI_VALUE, "S",
	  "random (default), pct, pos, delay-bounded, or portfolio\n"
	  "(what explore's default ran as this seed)" },
	{ "depth", 'd', CLI_VALUE, "D", "PCT's depth, 1..8 (default 3)" },
	{ "steps", 0, CLI_VALUE, "K",
	  "the run's length estimate, where PCT's change points and\n"
	  "every strategy's delays fall (default: the scenario's own,\n"
	  "as explore uses it, so that run --seed N is explore's seed N)" },
	{ "log", 0, CLI_VALUE, "FILE", "write the event log, one event a line" },
	{ "trace-out", 'o', CLI_VALUE, "FILE", "record the run's decisions as a trace" },
	{ "out", 0, CLI_VALUE, "FILE.wav", "write what the codec's output would sound like" },
	{ "json", 0, CLI_VALUE, "FILE",
	  "write the run for machines: verdict, checker, hashes,\n"
	  "windows, exit status (docs/machine-output.md)" },
	SEE_OPTIONS,
	{ "continue", 0, CLI_FLAG, NULL,
	  "after a failure, run again with the checkers muted to the\n"
	  "stream's end (the run's decisions, then its strategy and\n"
	  "seed afresh), so that --out and --plot go on past the glitch;\n"
	  "the verdict and exit status stay the run's" },
	DRIVER_OPTION,
	NO_CHECK_OPTION,
	PROFILE_OPTION,
	BACKEND_OPTION,
	SCALE_OPTION,
	{ "iterations", 0, CLI_VALUE, "N",
	  "native: stop after N iterations (default 100, or none\n"
	  "with --time)" },
	{ "time", 't', CLI_VALUE, "T",
	  "native: stop once T of host time has passed (250ms, 30s, 2m)" },
};

static const struct cli_spec run_spec = {
	.command = "run",
	.synopsis = "SCENARIO [--seed N] [--strategy S [--depth D]] [OPTIONS]",
	.description =
		"Runs the scenario once: its driver on the simulated CPUs, against the device,\n"
		"refereed by every checker. Prints the verdict, the checker that fired and what\n"
		"it saw, and the event-log hash (the same scenario, seed and build always give\n"
		"the same). A seed names a schedule: `run --seed N --strategy pct --depth D`\n"
		"is exactly the run explore reported as seed N of that strategy.\n",
	.options = run_options,
	.n_options = sizeof(run_options) / sizeof(run_options[0]),
	.operands_min = 1,
	.operands_max = 1,
	.epilogue = "Exit: 0 pass, 1 a check failed, 2 bad usage or input, 3 cut by a limit\n"
		    "(see 'ac97sim help').\n",
};

void help_run(FILE *f)
{
	cli_help(&run_spec, f);
}

/* run --backend native: the options that mean nothing there are said so;
 * the one that cannot be honoured (a trace) is refused. */
static int run_native(const struct cli_spec *spec, const struct cli_args *a)
{
	static const char *const unused[] = { "strategy", "depth", "steps", "out", "json", "vcd",
					      "plot", "continue" };
	for (size_t i = 0; i < sizeof(unused) / sizeof(unused[0]); i++)
		if (cli_given(spec, a, unused[i]))
			cli_note_unused(spec, unused[i], "it is the deterministic backend's");
	if (cli_given(spec, a, "trace-out"))
		return cli_usage_error(spec, "--trace-out: a native run cannot be replayed (it "
					     "records its event log: --log FILE)");
	struct native_cmd cmd = { "run", a->operands[0], 100, 0, 1, NATIVE_TIME_SCALE_DEFAULT,
				  cli_value(spec, a, "log") };
	if (cli_given(spec, a, "time"))
		cmd.iterations = 0;
	if (!cli_u64(spec, a, "seed", 0, UINT64_MAX / 2, &cmd.seed) ||
	    !cli_u64(spec, a, "iterations", 1, UINT64_MAX, &cmd.iterations) ||
	    !cli_duration_ms(spec, a, "time", 1, 24ull * 3600u * 1000u, &cmd.time_ms) ||
	    !cli_u64(spec, a, "scale", 1, NATIVE_TIME_SCALE_MAX, &cmd.scale))
		return EXIT_USAGE;
	struct scenario_file sf;
	struct runs_choices choices = { cli_value(spec, a, "driver"), cli_value(spec, a, "no-check"),
					NULL };
	if (profile_option_get(spec, a, &choices.profile) != 0)
		return EXIT_USAGE;
	if (runs_load("run", cmd.scenario_path, &choices, &sf) != 0)
		return EXIT_USAGE;
	int st = native_cmd_stress(&cmd, &sf);
	scenario_file_free(&sf);
	return st;
}

int cmd_run(int argc, char **argv)
{
	struct cli_args a;
	int st = cli_parse(&run_spec, argc, argv, &a);
	if (st != CLI_CONTINUE)
		return st;
	const struct cli_spec *spec = &run_spec;
	if (native_cmd_wanted(spec, &a, &st))
		return run_native(spec, &a);
	if (st != 0)
		return st;
	static const char *const native_only[] = { "scale", "iterations", "time" };
	for (size_t i = 0; i < sizeof(native_only) / sizeof(native_only[0]); i++)
		if (cli_given(spec, &a, native_only[i]))
			cli_note_unused(spec, native_only[i], "it is the native backend's");
	uint64_t seed = 1, depth = 3, steps = 0;
	if (!cli_u64(spec, &a, "seed", 0, UINT64_MAX, &seed) ||
	    !cli_u64(spec, &a, "depth", 1, PCT_DEPTH_MAX, &depth) ||
	    !cli_u64(spec, &a, "steps", 1, UINT64_MAX, &steps))
		return EXIT_USAGE;
	const char *strategy = cli_value(spec, &a, "strategy");
	enum strategy_choice choice = CHOICE_RANDOM;
	if (strategy != NULL && !strategy_choice_parse(strategy, &choice))
		return cli_usage_error(spec, "--strategy is " STRATEGY_CHOICE_NAMES ", not '%s'",
				       strategy);
	if (choice != CHOICE_PCT && cli_given(spec, &a, "depth"))
		cli_note_unused(spec, "depth", "it is PCT's, and the strategy is not pct");
	struct run_outputs outs = {
		.log_path = cli_value(spec, &a, "log"),
		.wav_path = cli_value(spec, &a, "out"),
		.trace_path = cli_value(spec, &a, "trace-out"),
		.json_path = cli_value(spec, &a, "json"),
		.vcd_path = cli_value(spec, &a, "vcd"),
		.plot_path = cli_value(spec, &a, "plot"),
	};
	bool go_on = cli_given(spec, &a, "continue");
	if (go_on && outs.wav_path == NULL && outs.plot_path == NULL)
		cli_note_unused(spec, "continue", "nothing is heard or drawn: add --out or --plot");
	if (check_outputs(&outs) != 0)
		return EXIT_USAGE;
	const char *scenario = a.operands[0];
	struct scenario_file sf;
	struct runs_choices choices = { cli_value(spec, &a, "driver"), cli_value(spec, &a, "no-check"),
					NULL };
	if (profile_option_get(spec, &a, &choices.profile) != 0)
		return EXIT_USAGE;
	if (runs_load("run", scenario, &choices, &sf) != 0)
		return EXIT_USAGE;
	const char *why = NULL;
	/* The scenario's calibration, as explore measures it, so that run
	 * --seed N is explore's seed N; --steps K replaces its k. */
	struct calibration cal;
	if (calibrate(&sf, &cal, &why) != 0) {
		fprintf(stderr, "ac97sim: %s: %s\n", scenario, why ? why : "cannot set up");
		scenario_file_free(&sf);
		return EXIT_USAGE;
	}
	if (steps != 0)
		cal.steps = steps;
	struct strategy strat = strategy_for_seed(choice, (uint32_t)depth, seed, &cal);
	FILE *log = open_log(&outs);
	if (outs.log_path != NULL && log == NULL) {
		scenario_file_free(&sf);
		return EXIT_USAGE;
	}
	struct dac_tap tap, tap_on;
	dac_tap_init(&tap);
	dac_tap_init(&tap_on);
	struct ac97_sink sink = dac_tap_sink(&tap);
	struct plot_tap plot;
	plot_tap_init(&plot);
	struct decision_log decisions = { 0 };
	struct scenario_outcome out;
	char strat_text[64];
	strategy_format(&strat, strat_text, sizeof(strat_text));
	printf("scenario: %s (hash 0x%016" PRIx64 ", driver %s)\n", scenario, scenario_hash(&sf.sc),
	       sf.sc.driver_ref.ops->name);
	printf("seed: %" PRIu64 "  strategy: %s\n", seed, strat_text);
	bool ran = false, trace_written = false;
	char comment[600];
	snprintf(comment, sizeof(comment), "run %s: seed %" PRIu64 ", %s, driver %s", scenario, seed,
		 strat_text, sf.sc.driver_ref.ops->name);
	struct scenario_run_options opt = {
		.log_text = log, .also_sink = outs.wav_path ? &sink : NULL,
		.decisions = outs.trace_path || go_on ? &decisions : NULL,
	};
	if (outs.plot_path != NULL && !go_on)
		opt.observers[opt.n_observers++] = plot_tap_observer(&plot);
	if (open_vcd(&outs, comment, &opt) != 0) {
		st = EXIT_USAGE;
	} else if (scenario_run_with(&sf.sc, &strat, seed, &opt, &out, &why) != 0) {
		fprintf(stderr, "ac97sim: %s: %s\n", scenario, why ? why : "cannot set up");
		st = EXIT_USAGE;
	} else {
		ran = true;
		runs_report(stdout, &out);
		if (out.result.verdict == RUN_FAIL && !runs_result_damaged(&out.result))
			runs_print_timeline(stdout, &sf, &strat, seed, NULL);
		st = runs_exit_for(out.result.verdict);
		if (outs.trace_path != NULL) {
			struct trace_header h;
			runs_trace_header(&sf, &strat, seed, &out.result, outs.trace_path, &h);
			trace_written = runs_write_trace(outs.trace_path, &h, &decisions) == 0;
			if (!trace_written)
				st = EXIT_USAGE;
			else
				printf("trace: %s (replay with: %s replay %s)\n", outs.trace_path,
				       runs_program, outs.trace_path);
		}
		const struct dac_tap *heard = &tap;
		if (go_on)
			st = go_on_past(&sf.sc, &decisions, &strat, seed, &out, &tap_on, &heard, &plot,
					outs.plot_path != NULL, st);
		if (outs.wav_path != NULL && write_wav(outs.wav_path, heard) != 0)
			st = EXIT_USAGE;
		if (outs.plot_path != NULL && st != EXIT_USAGE && st != EXIT_DIVERGED) {
			char title[600];
			snprintf(title, sizeof(title), "run %s, seed %" PRIu64 " (%s)%s", scenario, seed,
				 strat_text, heard == &tap_on ? ", continued past the failure" : "");
			st = draw_plot(outs.plot_path, &plot, &sf.sc, &out, title,
				       "the run stopped at its failure: run --continue draws what came after",
				       st);
		}
	}
	st = close_vcd(&outs, st, ran, ran ? out.result.end_tick : 0);
	st = close_log(&outs, st, ran);
	if (ran) {
		struct run_json j = { "run", &sf, &strat, seed, &out,
				      trace_written ? outs.trace_path : NULL, NULL, st };
		st = write_json(outs.json_path, &j);
	}
	decision_log_free(&decisions);
	plot_tap_free(&plot);
	dac_tap_free(&tap);
	dac_tap_free(&tap_on);
	scenario_file_free(&sf);
	return st;
}

/* ---- replay ---------------------------------------------------------------------------- */

static const struct cli_option replay_options[] = {
	{ "scenario", 0, CLI_VALUE, "FILE",
	  "the scenario to replay against (default: the one the trace\n"
	  "names, found beside the trace, from here, or by its hash)" },
	{ "log", 0, CLI_VALUE, "FILE", "write the event log, one event a line" },
	{ "out", 0, CLI_VALUE, "FILE.wav", "write the run's output as a WAV file" },
	{ "listen", 0, CLI_FLAG, NULL, "play the run's output so a glitch can be heard" },
	{ "continue", 0, CLI_FLAG, NULL,
	  "after a failure, go on to the stream's end with the checkers\n"
	  "muted, so that --out and --listen hold the glitch in context\n"
	  "(the recorded decisions, then the trace's strategy and seed;\n"
	  "the verdict and exit status stay the recorded run's)" },
	SEE_OPTIONS,
	{ "json", 0, CLI_VALUE, "FILE",
	  "write the replay for machines: the run's verdict and\n"
	  "hashes, and whether it was exact (docs/machine-output.md)" },
	{ "driver", 0, CLI_VALUE, "PATH",
	  "the plug-in to replay with (default: the one the trace\n"
	  "names, found beside the trace or from here)" },
	{ "fork-at", 0, CLI_VALUE, "STEP",
	  "replay decisions 0..STEP-1 exactly, then decide anew\n"
	  "under the trace's strategy from --seed: another future\n"
	  "from that moment (d lines number the decisions)" },
	{ "seed", 0, CLI_VALUE, "S", "with --fork-at: the seed of the new future (default 1)" },
	{ "trace-out", 'o', CLI_VALUE, "FILE", "with --fork-at: record the forked run as a trace" },
};

static const struct cli_spec replay_spec = {
	.command = "replay",
	.synopsis = "TRACE [--scenario FILE] [--log FILE] [--vcd FILE] [--plot FILE]\n"
		    "       [--out FILE.wav] [--listen] [--continue] [--fork-at STEP [--seed S]]",
	.description =
		"Replays a recorded run exactly: every decision as recorded. Reports 'exact'\n"
		"when the verdict, the steps and the event-log hash come out as recorded;\n"
		"otherwise the first step where the run left the recording (another build, an\n"
		"edited scenario, nondeterministic code) with what was recorded and what\n"
		"happened.\n",
	.options = replay_options,
	.n_options = sizeof(replay_options) / sizeof(replay_options[0]),
	.operands_min = 1,
	.operands_max = 1,
	.epilogue = "Exit: as the recorded run's verdict when the replay is exact (0 pass,\n"
		    "1 the recorded failure reproduced, 3 the recorded limit); 4 the replay\n"
		    "diverged; 2 bad usage or input (see 'ac97sim help').\n",
};

void help_replay(FILE *f)
{
	cli_help(&replay_spec, f);
}

int cmd_replay(int argc, char **argv)
{
	struct cli_args a;
	int st = cli_parse(&replay_spec, argc, argv, &a);
	if (st != CLI_CONTINUE)
		return st;
	const struct cli_spec *spec = &replay_spec;
	const char *trace_path = a.operands[0];
	bool listen = cli_given(spec, &a, "listen");
	bool go_on = cli_given(spec, &a, "continue");
	bool fork = cli_given(spec, &a, "fork-at");
	uint64_t fork_step = 0, fork_seed = 1;
	if (!cli_u64(spec, &a, "fork-at", 0, UINT64_MAX, &fork_step) ||
	    !cli_u64(spec, &a, "seed", 0, UINT64_MAX, &fork_seed))
		return EXIT_USAGE;
	if (!fork && cli_given(spec, &a, "seed"))
		cli_note_unused(spec, "seed", "it seeds the future after --fork-at");
	if (!fork && cli_given(spec, &a, "trace-out"))
		return cli_usage_error(spec, "--trace-out records a forked run: give --fork-at too");
	struct run_outputs outs = {
		.log_path = cli_value(spec, &a, "log"),
		.wav_path = cli_value(spec, &a, "out"),
		.trace_path = cli_value(spec, &a, "trace-out"),
		.json_path = cli_value(spec, &a, "json"),
		.vcd_path = cli_value(spec, &a, "vcd"),
		.plot_path = cli_value(spec, &a, "plot"),
	};
	if (go_on && fork) {
		cli_note_unused(spec, "continue", "a forked run decides its own future: it is not cut");
		go_on = false;
	}
	if (go_on && outs.wav_path == NULL && !listen && outs.plot_path == NULL)
		cli_note_unused(spec, "continue", "nothing is heard or drawn: add --out, --listen or --plot");
	if (check_outputs(&outs) != 0)
		return EXIT_USAGE;
	struct trace_header h;
	struct decision_log rec = { 0 };
	struct scenario_file sf;
	if (runs_load_trace(trace_path, cli_value(spec, &a, "scenario"), cli_value(spec, &a, "driver"),
			    &h, &rec, &sf) != 0)
		return EXIT_USAGE;
	char strat_text[64];
	strategy_format(&h.strategy, strat_text, sizeof(strat_text));
	printf("trace: %s (build %s, scenario %s, driver %s, %s, seed %" PRIu64 ")\n", trace_path,
	       h.build_id, sf.path, sf.sc.driver_ref.ops->name, strat_text, h.seed);
	if (strcmp(h.build_id, ac97sim_build_id()) != 0)
		printf("note: recorded by build %s, replaying with %s\n", h.build_id,
		       ac97sim_build_id());
	FILE *log = open_log(&outs);
	if (outs.log_path != NULL && log == NULL) {
		scenario_file_free(&sf);
		decision_log_free(&rec);
		return EXIT_USAGE;
	}
	struct dac_tap tap, tap_on;
	dac_tap_init(&tap);
	dac_tap_init(&tap_on);
	struct ac97_sink sink = dac_tap_sink(&tap);
	struct plot_tap plot;
	plot_tap_init(&plot);
	struct scenario_outcome out;
	const char *why = NULL;
	bool ran = false, exact = false, fork_trace_written = false;
	struct decision_log forked = { 0 };
	char comment[1400];
	snprintf(comment, sizeof(comment), "replay %s: scenario %s, seed %" PRIu64 ", %s, driver %s",
		 trace_path, sf.path, fork ? fork_seed : h.seed, strat_text,
		 sf.sc.driver_ref.ops->name);
	struct replay_plan plan = { &rec, fork ? REPLAY_FORK : REPLAY_EXACT, fork_step };
	struct scenario_run_options opt = {
		.plan = &plan, .log_text = log, .also_sink = &sink,
		.decisions = fork ? &forked : NULL,
	};
	if (outs.plot_path != NULL && !go_on)
		opt.observers[opt.n_observers++] = plot_tap_observer(&plot);
	if (open_vcd(&outs, comment, &opt) != 0) {
		st = EXIT_USAGE;
		goto done;
	}
	if (fork) {
		/* Decisions before the fork are the trace's, exactly; after it
		 * the trace's strategy decides from the new seed. */
		if (fork_step > rec.count) {
			fprintf(stderr, "ac97sim: %s: --fork-at %" PRIu64 " is past its %zu decisions\n",
				trace_path, fork_step, rec.count);
			st = EXIT_USAGE;
			goto done;
		}
		if (scenario_run_with(&sf.sc, &h.strategy, fork_seed, &opt, &out, &why) != 0) {
			fprintf(stderr, "ac97sim: %s: %s\n", sf.path, why ? why : "cannot set up");
			st = EXIT_USAGE;
			goto done;
		}
		ran = true;
		printf("fork: decisions 0..%" PRIu64 " as recorded, then %s from seed %" PRIu64 "\n",
		       fork_step > 0 ? fork_step - 1 : 0, strat_text, fork_seed);
		runs_report(stdout, &out);
		st = runs_exit_for(out.result.verdict);
		if (outs.trace_path != NULL) {
			/* The forked run replays exactly from its own decisions. */
			struct trace_header fh;
			runs_trace_header(&sf, &h.strategy, fork_seed, &out.result, outs.trace_path, &fh);
			fork_trace_written = runs_write_trace(outs.trace_path, &fh, &forked) == 0;
			if (!fork_trace_written)
				st = EXIT_USAGE;
			else
				printf("trace: %s (replay with: %s replay %s)\n", outs.trace_path,
				       runs_program, outs.trace_path);
		}
		if (outs.wav_path != NULL && write_wav(outs.wav_path, &tap) != 0)
			st = EXIT_USAGE;
		if (outs.plot_path != NULL && st != EXIT_USAGE) {
			char title[1200];
			snprintf(title, sizeof(title), "replay %s, forked at decision %" PRIu64
				 " with seed %" PRIu64, trace_path, fork_step, fork_seed);
			st = draw_plot(outs.plot_path, &plot, &sf.sc, &out, title, NULL, st);
		}
		if (listen)
			listen_tap(&tap, trace_path);
		goto done;
	}
	if (scenario_run_with(&sf.sc, &h.strategy, h.seed, &opt, &out, &why) != 0) {
		fprintf(stderr, "ac97sim: %s: %s\n", sf.path, why ? why : "cannot set up");
		st = EXIT_USAGE;
		goto done;
	}
	ran = true;
	runs_report(stdout, &out);
	if (out.result.verdict == RUN_FAIL && !runs_result_damaged(&out.result))
		runs_print_timeline(stdout, &sf, &h.strategy, h.seed, &rec);
	const struct run_result *r = &out.result;
	if (r->verdict == RUN_DIVERGED) {
		printf("replay diverged at step %" PRIu64 ": %s\n", r->steps, r->message);
		st = EXIT_DIVERGED;
	} else if (strcmp(run_verdict_name(r->verdict), h.verdict) != 0 ||
		   strcmp(r->checker, h.checker) != 0 || r->evlog_hash != h.evlog_hash ||
		   r->steps != h.steps) {
		printf("replay diverged at its end: recorded %s%s%s, %" PRIu64
		       " steps, hash 0x%016" PRIx64 "\n",
		       h.verdict, h.checker[0] ? " " : "", h.checker, h.steps, h.evlog_hash);
		st = EXIT_DIVERGED;
	} else {
		printf("replay: exact (same verdict, steps and event-log hash as recorded)\n");
		exact = true;
		st = runs_exit_for(r->verdict);
	}
	/* What is heard: the recorded run, or its continuation. */
	const struct dac_tap *heard = &tap;
	if (go_on)
		st = go_on_past(&sf.sc, &rec, &h.strategy, h.seed, &out, &tap_on, &heard, &plot,
				outs.plot_path != NULL, st);
	if (outs.wav_path != NULL && write_wav(outs.wav_path, heard) != 0)
		st = EXIT_USAGE;
	if (outs.plot_path != NULL && st != EXIT_USAGE && st != EXIT_DIVERGED) {
		char title[1200];
		snprintf(title, sizeof(title), "replay %s%s", trace_path,
			 heard == &tap_on ? ", continued past the failure" : "");
		st = draw_plot(outs.plot_path, &plot, &sf.sc, &out, title,
			       "the run stopped at its failure: replay --continue draws what came "
			       "after",
			       st);
	}
	if (listen)
		listen_tap(heard, trace_path);
done:
	st = close_vcd(&outs, st, ran, ran ? out.result.end_tick : 0);
	st = close_log(&outs, st, ran);
	if (ran) {
		struct run_json_replay rp = { trace_path, &h, exact, fork, fork_step };
		struct run_json j = { "replay", &sf, &h.strategy, fork ? fork_seed : h.seed, &out,
				      fork_trace_written ? outs.trace_path : NULL, &rp, st };
		st = write_json(outs.json_path, &j);
	}
	dac_tap_free(&tap);
	dac_tap_free(&tap_on);
	plot_tap_free(&plot);
	scenario_file_free(&sf);
	decision_log_free(&rec);
	decision_log_free(&forked);
	return st;
}
