/*
 * dethash - prints the outcome and event-log hash of every toy scenario
 * under a fixed set of seeds and strategies, one line each. `make
 * determinism` builds it with gcc and clang at -O0 and -O2 and requires the
 * four outputs to be identical: nothing logged may depend on the compiler,
 * the optimisation level, host addresses or iteration order.
 */
#include <inttypes.h>
#include <stdio.h>

#include "toy.h"

int main(void)
{
	static const struct strategy strategies[] = {
		{ .kind = STRATEGY_RANDOM },
		{ .kind = STRATEGY_PCT, .pct_depth = 2, .pct_steps = 100 },
		{ .kind = STRATEGY_PCT, .pct_depth = 3, .pct_steps = 300 },
		{ .kind = STRATEGY_POS, .pct_steps = 300 },
		{ .kind = STRATEGY_DELAY_BOUNDED, .choice_points = 40 },
	};
	for (size_t i = 0; i < toy_scenario_count; i++) {
		for (size_t k = 0; k < sizeof(strategies) / sizeof(strategies[0]); k++) {
			for (uint64_t seed = 1; seed <= 8; seed++) {
				struct machine_config cfg;
				machine_config_default(&cfg);
				cfg.seed = seed;
				cfg.strategy = strategies[k];
				struct run_result r;
				if (toy_run(&toy_scenarios[i], &cfg, &r, NULL) != 0)
					return 2;
				char strategy[64];
				strategy_format(&cfg.strategy, strategy, sizeof(strategy));
				printf("%s %s seed=%" PRIu64 " %s %s steps=%" PRIu64 " ticks=%" PRIu64
				       " events=%" PRIu64 " hash=%016" PRIx64 "\n",
				       toy_scenarios[i].name, strategy, seed, run_verdict_name(r.verdict),
				       r.checker[0] ? r.checker : "-", r.steps, r.end_tick, r.events,
				       r.evlog_hash);
			}
		}
	}
	return 0;
}
