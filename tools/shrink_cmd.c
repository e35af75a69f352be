/*
 * shrink_cmd.c - `ac97sim shrink` (shrink_cmd.h): loads a trace and its
 * scenario as replay does, shrinks the run, checks that the shrunk trace
 * replays exactly to the same checker, writes it, and says what departs
 * from the default in it, one line a decision.
 */
#include "shrink_cmd.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "exit_status.h"
#include "runs.h"
#include "shrink.h"
#include "trace.h"

#define ATTEMPTS_DEFAULT 5000u

static const struct cli_option shrink_options[] = {
	{ "out", 'o', CLI_VALUE, "FILE",
	  "where the shrunk trace goes (default: TRACE with\n"
	  "-shrunk before its .trace)" },
	{ "attempts", 0, CLI_VALUE, "N", "candidate runs to try at most (default 5000)" },
	{ "scenario", 0, CLI_VALUE, "FILE", "the scenario, as for replay" },
	{ "driver", 0, CLI_VALUE, "PATH", "the plug-in, as for replay" },
};

static const struct cli_spec shrink_spec = {
	.command = "shrink",
	.synopsis = "TRACE [-o FILE] [--attempts N]",
	.description =
		"Finds a smaller failing run near the trace's: one that fails with the same\n"
		"checker and makes fewer decisions that depart from the default (a CPU run\n"
		"out of turn, a delay, an interrupt taken late, a fault switched on, a range\n"
		"drawn above its low end), by delta debugging over those decisions. Every\n"
		"candidate is a real run; the shrunk trace replays exactly. Prints the counts\n"
		"before and after, and each departure left.\n",
	.options = shrink_options,
	.n_options = sizeof(shrink_options) / sizeof(shrink_options[0]),
	.operands_min = 1,
	.operands_max = 1,
	.epilogue = "Exit: 0 the shrunk trace written; 2 bad usage or input, a trace that does\n"
		    "not fail when replayed, or an output that cannot be written.\n",
};

void help_shrink(FILE *f)
{
	cli_help(&shrink_spec, f);
}

/* TRACE's name with "-shrunk" before ".trace" (or after it all). */
static void default_out(const char *trace, char *out, size_t len)
{
	size_t n = strlen(trace);
	if (n > 6 && strcmp(trace + n - 6, ".trace") == 0)
		snprintf(out, len, "%.*s-shrunk.trace", (int)(n - 6), trace);
	else
		snprintf(out, len, "%s-shrunk.trace", trace);
}

/* One departure, in words. */
static void print_departure(const struct decision *d)
{
	printf("  d %" PRIu64 " %s: ", d->step, decide_site_name(d->site));
	if (d->site == SITE_SCHEDULE) {
		if (d->chosen >= DECIDE_OPTION_INTERRUPT)
			printf("the interrupt taken on cpu%" PRIu32 " out of turn\n",
			       d->chosen - DECIDE_OPTION_INTERRUPT);
		else
			printf("cpu%" PRIu32 " runs out of turn\n", d->chosen);
	} else {
		printf("option %" PRIu32 " of %" PRIu32 " (the default is 0)\n", d->choice,
		       d->n_options);
	}
}

int cmd_shrink(int argc, char **argv)
{
	struct cli_args a;
	int st = cli_parse(&shrink_spec, argc, argv, &a);
	if (st != CLI_CONTINUE)
		return st;
	const struct cli_spec *spec = &shrink_spec;
	const char *trace_path = a.operands[0];
	uint64_t attempts = ATTEMPTS_DEFAULT;
	if (!cli_u64(spec, &a, "attempts", 1, 10000000, &attempts))
		return EXIT_USAGE;
	char out_path[4096];
	if (cli_value(spec, &a, "out") != NULL)
		snprintf(out_path, sizeof(out_path), "%s", cli_value(spec, &a, "out"));
	else
		default_out(trace_path, out_path, sizeof(out_path));
	struct trace_header h;
	struct decision_log rec = { 0 };
	struct scenario_file sf;
	if (runs_load_trace(trace_path, cli_value(spec, &a, "scenario"), cli_value(spec, &a, "driver"),
			    &h, &rec, &sf) != 0)
		return EXIT_USAGE;
	if (strcmp(h.verdict, "fail") != 0) {
		fprintf(stderr, "ac97sim: %s: the recorded run did not fail (%s): nothing to shrink\n",
			trace_path, h.verdict);
		decision_log_free(&rec);
		scenario_file_free(&sf);
		return EXIT_USAGE;
	}
	struct decision_log shrunk = { 0 };
	struct scenario_outcome out;
	struct shrink_stats stats;
	const char *why = NULL;
	st = EXIT_PASS;
	if (shrink_run(&sf.sc, &h.strategy, h.seed, &rec, h.checker, (uint32_t)attempts, &shrunk,
		       &out, &stats, &why) != 0) {
		fprintf(stderr, "ac97sim: %s: %s\n", trace_path, why ? why : "cannot shrink");
		st = EXIT_USAGE;
		goto done;
	}
	printf("shrink %s: %s, %" PRIu32 " candidate runs\n", trace_path, h.checker, stats.attempts);
	printf("  before: %" PRIu32 " decisions depart from the default, %" PRIu64 " steps\n",
	       stats.departs_before, stats.steps_before);
	printf("  after:  %" PRIu32 " (%" PRIu32 " scheduling), %" PRIu64 " steps\n",
	       stats.departs_after, stats.schedule_departs_after, stats.steps_after);
	for (size_t i = 0; i < shrunk.count; i++)
		if (shrunk.items[i].departs)
			print_departure(&shrunk.items[i]);
	/* What is written must replay: check it before anyone relies on it. */
	struct scenario_outcome again;
	if (runs_one(&sf, &stats.strategy, stats.seed, &shrunk, NULL, NULL, &again, NULL, &why) != 0 ||
	    again.result.verdict != RUN_FAIL || strcmp(again.result.checker, h.checker) != 0 ||
	    again.result.evlog_hash != out.result.evlog_hash) {
		fprintf(stderr, "ac97sim: %s: the shrunk run does not replay to the same failure\n",
			trace_path);
		st = EXIT_USAGE;
		goto done;
	}
	struct trace_header sh;
	runs_trace_header(&sf, &stats.strategy, stats.seed, &out.result, out_path, &sh);
	if (runs_write_trace(out_path, &sh, &shrunk) != 0) {
		st = EXIT_USAGE;
		goto done;
	}
	runs_report(stdout, &out);
	printf("shrunk trace: %s (replay it: %s replay %s)\n", out_path, runs_program, out_path);
done:
	decision_log_free(&shrunk);
	decision_log_free(&rec);
	scenario_file_free(&sf);
	return st;
}
