/*
 * variants.c - for each built-in driver variant (every built-in but the
 * reference) and its scenario fixtures/scenarios/bugs/NAME.ini, how many
 * schedules and how many seconds a search needs to its first failure:
 * per member of explore's portfolio, for the portfolio itself (explore's
 * default), and for the delay-bounded enumeration. Sampling strategies
 * start at VARIANT_BASES seeds (1, 1001, 2001, ...) and the median is
 * printed; the enumeration has one order, from seed 0. The calibration is
 * explore's (strategies.h), so a figure here is what explore would take.
 * The portfolio of strategies.c is chosen from this table.
 */
#include "variants.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "drivers.h"
#include "runs.h"
#include "scenario_file.h"
#include "strategies.h"
#include "variant_scenario.h"

#define VARIANT_BUDGET 2000u
#define VARIANT_BASES 5u

static double wall_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int compare_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

static int compare_doubles(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* A column: a choice, and for PCT its depth (portfolio members are run
 * alone under their own choice). */
struct column {
	enum strategy_choice choice;
	uint32_t depth;
	char name[24];
};

static unsigned columns_of(struct column *cols)
{
	unsigned n = 0;
	unsigned members = strategy_class_count(CHOICE_PORTFOLIO);
	struct calibration any = { 1, 1 };
	for (unsigned c = 0; c < members; c++) {
		struct strategy st = strategy_of_class(CHOICE_PORTFOLIO, 0, c, &any);
		cols[n] = (struct column){ .depth = st.pct_depth };
		switch (st.kind) {
		case STRATEGY_PCT: cols[n].choice = CHOICE_PCT; break;
		case STRATEGY_POS: cols[n].choice = CHOICE_POS; break;
		case STRATEGY_DELAY_BOUNDED: cols[n].choice = CHOICE_DELAY_BOUNDED; break;
		case STRATEGY_RANDOM:
		case STRATEGY_REPLAY: cols[n].choice = CHOICE_RANDOM; break;
		}
		strategy_class_name(CHOICE_PORTFOLIO, 0, c, cols[n].name, sizeof(cols[n].name));
		n++;
	}
	cols[n++] = (struct column){ CHOICE_DELAY_BOUNDED, 0, "delay-bounded" };
	cols[n++] = (struct column){ CHOICE_PORTFOLIO, 0, "portfolio" };
	return n;
}

/* Schedules from seed first until one fails (UINT64_MAX: none within the
 * budget); *checker gets the checker that fired, *seconds the wall time. */
static uint64_t schedules_to_failure(const struct scenario_file *sf, const struct column *col,
				     const struct calibration *cal, uint64_t first, char *checker,
				     size_t checker_len, double *seconds)
{
	double t0 = wall_seconds();
	for (uint64_t i = 0; i < VARIANT_BUDGET; i++) {
		struct strategy st = strategy_for_seed(col->choice, col->depth, first + i, cal);
		struct scenario_outcome out;
		const char *why = NULL;
		if (runs_one(sf, &st, first + i, NULL, NULL, NULL, &out, NULL, &why) != 0) {
			fprintf(stderr, "ac97bench: %s: %s\n", sf->path, why ? why : "setup failed");
			exit(2);
		}
		if (out.result.verdict == RUN_FAIL) {
			snprintf(checker, checker_len, "%s", out.result.checker);
			*seconds = wall_seconds() - t0;
			return i + 1;
		}
	}
	*seconds = wall_seconds() - t0;
	return UINT64_MAX;
}

/* One cell: the median over the bases (one base for the enumeration). */
static bool cell(const struct scenario_file *sf, const struct column *col,
		 const struct calibration *cal, char *checker, size_t checker_len, char *out,
		 size_t out_len)
{
	unsigned bases = col->choice == CHOICE_DELAY_BOUNDED ? 1 : VARIANT_BASES;
	uint64_t counts[VARIANT_BASES];
	double secs[VARIANT_BASES];
	for (unsigned b = 0; b < bases; b++) {
		char c[32] = "";
		uint64_t first = col->choice == CHOICE_DELAY_BOUNDED ? 0 : 1 + 1000ull * b;
		counts[b] = schedules_to_failure(sf, col, cal, first, c, sizeof(c), &secs[b]);
		if (counts[b] != UINT64_MAX && strcmp(checker, "-") == 0)
			snprintf(checker, checker_len, "%s", c);
	}
	qsort(counts, bases, sizeof(counts[0]), compare_u64);
	qsort(secs, bases, sizeof(secs[0]), compare_doubles);
	uint64_t med = counts[bases / 2];
	if (med == UINT64_MAX) {
		snprintf(out, out_len, "-");
		return false;
	}
	snprintf(out, out_len, "%llu (%.2f s)", (unsigned long long)med, secs[bases / 2]);
	return true;
}

bool variant_table(const char *doc_path)
{
	struct column cols[STRATEGY_CLASSES_MAX + 2];
	unsigned n_cols = columns_of(cols);
	FILE *doc = fopen(doc_path, "w");
	if (doc == NULL) {
		fprintf(stderr, "ac97bench: %s: cannot write\n", doc_path);
		return false;
	}
	fprintf(doc,
		"# The driver bugs, found\n\n"
		"Written by `make bench` (bench/variants.c): for each built-in driver variant\n"
		"and its scenario in `fixtures/scenarios/bugs/`, the schedules and the seconds\n"
		"a search needs to its first failing schedule: for each member of explore's\n"
		"default portfolio run alone and for the portfolio itself, the median over %u\n"
		"starting seeds (1, 1001, ...); for the delay-bounded enumeration, its one\n"
		"order from seed 0. The calibration is explore's. A budget of %u schedules;\n"
		"\"-\" when the median search found nothing within it. One process; seconds\n"
		"are this machine's.\n\n| variant | checker |",
		VARIANT_BASES, VARIANT_BUDGET);
	for (unsigned c = 0; c < n_cols; c++)
		fprintf(doc, " %s |", cols[c].name);
	fprintf(doc, "\n|---|---|");
	for (unsigned c = 0; c < n_cols; c++)
		fprintf(doc, "---|");
	fprintf(doc, "\n");
	printf("variants: schedules (seconds) to the first failure, median of %u seeds; columns:",
	       VARIANT_BASES);
	for (unsigned c = 0; c < n_cols; c++)
		printf("%s %s", c ? "," : "", cols[c].name);
	printf("\n");
	bool all_found = true;
	for (unsigned v = 1; builtin_drivers[v] != NULL; v++) {
		const char *name = builtin_drivers[v]->name;
		struct scenario_file sf;
		struct calibration cal;
		variant_scenario_load(name, &sf, &cal);
		char checker[32] = "-";
		char cells[STRATEGY_CLASSES_MAX + 2][32];
		bool found_by_default = false;
		for (unsigned c = 0; c < n_cols; c++) {
			bool found = cell(&sf, &cols[c], &cal, checker, sizeof(checker), cells[c],
					  sizeof(cells[c]));
			if (cols[c].choice == CHOICE_PORTFOLIO)
				found_by_default = found;
		}
		all_found &= found_by_default;
		fprintf(doc, "| `%s` | %s |", name, checker);
		printf("  %-26s %-22s", name, checker);
		for (unsigned c = 0; c < n_cols; c++) {
			fprintf(doc, " %s |", cells[c]);
			printf(" %-15s", cells[c]);
		}
		fprintf(doc, "\n");
		printf("%s\n", found_by_default ? "" : "  MISSED by the default");
		fflush(stdout);
		scenario_file_free(&sf);
	}
	if (fclose(doc) != 0)
		fprintf(stderr, "ac97bench: %s: write failed\n", doc_path);
	printf("variants: table written to %s\n", doc_path);
	return all_found;
}
