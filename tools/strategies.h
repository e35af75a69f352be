/*
 * strategies.h - the strategies a user names (`run --strategy`, `explore
 * --strategy`) and what a seed runs under each: explore's default
 * portfolio, the scenario's calibration that sizes them, and the classes
 * explore counts apart.
 *
 * A seed names a schedule: strategy_for_seed is a function of the choice,
 * the depth, the seed and the scenario's calibration, nothing else, so
 * `run --seed N --strategy S` runs exactly what explore ran as seed N.
 */
#ifndef AC97SIM_STRATEGIES_H
#define AC97SIM_STRATEGIES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decide.h"

struct scenario_file;

enum strategy_choice {
	CHOICE_PORTFOLIO,	/* the default: see strategies.c for what and why */
	CHOICE_RANDOM,
	CHOICE_PCT,
	CHOICE_POS,
	CHOICE_DELAY_BOUNDED,
};
#define STRATEGY_CHOICE_NAMES "portfolio, random, pct, pos or delay-bounded"

const char *strategy_choice_name(enum strategy_choice c);
/* false when name is none of STRATEGY_CHOICE_NAMES. */
bool strategy_choice_parse(const char *name, enum strategy_choice *c);

/*
 * What sizes a scenario's strategies, measured once per scenario from runs
 * whose seeds are fixed (so it is a function of the scenario and build):
 * steps, PCT's k (the scheduling steps of random walk's seed 0, with room),
 * over which PCT's change points and every strategy's time delays fall;
 * choice_points, the delay-bounded enumeration's K (the choice points of
 * its schedule without delays, with room).
 */
struct calibration {
	uint64_t steps;
	uint64_t choice_points;
};
/* 0, or -1 with *why when the scenario cannot be set up. */
int calibrate(const struct scenario_file *sf, struct calibration *cal, const char **why);
/* What a calibration is when its runs cannot be measured because the
 * driver takes the process down (explore runs them in a child): still a
 * function of the scenario and build alone. */
extern const struct calibration calibration_fallback;

/* The strategy seed runs under choice (depth: PCT's, for CHOICE_PCT). */
struct strategy strategy_for_seed(enum strategy_choice c, uint32_t depth, uint64_t seed,
				  const struct calibration *cal);

/* The strategies a choice runs, counted apart by explore: the portfolio's
 * members, or the one strategy. */
#define STRATEGY_CLASSES_MAX 8u
unsigned strategy_class_count(enum strategy_choice c);
unsigned strategy_class_of(enum strategy_choice c, uint64_t seed);
/* The strategy of class cls (of a choice's strategy_class_count). */
struct strategy strategy_of_class(enum strategy_choice c, uint32_t depth, unsigned cls,
				  const struct calibration *cal);
/* "random", "pct depth=2", "pos", "delay-bounded". */
void strategy_class_name(enum strategy_choice c, uint32_t depth, unsigned cls, char *buf,
			 size_t len);

/* The options of `run` that give a run strategy st, e.g. " --strategy pct
 * --depth 2" (with its leading space). */
void strategy_run_options(const struct strategy *st, char *buf, size_t len);

#endif
