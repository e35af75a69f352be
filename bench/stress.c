/*
 * stress.c - stress versus controlled search (stress.h), the issue's
 * measurement: is a controlled search faster to a driver's bug than the
 * free-running stress drivers are usually tested with?
 *
 * Each cell is the median over STRESS_TRIES tries of the host time to
 * the first failing run: stress runs iteration after iteration on the
 * native backend at NATIVE_TIME_SCALE_DEFAULT, from seed 1 + 1000 k (the
 * scenario's draws), for at most STRESS_CAP_MS of host time a try;
 * controlled runs explore's portfolio seed after seed from the same
 * seeds, for at most CONTROLLED_BUDGET schedules a try. A try that finds
 * nothing counts as the cap (a censored time): a median at the cap is
 * "not found". One process; times are this machine's.
 */
#include "stress.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "drivers.h"
#include "native_stress.h"
#include "runs.h"
#include "scenario_file.h"
#include "strategies.h"
#include "variant_scenario.h"

#define STRESS_TRIES 5u
#define STRESS_CAP_MS 10000u
#define CONTROLLED_BUDGET 2000u

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int compare_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

/* Host ns to the first failure under stress from seed, or UINT64_MAX. */
static uint64_t stress_try(const struct scenario_file *sf, uint64_t seed, char *checker,
			   size_t checker_len)
{
	struct native_stress_config cfg;
	native_stress_config_default(&cfg);
	cfg.iterations_max = 0;
	cfg.time_ms_max = STRESS_CAP_MS;
	cfg.seed = seed;
	struct native_stress_result r;
	const char *why = NULL;
	if (native_stress_run(&sf->sc, &cfg, &r, &why) != 0) {
		fprintf(stderr, "ac97bench: %s: %s\n", sf->path, why ? why : "setup failed");
		exit(2);
	}
	if (!r.failed)
		return UINT64_MAX;
	snprintf(checker, checker_len, "%s", r.outcome.result.checker);
	return r.elapsed_ns;
}

/* Host ns to the first failing schedule of explore's portfolio. */
static uint64_t controlled_try(const struct scenario_file *sf, const struct calibration *cal,
			       uint64_t first, char *checker, size_t checker_len)
{
	uint64_t t0 = now_ns();
	for (uint64_t i = 0; i < CONTROLLED_BUDGET; i++) {
		struct strategy st = strategy_for_seed(CHOICE_PORTFOLIO, 0, first + i, cal);
		struct scenario_outcome out;
		const char *why = NULL;
		if (runs_verdict(sf, &st, first + i, &out, &why) != 0) {
			fprintf(stderr, "ac97bench: %s: %s\n", sf->path, why ? why : "setup failed");
			exit(2);
		}
		if (out.result.verdict == RUN_FAIL) {
			snprintf(checker, checker_len, "%s", out.result.checker);
			return now_ns() - t0;
		}
	}
	return UINT64_MAX;
}

static uint64_t median(uint64_t *v)
{
	qsort(v, STRESS_TRIES, sizeof(v[0]), compare_u64);
	return v[STRESS_TRIES / 2];
}

static void format_ms(uint64_t ns, const char *missed, char *out, size_t len)
{
	if (ns == UINT64_MAX)
		snprintf(out, len, "%s", missed);
	else
		snprintf(out, len, "%.1f ms", (double)ns / 1e6);
}

bool stress_table(void)
{
	printf("stress: host time to the first failure, median of %u tries: native stress at %ux "
	       "(cap %u ms a try)\n        against explore's portfolio (cap %u schedules a try); "
	       "ratio = stress / controlled\n",
	       STRESS_TRIES, NATIVE_TIME_SCALE_DEFAULT, STRESS_CAP_MS, CONTROLLED_BUDGET);
	printf("  %-26s %-22s %-22s %-14s %-14s %s\n", "variant", "stress checker",
	       "controlled checker", "stress", "controlled", "ratio");
	bool all_found = true;
	for (unsigned v = 1; builtin_drivers[v] != NULL; v++) {
		const char *name = builtin_drivers[v]->name;
		struct scenario_file sf;
		struct calibration cal;
		variant_scenario_load(name, &sf, &cal);
		uint64_t stress[STRESS_TRIES], controlled[STRESS_TRIES];
		char stress_checker[32] = "-", controlled_checker[32] = "-";
		for (unsigned k = 0; k < STRESS_TRIES; k++) {
			uint64_t seed = 1 + 1000ull * k;
			stress[k] = stress_try(&sf, seed, stress_checker, sizeof(stress_checker));
			controlled[k] = controlled_try(&sf, &cal, seed, controlled_checker,
						       sizeof(controlled_checker));
		}
		uint64_t s = median(stress), c = median(controlled);
		char s_text[32], c_text[32], ratio[32];
		format_ms(s, "not found", s_text, sizeof(s_text));
		format_ms(c, "not found", c_text, sizeof(c_text));
		if (s != UINT64_MAX && c != UINT64_MAX && c > 0)
			snprintf(ratio, sizeof(ratio), "%.1f", (double)s / (double)c);
		else if (c != UINT64_MAX)
			snprintf(ratio, sizeof(ratio), "> %.0f", (double)STRESS_CAP_MS * 1e6 / (double)(c ? c : 1));
		else
			snprintf(ratio, sizeof(ratio), "-");
		all_found &= c != UINT64_MAX;
		printf("  %-26s %-22s %-22s %-14s %-14s %s\n", name, stress_checker, controlled_checker,
		       s_text, c_text, ratio);
		fflush(stdout);
		scenario_file_free(&sf);
	}
	return all_found;
}
