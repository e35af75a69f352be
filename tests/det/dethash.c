/*
 * dethash - prints the outcome and event-log hash of every toy scenario
 * under a fixed set of seeds and strategies, and of a few scenarios of the
 * catalogue on every device profile, one line each. `make determinism`
 * builds it with gcc and clang at -O0 and -O2 and requires the four
 * outputs to be identical: nothing logged may depend on the compiler, the
 * optimisation level, host addresses or iteration order. It runs from the
 * top of the tree (the scenarios are fixtures/scenarios/).
 */
#include <inttypes.h>
#include <stdio.h>

#include "profile.h"
#include "scenario_file.h"
#include "toy.h"

/* The device's quirks are paths of their own: each profile runs a render,
 * a pause and resume, and a mic capture. */
static int profile_runs(void)
{
	static const char *const files[] = {
		"fixtures/scenarios/plain-0.ini",
		"fixtures/scenarios/pause-resume-0.ini",
		"fixtures/scenarios/capture-mc-2.ini",
	};
	for (size_t f = 0; f < sizeof(files) / sizeof(files[0]); f++) {
		struct scenario_file sf;
		char err[1200];
		if (scenario_file_load(files[f], &sf, err, sizeof(err)) != 0) {
			fprintf(stderr, "dethash: %s\n", err);
			return 2;
		}
		for (size_t p = 0; p < ac97_profiles_count; p++) {
			sf.sc.device.profile = ac97_profiles[p];
			for (uint64_t seed = 1; seed <= 3; seed++) {
				struct strategy st = { .kind = STRATEGY_RANDOM };
				struct scenario_outcome out;
				const char *why = NULL;
				if (scenario_run(&sf.sc, &st, seed, NULL, NULL, NULL, &out, NULL, &why) != 0) {
					fprintf(stderr, "dethash: %s: %s\n", files[f], why ? why : "?");
					return 2;
				}
				printf("%s profile=%s seed=%" PRIu64 " %s %s steps=%" PRIu64
				       " hash=%016" PRIx64 "\n",
				       files[f], ac97_profiles[p]->name, seed,
				       run_verdict_name(out.result.verdict),
				       out.result.checker[0] ? out.result.checker : "-", out.result.steps,
				       out.result.evlog_hash);
			}
		}
		scenario_file_free(&sf);
	}
	return 0;
}

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
	return profile_runs();
}
