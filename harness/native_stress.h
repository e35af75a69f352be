/*
 * native_stress.h - a scenario as a stress test on the native backend:
 * iteration after iteration on host threads, each a fresh machine, until
 * the first failure, an iteration count or a span of host time.
 *
 * What a native failure records (it cannot be replayed: the schedule was
 * the host's): the scenario, its driver, the seed of the failing
 * iteration (which fixes the scenario's draws: IRP size, page offset, DMA
 * latency, phase, swarm faults and the actions' moments, run_draws.h, but
 * not the interleaving), the time scale, the host time the stress took to
 * fail, and the failing iteration's event log.
 */
#ifndef AC97SIM_NATIVE_STRESS_H
#define AC97SIM_NATIVE_STRESS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "decide.h"
#include "native.h"
#include "scenario.h"

struct native_stress_config {
	struct native_config native;
	uint64_t iterations_max;	/* 0: no bound (then time_ms_max is) */
	uint64_t time_ms_max;		/* host time; 0: no bound */
	uint64_t seed;			/* iteration i draws with seed + i */
	struct strategy strategy;	/* names the draws' stream (random by default) */
	/* Receives the failing iteration's event log, one event a line
	 * (NULL: none is kept, and no iteration writes one). */
	FILE *failing_log;
};

struct native_stress_result {
	uint64_t iterations;		/* started and ended */
	uint64_t passed, limited;	/* of them: passed, cut by a limit */
	uint64_t elapsed_ns;		/* host time, until the failure or the end */
	bool failed;
	uint64_t failing_seed;
	struct scenario_outcome outcome;	/* the failing iteration's, else the last one's */
};

void native_stress_config_default(struct native_stress_config *cfg);

/* Runs sc as a stress test (see above). Returns 0, or -1 when the
 * scenario cannot be set up (*why says why). */
int native_stress_run(const struct scenario *sc, const struct native_stress_config *cfg,
		      struct native_stress_result *out, const char **why);

#endif
