/*
 * fuzz_scenario.c - fuzz target `scenario`: scenario files
 * (tools/scenario_file.c), read from memory through the file reader's own
 * path (scenario_file_load_text), with files the text names refused rather
 * than opened.
 *
 * A refused text must come with a message "fuzz.ini:LINE: reason", LINE
 * in the text, or "fuzz.ini: reason". An accepted one is run once (seed 1, random
 * schedule) with its step and time limits cut to RUN_STEPS_MAX and
 * RUN_TICKS_MAX, so that what the reader lets through is something the
 * machine, the port and the driver can set up and run: a scenario the
 * runner cannot set up must be refused with a reason, not crash.
 */
#include <string.h>

#include "fuzz.h"
#include "fuzz_lines.h"
#include "scenario_file.h"

#define RUN_STEPS_MAX 5000u
#define RUN_TICKS_MAX (SIM_TICKS_PER_SECOND / 10u)	/* 100 ms */

static void run_briefly(struct scenario *sc)
{
	if (sc->max_steps > RUN_STEPS_MAX)
		sc->max_steps = RUN_STEPS_MAX;
	if (sc->max_ticks > RUN_TICKS_MAX)
		sc->max_ticks = RUN_TICKS_MAX;
	struct strategy st = { .kind = STRATEGY_RANDOM };
	struct scenario_outcome out;
	const char *why = NULL;
	if (scenario_run(sc, &st, 1, NULL, NULL, NULL, &out, NULL, &why) != 0) {
		if (why == NULL || why[0] == '\0')
			fuzz_fail("scenario", "a loaded scenario cannot be set up, and no reason given");
		return;
	}
	if (out.result.verdict != RUN_PASS && out.result.verdict != RUN_FAIL &&
	    out.result.verdict != RUN_LIMIT)
		fuzz_fail("scenario", "verdict %d of a run that replays nothing", out.result.verdict);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char name[] = "fuzz.ini";
	struct scenario_file sf;
	char err[1024];
	if (scenario_file_load_text(name, (const char *)data, size, SCENARIO_FILE_NO_FILES, &sf, err,
				    sizeof(err)) != 0) {
		if (!fuzz_message_ok(err, name, fuzz_line_count(data, size)))
			fuzz_fail("scenario", "refused without FILE:LINE: reason: '%s'", err);
		return 0;
	}
	run_briefly(&sf.sc);
	scenario_file_free(&sf);
	return 0;
}
