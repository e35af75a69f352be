/*
 * fuzz_regs.c - fuzz target `regs`: register scripts (tools/regs_script.c).
 *
 * The input is the text of a script, run as `ac97sim regs` runs one (no
 * WAV): parsed whole, then run when it parses. Its output goes to a null
 * stream. Checked: the status is one of the documented three; a malformed
 * script (2) gets one or more messages, each "ac97sim: fuzz.regs:LINE:
 * reason" with LINE in the script (or "ac97sim: fuzz.regs: reason"); a
 * script that runs (0 or 1) says nothing on the error stream. The device
 * itself asserts that its time stays within the clock's horizon.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "fuzz_lines.h"
#include "regs_script.h"

#define NAME "fuzz.regs"
#define PREFIX "ac97sim: "

static void check_messages(const char *err, uint64_t lines)
{
	if (err[0] == '\0')
		fuzz_fail("regs", "status 2 with no message");
	for (const char *line = err; *line != '\0';) {
		const char *nl = strchr(line, '\n');
		if (nl == NULL)
			fuzz_fail("regs", "message not ended by a newline: '%s'", line);
		char one[1024];
		size_t n = (size_t)(nl - line) < sizeof(one) - 1 ? (size_t)(nl - line) : sizeof(one) - 1;
		memcpy(one, line, n);
		one[n] = '\0';
		if (strncmp(one, PREFIX, strlen(PREFIX)) != 0 ||
		    !fuzz_message_ok(one + strlen(PREFIX), NAME, lines))
			fuzz_fail("regs", "message not 'ac97sim: " NAME ":LINE: reason': '%s'", one);
		line = nl + 1;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *err = NULL;
	size_t err_len = 0;
	FILE *err_stream = open_memstream(&err, &err_len);
	if (err_stream == NULL)
		fuzz_fail("regs", "open_memstream failed");
	int status = regs_script_run_string(NAME, (const char *)data, size, NULL,
					    fuzz_null_stream(), err_stream);
	fclose(err_stream);
	switch (status) {
	case REGS_SCRIPT_PASS:
	case REGS_SCRIPT_CHECK_FAILED:
		if (err_len != 0)
			fuzz_fail("regs", "status %d with messages: %s", status, err);
		break;
	case REGS_SCRIPT_BAD_INPUT:
		check_messages(err, fuzz_line_count(data, size));
		break;
	default:
		fuzz_fail("regs", "status %d is not 0, 1 or 2", status);
	}
	free(err);
	return 0;
}
