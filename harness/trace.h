/*
 * trace.h - a run's decisions as a file, to replay it exactly.
 *
 * Versioned text, one decision a line, so that a trace can be read, diffed
 * and edited by hand:
 *
 *	ac97sim-trace 5
 *	build 5a9c0e1f22b4
 *	scenario 0123456789abcdef release-vs-revoke.ini
 *	driver mydriver 5be1e2a0c9d3f417 ../build/mydriver.so
 *	checkers-off stall
 *	profile qemu
 *	strategy pct depth=3 steps=200
 *	seed 42
 *	cpus 3
 *	d 0 schedule 3 1 257 68ae9202922d3c31
 *	d 1 timer-cpu 2 0 0 1f8e4d0aa47ffd43
 *	...
 *	result fail bugcheck 326 604048853ce460c7
 *	end
 *
 * Header lines come first, in that order. `driver` gives the driver's name,
 * its binary's hash and where it was loaded from (a path relative to the
 * trace's folder when it could be made one), or, for a built-in, its name,
 * 16 zeros and "builtin"; `checkers-off` the checkers switched off
 * (comma-separated, "-" for none); `profile` the device profile the run
 * had, written only when it is not ich (a trace without the line ran on
 * ich, as every trace from before profiles did). The scenario hash is
 * that of the scenario as run: the file with that driver, those checkers
 * and that profile. `d` lines
 * give step (from 0, consecutive), site name, option count, choice (an
 * index into the options), what was chosen (decision.chosen: a scheduling
 * choice's option id, e.g. 257 = take the interrupt on CPU 1; else the
 * choice again) and the event-log hash just before the decision (16 hex
 * digits); `result` gives the verdict, the
 * checker ("-" for none), the scheduling steps and the final event-log
 * hash; `end` closes the file. '#' starts a comment line; blank lines are
 * ignored. A malformed file is reported as "FILE:LINE: reason".
 */
#ifndef AC97SIM_TRACE_H
#define AC97SIM_TRACE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "decide.h"

/* 2: the driver and checkers-off lines (a run's driver may be a plug-in
 * and its checkers chosen on the command line). 3: runs decide times too
 * (sites param, phase, delay, irq-latency, swarm; "random steps=K"): a
 * format-2 trace would not replay. 4: what each decision chose (so an
 * edited or shrunk trace can be followed by it). 5: the event-log hash
 * each decision records goes a word at a time (evlog.h), so every
 * recorded hash after a run's first event changed and a format-4 trace
 * would diverge at once. */
#define TRACE_FORMAT_VERSION 5u
#define TRACE_DRIVER_BUILTIN "builtin"

struct trace_header {
	uint32_t format;
	char build_id[64];
	char scenario_name[512];	/* the scenario file as given */
	uint64_t scenario_hash;
	char driver_name[64];
	uint64_t driver_binary_hash;	/* 0 for a built-in */
	char driver_path[512];		/* TRACE_DRIVER_BUILTIN for a built-in */
	char checkers_off[256];		/* "" for none */
	char profile[32];		/* "" for ich */
	struct strategy strategy;
	uint64_t seed;
	uint32_t cpus;
	/* The recorded run's outcome, which a replay must reproduce. */
	char verdict[16];
	char checker[32];
	uint64_t steps;
	uint64_t evlog_hash;
};

/* Writes header, decisions and result. Returns 0, or -1 with errno set. */
int trace_write(FILE *out, const struct trace_header *h, const struct decision_log *log);
int trace_write_file(const char *path, const struct trace_header *h,
		     const struct decision_log *log, char *err, size_t err_len);

/* Reads a trace into *h and *log (log must be empty; free it with
 * decision_log_free). Returns 0, or -1 with err set to "FILE:LINE: reason"
 * (or "FILE: reason" for an unreadable file). */
int trace_read(FILE *in, const char *name, struct trace_header *h, struct decision_log *log,
	       char *err, size_t err_len);
int trace_read_file(const char *path, struct trace_header *h, struct decision_log *log,
		    char *err, size_t err_len);

#endif
