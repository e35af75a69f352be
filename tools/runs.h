/*
 * runs.h - the subcommands that run scenarios: `run` (one run), `replay`
 * (a trace, exactly) and `explore` (many schedules over several processes),
 * and what they share: loading a scenario, the strategy a seed runs,
 * recording a run as a trace and finding a trace's scenario again,
 * reporting a verdict and its exit status.
 *
 * A seed names a schedule: the run of (scenario, strategy, depth, seed) is
 * the same whatever else the command line says (strategies.h).
 */
#ifndef AC97SIM_RUNS_H
#define AC97SIM_RUNS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "decide.h"
#include "exit_status.h"
#include "scenario.h"
#include "scenario_file.h"
#include "trace.h"

int cmd_run(int argc, char **argv);
int cmd_replay(int argc, char **argv);
int cmd_explore(int argc, char **argv);
void help_run(FILE *f);
void help_replay(FILE *f);
void help_explore(FILE *f);

/* The program as the user invoked it (argv[0]), for commands we print for
 * them to run next. Set by main. */
extern const char *runs_program;

/* The exit status of a run's verdict (exit_status.h). */
int runs_exit_for(enum run_verdict v);

/* What the command line chose over the scenario file (NULL: the file's):
 * --driver NAME|PATH and --no-check NAMES (driver_option.h), --profile P
 * (profile_option.h). */
struct runs_choices {
	const char *driver;
	const char *no_check;
	const struct ac97_profile *profile;
};

/* Loads a scenario file and applies choices (may be NULL); on failure
 * prints "ac97sim: FILE:LINE: reason" (or the option's problem, as
 * "ac97sim: COMMAND: ...") and returns -1. */
int runs_load(const char *command, const char *path, const struct runs_choices *choices,
	      struct scenario_file *sf);

/* Runs sf once; decisions (if non-NULL) receives the decisions. Prints
 * nothing. Returns -1 with *why when the scenario cannot be set up. */
int runs_one(const struct scenario_file *sf, const struct strategy *st, uint64_t seed,
	     const struct decision_log *replay, FILE *log_text, const struct ac97_sink *sink,
	     struct scenario_outcome *out, struct decision_log *decisions, const char **why);

/* Runs sf once for its verdict alone, as explore's workers do (the
 * outcome's link audio fields stay 0: scenario_run_options.verdict_only).
 * Returns -1 with *why when the scenario cannot be set up. */
int runs_verdict(const struct scenario_file *sf, const struct strategy *st, uint64_t seed,
		 struct scenario_outcome *out, const char **why);

/* The trace header for a run of sf under strategy/seed with result r, to
 * be written at trace_path: the scenario is named relative to the trace's
 * folder when it can be, so that the trace replays from anywhere. */
void runs_trace_header(const struct scenario_file *sf, const struct strategy *st, uint64_t seed,
		       const struct run_result *r, const char *trace_path, struct trace_header *h);

/* Writes a trace through an atomic output; prints the error and returns -1
 * on failure. */
int runs_write_trace(const char *path, const struct trace_header *h,
		     const struct decision_log *log);

/*
 * Finds and loads the scenario a trace was recorded from, as it ran: with
 * the trace's driver (a built-in by name; a plug-in from the recorded path,
 * taken from the trace's folder, or driver_override when given), exactly
 * the trace's checkers switched off and the trace's device profile.
 *
 * The scenario file: scenario_override when given; else the recorded name
 * relative to the trace's folder, as recorded (relative to here, or
 * absolute), and any scenario file in the trace's folder whose hash is the
 * recorded one. A candidate whose hash matches wins; one that exists but
 * changed is used with a note on stdout, as is a plug-in whose binary is
 * not the recorded one. Prints the error (offering --scenario or --driver)
 * and returns -1 when either is not found.
 */
int runs_find_scenario(const char *trace_path, const struct trace_header *h,
		       const char *scenario_override, const char *driver_override,
		       struct scenario_file *sf);

/* Reads the trace at trace_path and finds its scenario as
 * runs_find_scenario does. Prints the error and returns -1 (nothing to
 * free) when either fails. */
int runs_load_trace(const char *trace_path, const char *scenario_override,
		    const char *driver_override, struct trace_header *h, struct decision_log *rec,
		    struct scenario_file *sf);

/* Whether a run's failure may have damaged the process that ran it (the
 * driver crashed or hung: its code was cut off anywhere), so that more
 * runs belong in a fresh process. */
bool runs_result_damaged(const struct run_result *r);

/* Runs sf again as it ran (under st/seed, or replaying replay when not
 * NULL: runs are deterministic, so it is the same run) with its event log
 * kept, and prints the last events before its end in lanes, one a CPU. */
void runs_print_timeline(FILE *f, const struct scenario_file *sf, const struct strategy *st,
			 uint64_t seed, const struct decision_log *replay);

/* Prints the verdict block people read (and tests parse). */
void runs_report(FILE *f, const struct scenario_outcome *out);

#endif
