/*
 * run_json.h - `run --json FILE` and `replay --json FILE`: one run as a
 * machine reads it (format "ac97sim-run 1"; docs/machine-output.md shows
 * every field).
 *
 * What a person reads on standard output (runs_report) and what a program
 * reads here are the same facts: the verdict, the checker and its message,
 * where the run ended, the scenario and driver by hash, the strategy and
 * seed, the event-log and audio hashes, the race windows reached, and for a
 * replay whether it was exact. Nothing in it depends on the host: no
 * addresses, no wall-clock time; the same run gives the same file.
 */
#ifndef AC97SIM_RUN_JSON_H
#define AC97SIM_RUN_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decide.h"
#include "scenario.h"
#include "scenario_file.h"
#include "trace.h"

#define RUN_JSON_FORMAT "ac97sim-run 1"

/* A replay: the trace and what it recorded. */
struct run_json_replay {
	const char *trace_path;
	const struct trace_header *recorded;
	/* Same verdict, checker, steps and event-log hash as recorded (and
	 * the run never left the recorded decisions). */
	bool exact;
	/* replay --fork-at: the recorded decisions before fork_step, then
	 * the strategy from the run's seed (struct run_json's); not a replay
	 * of the recorded run, so neither exact nor diverged. */
	bool forked;
	uint64_t fork_step;
};

/* One run, as the command ran it. */
struct run_json {
	const char *command;			/* "run" or "replay" */
	const struct scenario_file *sf;		/* as run: its driver and checkers */
	const struct strategy *strategy;
	uint64_t seed;				/* a fork's: the seed after the fork */
	const struct scenario_outcome *out;
	const char *trace_out;			/* --trace-out, written; or NULL */
	const struct run_json_replay *replay;	/* NULL for run */
	int exit_status;			/* what the command exits with */
};

/* Writes j to path through an atomic output (outfile.h). Returns 0, or -1
 * with err ("PATH: reason"); no file is left then. */
int run_json_write(const char *path, const struct run_json *j, char *err, size_t err_len);

#endif
