/*
 * explore_profiles.h - `explore --profiles P,Q,...`: the same search (the
 * same scenario, seeds and strategy choice) once per device profile, and a
 * summary of them all that says which profile each failure needs.
 *
 * Each profile's search is an ordinary explore (its own summary, its own
 * trace, named SCENARIO-PROFILE-seedN.trace); then each profile's lowest
 * failing seed is run once on every other profile, and the summary says on
 * which it fails and on which it passes. A failure that passes on the
 * first profile (ich by default) needs the profile it fails on: the
 * difference is the implementation's, not the driver's alone.
 */
#ifndef AC97SIM_EXPLORE_PROFILES_H
#define AC97SIM_EXPLORE_PROFILES_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "machine.h"
#include "profile.h"
#include "profile_option.h"

/* What one profile's search found. */
struct profile_search {
	const struct ac97_profile *profile;
	bool ran;		/* the search ran (it set up and was not interrupted before) */
	int status;		/* its exit status */
	uint64_t runs, passed, failed, limited;
	uint64_t first_failure;	/* UINT64_MAX: none */
	char first_checker[32];
	/* The first failure run on each profile of the list (by index):
	 * its verdict, or -1 when not run. */
	int verdict_on[PROFILE_LIST_MAX];
	char checker_on[PROFILE_LIST_MAX][32];
};

/* The summary of n searches, the first the reference. */
void explore_profiles_summary(FILE *f, const char *scenario, uint64_t first_seed,
			      uint64_t runs, const struct profile_search *ps, size_t n);

/* The exit status of them all: 2 when one could not run, 130 when
 * interrupted, else 1 when one failed, 3 when one was cut by a limit, 0. */
int explore_profiles_status(const struct profile_search *ps, size_t n);

#endif
