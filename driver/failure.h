/*
 * failure.h - how a referee names what went wrong.
 *
 * Every way a run can fail is a row of some table: the port model's
 * (port.h), the machine's (kernel rules and the harness's own, machine.h)
 * and each checker's (harness/checkers/). A row has the name that reports,
 * traces and JSON carry (unique across the tables, never reused with
 * another meaning) and the rule it enforces, in words, which the failure
 * report prints so that a finding explains itself. Code that fails a run
 * passes a pointer to its row, never a free string.
 */
#ifndef AC97SIM_FAILURE_H
#define AC97SIM_FAILURE_H

struct failure_def {
	const char *name;	/* "revoke-count" */
	const char *rule;	/* what must hold, in words */
};

#endif
