/*
 * shrink.h - the smallest failing run that can be found near a failing
 * one: fewer decisions that depart from the default (a preemption, a
 * delay, an interrupt taken late, a fault switched on, a range drawn away
 * from its low end), by delta debugging (Zeller and Hildebrandt, "Simplifying
 * and isolating failure-inducing input", TSE 2002) over those decisions.
 *
 * A candidate is the current run's decisions with some departures marked
 * to take the default, followed (decide.h: each site's decisions in their
 * order, by what was chosen), and it is kept when the run it gives fails
 * with the same checker and departs less; what that run decided becomes
 * the current run, so every step is a real, exactly replayable run.
 * Where that leaves several, the delay-bounded enumeration over the run's
 * choice points, at one timing, is searched for a failing schedule with
 * fewer delays (up to two). Deterministic: the same run gives the same
 * shrunk run.
 */
#ifndef AC97SIM_SHRINK_H
#define AC97SIM_SHRINK_H

#include <stdint.h>

#include "scenario.h"

struct shrink_stats {
	/* The strategy and seed the shrunk run was made under: its trace's
	 * (a replay sizes some draws by the strategy's k). */
	struct strategy strategy;
	uint64_t seed;
	uint32_t attempts;			/* candidate runs */
	uint32_t departs_before, departs_after;	/* decisions away from the default */
	uint32_t schedule_departs_after;	/* of those, scheduling choices */
	uint64_t steps_before, steps_after;
};

/* The number of decisions of log that depart from the default, and of
 * those, scheduling choices (may be NULL). */
uint32_t shrink_departures(const struct decision_log *log, uint32_t *schedule);

/*
 * Shrinks `failing`, the decisions of a run of sc under st/seed that failed
 * with checker (a trace's: it is replayed exactly first, and must fail so),
 * trying at most max_attempts candidates. Returns 0 with *shrunk (the
 * decisions of the smallest run found, which replays exactly), *outcome
 * its outcome and *stats; or -1 with *why when a candidate cannot be set
 * up. A run whose driver damaged the process (runs_result_damaged's
 * crash or hang) ends the search where it is.
 */
int shrink_run(const struct scenario *sc, const struct strategy *st, uint64_t seed,
	       const struct decision_log *failing, const char *checker, uint32_t max_attempts,
	       struct decision_log *shrunk, struct scenario_outcome *outcome,
	       struct shrink_stats *stats, const char **why);

#endif
