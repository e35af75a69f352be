/*
 * native_cmd.c - run/explore --backend native (native_cmd.h).
 */
#include "native_cmd.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "exit_status.h"
#include "native_stress.h"
#include "plugin.h"
#include "runs.h"

bool native_cmd_wanted(const struct cli_spec *spec, const struct cli_args *a, int *status)
{
	*status = 0;
	const char *b = cli_value(spec, a, "backend");
	if (b == NULL || strcmp(b, "deterministic") == 0)
		return false;
	if (strcmp(b, "native") == 0)
		return true;
	*status = cli_usage_error(spec, "--backend is deterministic or native, not '%s'", b);
	return false;
}

static void print_bounds(const struct native_cmd *cmd)
{
	if (cmd->iterations != 0 && cmd->time_ms != 0)
		printf("bound: %" PRIu64 " iterations or %" PRIu64 " ms, whichever comes first\n",
		       cmd->iterations, cmd->time_ms);
	else if (cmd->time_ms != 0)
		printf("bound: %" PRIu64 " ms of host time\n", cmd->time_ms);
	else
		printf("bound: %" PRIu64 " iterations\n", cmd->iterations);
}

/* The failing iteration's log, from scratch to its file: written only
 * when there is a failure, so a passing stress test leaves nothing. */
static int write_log(FILE *scratch, const char *path)
{
	FILE *f = fopen(path, "w");
	if (f == NULL) {
		fprintf(stderr, "ac97sim: %s: cannot write: %s\n", path, strerror(errno));
		return -1;
	}
	char buf[65536];
	size_t got;
	rewind(scratch);
	while ((got = fread(buf, 1, sizeof(buf), scratch)) > 0)
		fwrite(buf, 1, got, f);
	if (fclose(f) != 0) {
		fprintf(stderr, "ac97sim: %s: cannot write\n", path);
		return -1;
	}
	return 0;
}

int native_cmd_stress(const struct native_cmd *cmd, const struct scenario_file *sf)
{
	FILE *log = NULL;
	if (cmd->log_path != NULL) {
		log = tmpfile();
		if (log == NULL) {
			fprintf(stderr, "ac97sim: no scratch file for the event log: %s\n",
				strerror(errno));
			return EXIT_USAGE;
		}
	}
	struct native_stress_config cfg;
	native_stress_config_default(&cfg);
	cfg.native.time_scale = (uint32_t)cmd->scale;
	cfg.iterations_max = cmd->iterations;
	cfg.time_ms_max = cmd->time_ms;
	cfg.seed = cmd->seed;
	cfg.failing_log = log;
	printf("scenario: %s (hash 0x%016" PRIx64 ", driver %s)\n", cmd->scenario_path,
	       scenario_hash(&sf->sc), sf->sc.driver_ref.ops->name);
	printf("backend: native, %u CPUs, time scale %" PRIu64 "x, seeds from %" PRIu64
	       " (each iteration's scenario draws)\n",
	       sf->sc.cpus, cmd->scale, cmd->seed);
	print_bounds(cmd);
	fflush(stdout);
	struct native_stress_result r;
	const char *why = NULL;
	int st = native_stress_run(&sf->sc, &cfg, &r, &why);
	if (st != 0) {
		fprintf(stderr, "ac97sim: %s: %s\n", cmd->scenario_path, why ? why : "cannot set up");
		if (log != NULL)
			fclose(log);
		return EXIT_USAGE;
	}
	printf("iterations: %" PRIu64 " (%" PRIu64 " passed, %" PRIu64 " cut by a limit) in %" PRIu64
	       " ms of host time\n",
	       r.iterations, r.passed, r.limited, r.elapsed_ns / 1000000u);
	if (r.failed) {
		/* What --driver must say to load the same driver again: a
		 * plug-in by its path, a built-in by its name. */
		const char *driver_arg = sf->sc.driver_ref.plugin != NULL
						 ? plugin_path(sf->sc.driver_ref.plugin)
						 : sf->sc.driver_ref.ops->name;
		runs_report(stdout, &r.outcome);
		printf("first failure: iteration %" PRIu64 " (seed %" PRIu64 "), after %" PRIu64
		       " ms of stress\n",
		       r.iterations, r.failing_seed, r.elapsed_ns / 1000000u);
		printf("note: a native failure cannot be replayed exactly: the interleaving was the "
		       "host's.\n"
		       "  Recorded: scenario %s, driver %s, seed %" PRIu64 " (the scenario's draws),\n"
		       "  time scale %" PRIu64 "x, and %s.\n"
		       "  To look for it deterministically: %s explore %s --driver %s\n",
		       cmd->scenario_path, sf->sc.driver_ref.ops->name, r.failing_seed, cmd->scale,
		       cmd->log_path ? "the failing iteration's event log" : "no event log (--log FILE keeps it)",
		       runs_program, cmd->scenario_path, driver_arg);
		if (cmd->log_path != NULL) {
			if (write_log(log, cmd->log_path) != 0) {
				fclose(log);
				return EXIT_USAGE;
			}
			printf("log: %s (the failing iteration's events)\n", cmd->log_path);
		}
	} else {
		printf("verdict: %s (no failure in %" PRIu64 " iterations)\n",
		       r.limited ? "limit" : "pass", r.iterations);
	}
	if (log != NULL)
		fclose(log);
	if (r.failed)
		return EXIT_FAILED;
	return r.limited ? EXIT_LIMIT : EXIT_PASS;
}
