/*
 * fuzz_trace.c - fuzz target `trace`: the trace reader (harness/trace.c)
 * and replay.
 *
 * The input is the text of a trace, read through trace_read from a memory
 * stream. A refused text must come with "fuzz.trace:LINE: reason" (LINE
 * in the text). An
 * accepted one must survive a round trip (trace_write takes what
 * trace_read gave, and reading that back gives the same header and
 * decisions), and is then replayed against one small fixed scenario (the
 * default render stream cut to two IRPs, at most RUN_STEPS_MAX steps and
 * RUN_TICKS_MAX of simulated time, on the trace's CPU count): recorded
 * decisions that do not fit the run must end it as diverged, never crash
 * it.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "fuzz_lines.h"
#include "scenario.h"
#include "trace.h"

#define RUN_STEPS_MAX 2000u
#define RUN_TICKS_MAX (SIM_TICKS_PER_SECOND / 50u)	/* 20 ms */
#define ERR_MAX 512u

static FILE *memory_stream(const uint8_t *data, size_t size)
{
	/* fmemopen wants a non-empty buffer on older C libraries. */
	static const uint8_t empty[1];
	FILE *in = fmemopen((void *)(size != 0 ? data : empty), size != 0 ? size : 1, "rb");
	if (in == NULL)
		fuzz_fail("trace", "fmemopen failed");
	if (size == 0)
		fgetc(in);	/* now at the end: an empty input */
	return in;
}

static bool same_decisions(const struct decision_log *a, const struct decision_log *b)
{
	if (a->count != b->count)
		return false;
	for (size_t i = 0; i < a->count; i++) {
		const struct decision *x = &a->items[i], *y = &b->items[i];
		if (x->step != y->step || x->site != y->site || x->n_options != y->n_options ||
		    x->choice != y->choice || x->evlog_hash != y->evlog_hash)
			return false;
	}
	return true;
}

static bool same_header(const struct trace_header *a, const struct trace_header *b)
{
	return a->format == b->format && strcmp(a->build_id, b->build_id) == 0 &&
	       strcmp(a->scenario_name, b->scenario_name) == 0 &&
	       a->scenario_hash == b->scenario_hash && a->strategy.kind == b->strategy.kind &&
	       a->strategy.pct_depth == b->strategy.pct_depth &&
	       a->strategy.pct_steps == b->strategy.pct_steps && a->seed == b->seed &&
	       a->cpus == b->cpus && strcmp(a->verdict, b->verdict) == 0 &&
	       strcmp(a->checker, b->checker) == 0 && a->steps == b->steps &&
	       a->evlog_hash == b->evlog_hash;
}

static void round_trip(const struct trace_header *h, const struct decision_log *log)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	if (out == NULL)
		fuzz_fail("trace", "open_memstream failed");
	if (trace_write(out, h, log) != 0)
		fuzz_fail("trace", "trace_write refuses a trace trace_read accepted");
	fclose(out);
	FILE *in = memory_stream((const uint8_t *)text, len);
	struct trace_header h2;
	struct decision_log log2 = { 0 };
	char err[ERR_MAX];
	if (trace_read(in, "round-trip", &h2, &log2, err, sizeof(err)) != 0)
		fuzz_fail("trace", "trace_read refuses what trace_write wrote: %s", err);
	fclose(in);
	if (!same_header(h, &h2) || !same_decisions(log, &log2))
		fuzz_fail("trace", "a written trace reads back different");
	decision_log_free(&log2);
	free(text);
}

static void replay(const struct trace_header *h, const struct decision_log *log)
{
	struct scenario sc;
	scenario_default(&sc);
	sc.cpus = h->cpus;
	sc.stream.total_bytes = 2u * sc.stream.irp_bytes;
	sc.max_steps = RUN_STEPS_MAX;
	sc.max_ticks = RUN_TICKS_MAX;
	struct scenario_outcome out;
	const char *why = NULL;
	if (scenario_run(&sc, &h->strategy, h->seed, log, NULL, NULL, &out, NULL, &why) != 0)
		fuzz_fail("trace", "the fixed scenario cannot be set up: %s", why ? why : "?");
	if (out.result.steps > RUN_STEPS_MAX + 1u)
		fuzz_fail("trace", "replay ran %llu steps past its limit",
			  (unsigned long long)out.result.steps);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char name[] = "fuzz.trace";
	FILE *in = memory_stream(data, size);
	struct trace_header h;
	struct decision_log log = { 0 };
	char err[ERR_MAX];
	int rc = trace_read(in, name, &h, &log, err, sizeof(err));
	fclose(in);
	if (rc != 0) {
		if (!fuzz_message_ok(err, name, fuzz_line_count(data, size)))
			fuzz_fail("trace", "refused without FILE:LINE: reason: '%s'", err);
		if (log.count != 0 || log.items != NULL)
			fuzz_fail("trace", "a refused trace left %zu decisions", log.count);
		return 0;
	}
	round_trip(&h, &log);
	replay(&h, &log);
	decision_log_free(&log);
	return 0;
}
