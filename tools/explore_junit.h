/*
 * explore_junit.h - a search as JUnit XML (`explore --junit FILE`, `merge
 * --junit FILE`), the test report CI systems read (Jenkins, GitLab, ...).
 *
 * One test suite, the scenario; one test case per strategy of the search
 * (the portfolio's distinct members, or the one strategy chosen: the
 * classes of strategies.h). A strategy whose runs found a failure is a
 * <failure> carrying its lowest failing seed, the checker, its message and
 * the commands that replay it; one whose runs did not fail but some were
 * cut by their step or time limit is an <error> (the test could not reach
 * its end: never a pass, never skipped, as the exit status 3 says); one
 * none of whose seeds ran is <skipped>. docs/machine-output.md shows it.
 *
 * Written from the result model alone (explore_result.h), so that merge
 * writes what an unsharded explore would. Nothing in it depends on the
 * host but the "time" attributes (wall-clock seconds, the search's only).
 */
#ifndef AC97SIM_EXPLORE_JUNIT_H
#define AC97SIM_EXPLORE_JUNIT_H

#include <stddef.h>

#include "explore_result.h"

/* Writes r to path through an atomic output (outfile.h). Returns 0, or -1
 * with err ("PATH: reason"); no file is left then. */
int explore_junit_write(const char *path, const struct explore_result *r, char *err,
			size_t err_len);

/* in as text XML 1.0 can hold, in a new string (NULL when out of memory):
 * valid UTF-8 but the control characters XML forbids is kept; those and
 * bytes that are not UTF-8 are written as "\xNN". (A driver's names reach
 * the messages: the report must stay well-formed whatever they hold.) */
char *explore_junit_text(const char *in);

#endif
