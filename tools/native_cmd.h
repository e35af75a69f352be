/*
 * native_cmd.h - run and explore on the native backend (--backend native):
 * the scenario as a stress test on host threads (native_stress.h), with
 * its report. The option rows are shared, so both commands' --help say
 * the same.
 */
#ifndef AC97SIM_NATIVE_CMD_H
#define AC97SIM_NATIVE_CMD_H

#include <stdbool.h>
#include <stdint.h>

#include "cli.h"
#include "scenario_file.h"

#define BACKEND_OPTION                                                                      \
	{ "backend", 0, CLI_VALUE, "B",                                                     \
	  "deterministic (default): simulated CPUs, one decision stream,\n"                 \
	  "replayable; native: host threads on a scaled wall clock, the\n"                  \
	  "scenario as a stress test until its first failure (not\n"                        \
	  "replayable: docs/native-backend.md)" }
#define SCALE_OPTION                                                                        \
	{ "scale", 0, CLI_VALUE, "X",                                                       \
	  "native: simulated seconds per host second, 1..1000\n"                            \
	  "(default 10: 1, 10 and 100 are the usual)" }

/* Reads --backend: true for native, false for deterministic; *status is
 * EXIT_USAGE (reported) when the value is neither. */
bool native_cmd_wanted(const struct cli_spec *spec, const struct cli_args *a, int *status);

struct native_cmd {
	const char *command;		/* "run", "explore" */
	const char *scenario_path;
	uint64_t iterations;		/* 0: no bound (then time_ms) */
	uint64_t time_ms;		/* 0: no bound */
	uint64_t seed;
	uint64_t scale;
	const char *log_path;		/* the failing iteration's event log, or NULL */
};

/* Runs the loaded scenario as a stress test and prints the report.
 * Returns the exit status (0 no failure, 1 a failure, 3 no failure but
 * some iteration was cut by a limit, 2 bad input). */
int native_cmd_stress(const struct native_cmd *cmd, const struct scenario_file *sf);

#endif
