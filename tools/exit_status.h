/*
 * exit_status.h - what the program's exit status means, for every command.
 *
 * The table below is the one statement of it in the code: `ac97sim help`
 * prints it, and a test holds the README's table to it.
 */
#ifndef AC97SIM_EXIT_STATUS_H
#define AC97SIM_EXIT_STATUS_H

#include <stdio.h>

enum exit_status {
	EXIT_PASS = 0,		/* every run passed: every check held to the run's end */
	EXIT_FAILED = 1,	/* a check failed (or a replay reproduced a failure exactly) */
	EXIT_USAGE = 2,		/* bad usage or input, or an output that cannot be written */
	EXIT_LIMIT = 3,		/* a run was cut by its step or time limit; none failed */
	EXIT_DIVERGED = 4,	/* a replay left its recording */
	/* explore stopped by SIGINT or SIGTERM: what ran is reported. 128 +
	 * SIGINT, as a shell reports a command Ctrl-C ended, so that scripts
	 * testing for 130 see it either way (SIGTERM gives 130 too). */
	EXIT_INTERRUPTED = 130,
};

struct exit_status_row {
	enum exit_status status;
	const char *verdict;	/* the verdict word runs print, or "-" */
	const char *meaning;
};

extern const struct exit_status_row exit_status_table[];
extern const unsigned exit_status_rows;

/* The table as people read it (help, docs). */
void exit_status_print(FILE *f);

#endif
