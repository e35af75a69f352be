/*
 * runs.h - the subcommands that run scenarios: `run` (one run), `replay`
 * (a trace, exactly), `explore` (many schedules, over several processes),
 * and what they share: loading a scenario, recording a run as a trace,
 * reporting a verdict.
 */
#ifndef AC97SIM_RUNS_H
#define AC97SIM_RUNS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "decide.h"
#include "scenario.h"
#include "scenario_file.h"
#include "trace.h"

int cmd_run(int argc, char **argv);
int cmd_replay(int argc, char **argv);
int cmd_explore(int argc, char **argv);
void help_run(FILE *f);
void help_replay(FILE *f);
void help_explore(FILE *f);

/* Exit statuses of every subcommand. */
enum { RUNS_EXIT_PASS = 0, RUNS_EXIT_FAILED = 1, RUNS_EXIT_USAGE = 2 };

/* Parses "random", "pct" (with depth and steps given apart) into s;
 * false for anything else. */
bool runs_parse_strategy(const char *name, uint32_t depth, uint64_t steps, struct strategy *s);

/* The trace header for a run of sf under strategy/seed with result r. */
void runs_trace_header(const struct scenario_file *sf, const struct strategy *st, uint64_t seed,
		       const struct run_result *r, struct trace_header *h);

/* Runs sf once; decisions (if non-NULL) receives the decisions. Prints
 * nothing. Returns -1 with *why when the scenario cannot be set up. */
int runs_one(const struct scenario_file *sf, const struct strategy *st, uint64_t seed,
	     const struct decision_log *replay, FILE *log_text, const struct ac97_sink *sink,
	     struct scenario_outcome *out, struct decision_log *decisions, const char **why);

/* Prints the verdict block people read (and tests parse). */
void runs_report(FILE *f, const struct scenario_outcome *out);

/* explore's default portfolio: seed s runs random walk when s % 4 == 0
 * and PCT of depth s % 4 (with step estimate k) otherwise. */
struct strategy runs_portfolio_strategy(uint64_t seed, uint64_t k);
/* explore's PCT step estimate from one run's steps. */
uint64_t runs_pct_steps(uint64_t steps_of_one_run);

/* A number for a command-line flag: decimal or 0x hex, whole string. */
bool runs_parse_u64(const char *text, uint64_t *out);

#endif
