/*
 * fuzz_regs.c - fuzz target `regs`: register scripts (tools/regs_script.c).
 *
 * The input is the text of a script, run as `ac97sim regs` runs one (no
 * WAV): parsed whole, then run when it parses. Its output and messages go
 * to a null stream; what is checked is that every input ends with one of
 * the documented statuses, and a script that passes or fails its checks
 * (status 0 or 1) ran with its time within the clock's horizon, which the
 * device checks for itself.
 */
#include "fuzz.h"
#include "regs_script.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FILE *null = fuzz_null_stream();
	int status = regs_script_run_string("fuzz.regs", (const char *)data, size, NULL, null, null);
	if (status != REGS_SCRIPT_PASS && status != REGS_SCRIPT_CHECK_FAILED &&
	    status != REGS_SCRIPT_BAD_INPUT)
		fuzz_fail("regs", "status %d is not 0, 1 or 2", status);
	return 0;
}
