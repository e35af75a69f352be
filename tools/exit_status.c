/*
 * exit_status.c - see exit_status.h.
 */
#include "exit_status.h"

const struct exit_status_row exit_status_table[] = {
	{ EXIT_PASS, "pass", "every run passed: every check held to the end" },
	{ EXIT_FAILED, "fail", "a check failed (replay: the recorded failure, reproduced exactly)" },
	{ EXIT_USAGE, "-", "bad usage or input, or an output that cannot be written" },
	{ EXIT_LIMIT, "limit", "a run was cut by its step or time limit before its end; none failed" },
	{ EXIT_DIVERGED, "diverged", "a replay left its recording (another build or scenario)" },
	{ EXIT_INTERRUPTED, "-", "explore was stopped by SIGINT or SIGTERM; what ran is reported" },
};

const unsigned exit_status_rows = sizeof(exit_status_table) / sizeof(exit_status_table[0]);

void exit_status_print(FILE *f)
{
	fprintf(f, "Exit status (every command):\n");
	for (unsigned i = 0; i < exit_status_rows; i++)
		fprintf(f, "  %d  %-9s %s\n", (int)exit_status_table[i].status,
			exit_status_table[i].verdict, exit_status_table[i].meaning);
}
