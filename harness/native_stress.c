/*
 * native_stress.c - the stress loop on the native backend (native_stress.h).
 */
#include "native_stress.h"

#include <string.h>

#include "native_clock.h"

void native_stress_config_default(struct native_stress_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->native.time_scale = NATIVE_TIME_SCALE_DEFAULT;
	cfg->iterations_max = 100;
	cfg->seed = 1;
	cfg->strategy.kind = STRATEGY_RANDOM;
}

/* Copies the failing iteration's log out of its scratch file. */
static void keep_log(FILE *scratch, FILE *to)
{
	char buf[65536];
	size_t got;
	fflush(scratch);
	rewind(scratch);
	while ((got = fread(buf, 1, sizeof(buf), scratch)) > 0)
		fwrite(buf, 1, got, to);
	fflush(to);
}

int native_stress_run(const struct scenario *sc, const struct native_stress_config *cfg,
		      struct native_stress_result *out, const char **why)
{
	memset(out, 0, sizeof(*out));
	const uint64_t start_ns = native_host_ns();
	for (uint64_t i = 0;; i++) {
		if (cfg->iterations_max != 0 && i >= cfg->iterations_max)
			break;
		if (cfg->time_ms_max != 0 && native_host_ns() - start_ns >= cfg->time_ms_max * 1000000u)
			break;
		if (cfg->iterations_max == 0 && cfg->time_ms_max == 0 && i > 0)
			break;	/* no bound given: one iteration */
		/* Each iteration's log is written to scratch and kept only if
		 * it fails: the host's schedule is gone once the run is over. */
		FILE *scratch = cfg->failing_log != NULL ? tmpfile() : NULL;
		struct scenario_run_options opt = {
			.log_text = scratch, .native = &cfg->native, .verdict_only = true,
		};
		uint64_t seed = cfg->seed + i;
		int st = scenario_run_with(sc, &cfg->strategy, seed, &opt, &out->outcome, why);
		out->elapsed_ns = native_host_ns() - start_ns;
		if (st != 0) {
			if (scratch != NULL)
				fclose(scratch);
			return -1;
		}
		out->iterations++;
		enum run_verdict v = out->outcome.result.verdict;
		if (v == RUN_PASS)
			out->passed++;
		else if (v == RUN_LIMIT)
			out->limited++;
		if (v == RUN_FAIL) {
			out->failed = true;
			out->failing_seed = seed;
			if (scratch != NULL)
				keep_log(scratch, cfg->failing_log);
		}
		if (scratch != NULL)
			fclose(scratch);
		if (out->failed)
			break;
	}
	return 0;
}
