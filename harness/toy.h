/*
 * toy.h - small scenarios, written as C driver code against kernel.h, that
 * exercise the machine itself: lock contention, DPCs, timers, events, the
 * device's interrupt, a purpose-built depth-2 bug, and one broken example
 * for each check the machine owns. The tests, `make bench` and the
 * cross-build determinism check run them; the WavePci scenarios proper are
 * built on the port and miniport, not here.
 */
#ifndef AC97SIM_TOY_H
#define AC97SIM_TOY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decide.h"
#include "machine.h"

struct toy_scenario {
	const char *name;
	const char *what;	/* one line for people */
	uint32_t n_cpus;
	/* The check expected to fire, or NULL for a scenario that must pass
	 * under every schedule. Some broken scenarios fail only under some
	 * schedules ("maybe" in what). */
	const char *expect_checker;
	void (*setup)(struct machine *m, void *state);
	size_t state_bytes;
	/* After a passing run: are the scenario's own invariants intact? */
	bool (*check)(const void *state, char *why, size_t why_len);
};

extern const struct toy_scenario toy_scenarios[];
extern const size_t toy_scenario_count;

const struct toy_scenario *toy_find(const char *name);

/* A scenario's identity for traces: a hash of its name and parameters. */
uint64_t toy_scenario_hash(const struct toy_scenario *s);

/* Runs s once under cfg (n_cpus is taken from s). decisions, if non-NULL
 * and empty, receives the run's decisions. Returns -1 when the machine
 * cannot be built, else 0 with *result filled; a passing run whose own
 * check fails is turned into RUN_FAIL with checker "scenario". */
int toy_run(const struct toy_scenario *s, const struct machine_config *cfg,
	    struct run_result *result, struct decision_log *decisions);

#endif
