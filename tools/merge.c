/*
 * merge.c - `ac97sim merge` (merge.h).
 *
 * Every input must be a shard of the same search: the same scenario (by
 * hash), driver (name and binary), checkers, build, strategy choice, PCT
 * steps, range of seeds, --keep-going and number of shards; the first
 * input is the one the others are held to. Each shard counts once: a
 * shard given twice is refused even with --partial, since there would be
 * no saying which of the two to count. A missing shard is refused unless
 * --partial, which merges what there is and says which are missing.
 *
 * The merged result is built as explore builds its own: the seeds that
 * ran, the counts and window counts added up, the failures listed by seed,
 * the lowest failing seed with the message and trace of the shard that
 * recorded it (and each strategy's lowest, with its message), then
 * explore_result_finish says why it stopped. The same summary, JSON and
 * JUnit code writes it, so the merged JSON has the unsharded one's shape
 * and, where that does not depend on timing, its content.
 */
#include "merge.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "exit_status.h"
#include "explore_junit.h"
#include "explore_result.h"
#include "outfile.h"

#define ERR_MAX 1400
#define MISSING_LISTED_MAX 20u	/* missing shards named in an error */

static const struct cli_option merge_options[] = {
	{ "partial", 0, CLI_FLAG, NULL,
	  "merge even when shards are missing (the result is marked\n"
	  "\"shards-missing\" and says which)" },
	{ "quiet", 'q', CLI_FLAG, NULL, "no summary on standard output" },
	{ "junit", 0, CLI_VALUE, "FILE",
	  "also write the merged result as JUnit XML, as explore\n"
	  "--junit would have (docs/machine-output.md)" },
};

static const struct cli_spec merge_spec = {
	.command = "merge",
	.synopsis = "OUT.json IN.json... [--partial] [--junit FILE]",
	.description =
		"Joins the results of `explore --shard K/N --json IN.json` (K = 1..N) into\n"
		"OUT.json, as `explore` without --shard would have written it: the same\n"
		"totals, failing seeds, first failure and window counts, with the trace the\n"
		"shard of the lowest failing seed wrote. Prints explore's summary of it.\n"
		"\n"
		"The inputs must be shards of one search: the same scenario (by hash), driver,\n"
		"checkers, build, strategy, range (--seed, --runs), --keep-going and N. Each\n"
		"shard must be given once; a missing one is an error unless --partial.\n"
		"Shards cut short (--time, Ctrl-C) merge into a partial result that says which\n"
		"seeds all ran. See docs/scale-out.md.\n",
	.options = merge_options,
	.n_options = sizeof(merge_options) / sizeof(merge_options[0]),
	.operands_min = 2,
	.operands_max = CLI_OPERANDS_MAX,
	.epilogue = "Exit: as explore's would be (0 every run passed, 1 a run failed, 3 runs cut by\n"
		    "a limit and none failed); 2 inputs that are not shards of one search, a shard\n"
		    "given twice or (without --partial) missing, or an unreadable input.\n",
};

void help_merge(FILE *f)
{
	cli_help(&merge_spec, f);
}

/* The shards read, in the order given. */
struct inputs {
	struct explore_result *shard;
	const char **path;
	size_t n;
};

static void inputs_free(struct inputs *in)
{
	for (size_t i = 0; i < in->n; i++)
		explore_result_free(&in->shard[i]);
	free(in->shard);
	free(in->path);
}

/* Reads every input and holds each to the first. Returns 0, or -1 with the
 * error printed. */
static int read_inputs(const char *const *paths, size_t n, struct inputs *in)
{
	char err[ERR_MAX];
	in->shard = calloc(n, sizeof(*in->shard));
	in->path = calloc(n, sizeof(*in->path));
	in->n = 0;
	if (in->shard == NULL || in->path == NULL) {
		fprintf(stderr, "ac97sim: merge: out of memory for %zu inputs\n", n);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		in->path[i] = paths[i];
		int rc = explore_json_read(paths[i], &in->shard[i], err, sizeof(err));
		in->n = i + 1;
		if (rc != 0) {
			fprintf(stderr, "ac97sim: %s\n", err);
			return -1;
		}
		if (i > 0 && !explore_same_search(&in->shard[0].search, &in->shard[i].search, err,
						  sizeof(err))) {
			fprintf(stderr, "ac97sim: merge: %s is not a shard of the same search as %s: %s\n",
				paths[i], paths[0], err);
			return -1;
		}
		if (in->shard[i].merged_of > 0) {
			fprintf(stderr, "ac97sim: merge: %s is a merged result already: merge the shards "
					"it came from instead\n", paths[i]);
			return -1;
		}
	}
	return 0;
}

/* Which shard each input is: refuses a shard given twice, and (without
 * partial) any missing. Fills *missing (the absent K, ascending). */
static int check_shards(const struct inputs *in, bool partial, uint64_t **missing,
			uint64_t *n_missing)
{
	uint64_t n_shards = in->shard[0].search.shard_count;
	size_t *given = calloc(n_shards, sizeof(*given));	/* input index + 1, by K - 1 */
	*missing = calloc(n_shards, sizeof(**missing));
	*n_missing = 0;
	if (given == NULL || *missing == NULL) {
		fprintf(stderr, "ac97sim: merge: out of memory for %" PRIu64 " shards\n", n_shards);
		free(given);
		return -1;
	}
	for (size_t i = 0; i < in->n; i++) {
		uint64_t k = in->shard[i].shard_index;
		if (given[k - 1] != 0) {
			fprintf(stderr, "ac97sim: merge: shard %" PRIu64 "/%" PRIu64
					" is given twice (%s and %s): give one of them\n",
				k, n_shards, in->path[given[k - 1] - 1], in->path[i]);
			free(given);
			return -1;
		}
		given[k - 1] = i + 1;
	}
	for (uint64_t k = 1; k <= n_shards; k++)
		if (given[k - 1] == 0)
			(*missing)[(*n_missing)++] = k;
	free(given);
	if (*n_missing == 0 || partial)
		return 0;
	fprintf(stderr, "ac97sim: merge: %" PRIu64 " of %" PRIu64 " shards missing:", *n_missing,
		n_shards);
	for (uint64_t i = 0; i < *n_missing && i < MISSING_LISTED_MAX; i++)
		fprintf(stderr, " %" PRIu64 "/%" PRIu64, (*missing)[i], n_shards);
	fprintf(stderr, "%s (give them, or --partial to merge what there is)\n",
		*n_missing > MISSING_LISTED_MAX ? " ..." : "");
	return -1;
}

/* Adds shard s into the merged result m. Returns -1 when out of memory. */
static int add_shard(struct explore_result *m, const struct explore_result *s)
{
	for (uint64_t i = 0; i < s->n_seeds; i++)
		if (s->ran[i] && explore_result_mark(m, explore_seed_of(s, i)) != 0)
			return -1;	/* cannot be: shards are disjoint, each given once */
	m->runs += s->runs;
	m->passed += s->passed;
	m->failed += s->failed;
	m->limited += s->limited;
	m->workers_died += s->workers_died;
	m->jobs += s->jobs;
	m->seconds += s->seconds;
	for (unsigned c = 0; c < EXPLORE_CLASSES_MAX; c++) {
		m->runs_by_class[c] += s->runs_by_class[c];
		explore_class_outcome_add(&m->by_class[c], &s->by_class[c]);
		for (unsigned w = 0; w < WINDOW_COUNT; w++)
			m->window_runs[w][c] += s->window_runs[w][c];
	}
	for (uint64_t i = 0; i < s->n_failures; i++)
		if (explore_result_add_failure(m, s->failures[i].seed, s->failures[i].checker) != 0)
			return -1;
	if (s->first_failure < m->first_failure) {
		m->first_failure = s->first_failure;
		memcpy(m->first_checker, s->first_checker, sizeof(m->first_checker));
		memcpy(m->first_message, s->first_message, sizeof(m->first_message));
		memcpy(m->trace, s->trace, sizeof(m->trace));
	}
	return 0;
}

/* What cut the merged search short, when its data do not say it ended. */
static enum explore_stop cut_by(const struct inputs *in, uint64_t n_missing)
{
	if (n_missing > 0)
		return EXPLORE_SHARDS_MISSING;
	for (size_t i = 0; i < in->n; i++)
		if (in->shard[i].stopped == EXPLORE_INTERRUPTED)
			return EXPLORE_INTERRUPTED;
	return EXPLORE_TIME;
}

/* The time budget the shards shared (0 when they had none, or not one). */
static uint64_t shared_budget_ms(const struct inputs *in)
{
	for (size_t i = 1; i < in->n; i++)
		if (in->shard[i].time_budget_ms != in->shard[0].time_budget_ms)
			return 0;
	return in->shard[0].time_budget_ms;
}

int cmd_merge(int argc, char **argv)
{
	struct cli_args *a = malloc(sizeof(*a));
	if (a == NULL)
		return EXIT_USAGE;
	int st = cli_parse(&merge_spec, argc, argv, a);
	if (st != CLI_CONTINUE) {
		free(a);
		return st;
	}
	const char *out_path = a->operands[0];
	bool partial = cli_given(&merge_spec, a, "partial");
	bool quiet = cli_given(&merge_spec, a, "quiet");
	const char *junit = cli_value(&merge_spec, a, "junit");
	char err[ERR_MAX];
	struct inputs in = { 0 };
	struct explore_result m;
	memset(&m, 0, sizeof(m));
	uint64_t *missing = NULL, n_missing = 0;
	st = EXIT_USAGE;
	if (outfile_check(out_path, err, sizeof(err)) != 0 ||
	    (junit != NULL && outfile_check(junit, err, sizeof(err)) != 0)) {
		fprintf(stderr, "ac97sim: %s\n", err);
		goto done;
	}
	if (read_inputs(a->operands + 1, a->n_operands - 1, &in) != 0 ||
	    check_shards(&in, partial, &missing, &n_missing) != 0)
		goto done;
	struct explore_search whole = in.shard[0].search;
	whole.shard_count = 1;
	if (explore_result_init(&m, &whole, 1) != 0) {
		fprintf(stderr, "ac97sim: merge: out of memory for %" PRIu64 " seeds\n", whole.runs);
		goto done;
	}
	m.merged_of = in.shard[0].search.shard_count;
	m.missing = missing;
	m.n_missing = n_missing;
	missing = NULL;
	m.time_budget_ms = shared_budget_ms(&in);
	for (size_t i = 0; i < in.n; i++)
		if (add_shard(&m, &in.shard[i]) != 0) {
			fprintf(stderr, "ac97sim: merge: out of memory\n");
			goto done;
		}
	explore_result_finish(&m, cut_by(&in, m.n_missing));
	if (!quiet) {
		char how_ran[128];
		snprintf(how_ran, sizeof(how_ran), "%" PRIu64 " shards merged: %.2f s and %" PRIu64
			 " jobs in all", m.merged_of - m.n_missing, m.seconds, m.jobs);
		explore_summary(stdout, &m, how_ran);
	}
	if (explore_json_write(out_path, &m, err, sizeof(err)) != 0 ||
	    (junit != NULL && explore_junit_write(junit, &m, err, sizeof(err)) != 0)) {
		fprintf(stderr, "ac97sim: %s\n", err);
		goto done;
	}
	st = m.failed > 0 ? EXIT_FAILED : m.limited > 0 ? EXIT_LIMIT : EXIT_PASS;
done:
	free(missing);
	explore_result_free(&m);
	inputs_free(&in);
	free(a);
	return st;
}
