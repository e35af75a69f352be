/*
 * variant_scenario.h - a historical variant's bug scenario
 * (fixtures/scenarios/bugs/NAME.ini), loaded and calibrated, as the bench's
 * tables measure it. A scenario that does not load is the bench's own
 * failure: it exits 2, saying why.
 */
#ifndef AC97SIM_BENCH_VARIANT_SCENARIO_H
#define AC97SIM_BENCH_VARIANT_SCENARIO_H

#include "scenario_file.h"
#include "strategies.h"

void variant_scenario_load(const char *variant, struct scenario_file *sf,
			   struct calibration *cal);

#endif
